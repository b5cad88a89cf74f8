#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/cursor.hpp"
#include "core/request_context.hpp"
#include "core/result.hpp"
#include "services/orders/orders_service.hpp"

namespace emporium::orders {

struct IdempotencyRecord {
    std::string user_id;
    std::string key;
    std::string request_hash;
    std::string order_id;
};

// Storage port of the orders service over N shards; the shard of an order is in its id,
// the shard of a user is hash(user_id) mod N (ShardOf). Every method is one transaction in
// one shard. Blocking, thread-safe.
// Every method takes the caller's context first and answers kUnavailable, touching
// nothing, when its deadline has passed.
class OrdersRepository {
  public:
    virtual ~OrdersRepository() = default;

    virtual int ShardCount() const = 0;

    // Stores a new order with its items, first history entry and an OrderPlaced event,
    // plus the idempotency record when given. kConflict (field "idempotency_key") when the
    // record exists already (a concurrent request with the same key won).
    virtual core::Result<void> CreateOrder(const core::RequestContext& ctx, int shard, const Order& order,
                                           const std::optional<IdempotencyRecord>& idempotency) = 0;
    // Forgets the idempotency records of `shard` created before `before` (Unix seconds);
    // returns how many.
    virtual core::Result<int64_t> PruneIdempotency(const core::RequestContext& ctx, int shard, int64_t before) = 0;
    virtual core::Result<std::optional<IdempotencyRecord>> FindIdempotency(const core::RequestContext& ctx, int shard,
                                                                           std::string_view user_id,
                                                                           std::string_view key) = 0;
    virtual core::Result<Order> FindOrder(const core::RequestContext& ctx, int shard, std::string_view order_id) = 0;
    // How many of the user's orders are unpaid and still hold stock: PENDING_PAYMENT or
    // PAYMENT_PENDING with a reservation that has not expired at `now` (Unix seconds).
    virtual core::Result<int64_t> CountUnpaidOrders(const core::RequestContext& ctx, int shard,
                                                    std::string_view user_id, int64_t now) = 0;
    // Several orders of one shard in one read: one outcome per id, in order (kNotFound for
    // a missing one); an error of the read fails the call.
    virtual core::Result<std::vector<core::Result<Order>>> FindOrders(const core::RequestContext& ctx, int shard,
                                                                      const std::vector<std::string>& order_ids) = 0;
    // Newest first, strictly before `before_seq` when given. Returns (order, seq).
    virtual core::Result<std::vector<std::pair<Order, int64_t>>> ListOrders(const core::RequestContext& ctx, int shard,
                                                                            std::string_view user_id,
                                                                            std::optional<int64_t> before_seq,
                                                                            int limit) = 0;
    // Every shard's orders matching `filter`, newest first by (created_at, id), strictly after
    // `after` in that order when given; at most `limit`. Unlike the rest, not one shard: it
    // reads each physical store once (logical shards may share one) and merges.
    virtual core::Result<std::vector<Order>> ListAllOrders(const core::RequestContext& ctx, const OrderFilter& filter,
                                                           const std::optional<core::TimeIdCursor>& after,
                                                           int limit) = 0;
    virtual core::Result<std::vector<StatusChange>> History(const core::RequestContext& ctx, int shard,
                                                            std::string_view order_id) = 0;
    // Moves the order to `to` if CanTransition allows it (checked inside the transaction),
    // records the history entry (its actor: ctx.principal's user, if any) and an
    // OrderStatusChanged event. Already in `to`: no-op.
    // kConflict for an illegal transition.
    virtual core::Result<Order> Transition(const core::RequestContext& ctx, int shard, std::string_view order_id,
                                           OrderStatus to, std::string_view reason, int64_t now) = 0;
    // Transition for several orders of one shard in one transaction: one outcome per id, in
    // order (kNotFound, kConflict or the order); an error of the transaction fails the call.
    virtual core::Result<std::vector<core::Result<Order>>> TransitionEach(const core::RequestContext& ctx, int shard,
                                                                          const std::vector<std::string>& order_ids,
                                                                          OrderStatus to, std::string_view reason,
                                                                          int64_t now) = 0;
};

}  // namespace emporium::orders

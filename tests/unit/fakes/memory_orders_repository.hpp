#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/deadline.hpp"
#include "core/request_context.hpp"
#include "core/result.hpp"
#include "services/orders/orders_repository.hpp"

namespace emporium::orders {

// OrdersRepository in memory, for unit tests of the services above it; passes the same
// contract as SqliteOrdersRepository (orders_repository_contract_test.cpp). Logical shard i
// keeps its rows in store `store_of_shard[i]`: several shards may name one store, as the
// SQLite adapter's shard map may name one database several times (one sequence, one
// idempotency table). Thread-safe: one mutex around everything.
// Not modelled: the OrderPlaced and OrderStatusChanged events the SQLite adapter appends to
// its outbox in the same transaction (unit tests over this fake have no bus).
class MemoryOrdersRepository final : public OrdersRepository {
  public:
    explicit MemoryOrdersRepository(std::vector<int> store_of_shard = {0})
        : store_of_shard_(std::move(store_of_shard)) {
        int stores = 0;
        for (int store : store_of_shard_) stores = std::max(stores, store + 1);
        stores_.resize(static_cast<std::size_t>(stores));
    }
    // `shards` logical shards, each with its own store.
    static std::unique_ptr<MemoryOrdersRepository> WithShards(int shards) {
        std::vector<int> map;
        for (int i = 0; i < shards; ++i) map.push_back(i);
        return std::make_unique<MemoryOrdersRepository>(std::move(map));
    }

    int ShardCount() const override { return static_cast<int>(store_of_shard_.size()); }

    core::Result<void> CreateOrder(const core::RequestContext& ctx, int shard, const Order& order,
                                   const std::optional<IdempotencyRecord>& idempotency) override {
        std::lock_guard lock(mutex_);
        EMPORIUM_ASSIGN_OR_RETURN(Store * store, Find(ctx, shard));
        if (idempotency && store->keys.contains({idempotency->user_id, idempotency->key}))
            return core::Error{core::ErrorCode::kConflict, "idempotency key taken", {{"idempotency_key", "exists"}}};
        if (store->orders.contains(order.id)) return core::Error::Conflict("UNIQUE constraint failed: orders.id");
        if (idempotency)
            store->keys[{idempotency->user_id, idempotency->key}] = StoredKey{*idempotency, order.created_at};
        StoredOrder& stored = store->orders[order.id];
        stored.order = order;
        stored.order.updated_at = order.created_at;  // as the SQLite adapter stores it
        stored.seq = store->next_seq++;
        stored.history.push_back(StatusChange{order.status, order.created_at, "order placed",
                                              ctx.principal ? ctx.principal->user_id : std::string()});
        return core::Ok();
    }

    core::Result<int64_t> PruneIdempotency(const core::RequestContext& ctx, int shard, int64_t before) override {
        std::lock_guard lock(mutex_);
        EMPORIUM_ASSIGN_OR_RETURN(Store * store, Find(ctx, shard));
        return static_cast<int64_t>(
            std::erase_if(store->keys, [&](const auto& entry) { return entry.second.created_at < before; }));
    }

    core::Result<std::optional<IdempotencyRecord>> FindIdempotency(const core::RequestContext& ctx, int shard,
                                                                   std::string_view user_id,
                                                                   std::string_view key) override {
        std::lock_guard lock(mutex_);
        EMPORIUM_ASSIGN_OR_RETURN(Store * store, Find(ctx, shard));
        auto it = store->keys.find({std::string(user_id), std::string(key)});
        if (it == store->keys.end()) return std::optional<IdempotencyRecord>();
        return std::optional<IdempotencyRecord>(it->second.record);
    }

    core::Result<Order> FindOrder(const core::RequestContext& ctx, int shard, std::string_view order_id) override {
        std::lock_guard lock(mutex_);
        EMPORIUM_ASSIGN_OR_RETURN(Store * store, Find(ctx, shard));
        return Load(*store, order_id);
    }

    core::Result<int64_t> CountUnpaidOrders(const core::RequestContext& ctx, int shard, std::string_view user_id,
                                            int64_t now) override {
        std::lock_guard lock(mutex_);
        EMPORIUM_ASSIGN_OR_RETURN(Store * store, Find(ctx, shard));
        int64_t unpaid = 0;
        for (const auto& [id, stored] : store->orders) {
            const Order& order = stored.order;
            if (order.user_id == user_id && order.reservation_expires_at > now &&
                (order.status == OrderStatus::kPendingPayment || order.status == OrderStatus::kPaymentPending))
                ++unpaid;
        }
        return unpaid;
    }

    core::Result<std::vector<core::Result<Order>>> FindOrders(const core::RequestContext& ctx, int shard,
                                                              const std::vector<std::string>& order_ids) override {
        std::lock_guard lock(mutex_);
        EMPORIUM_ASSIGN_OR_RETURN(Store * store, Find(ctx, shard));
        std::vector<core::Result<Order>> outcomes;
        for (const auto& id : order_ids) outcomes.push_back(Load(*store, id));
        return outcomes;
    }

    core::Result<std::vector<std::pair<Order, int64_t>>> ListOrders(const core::RequestContext& ctx, int shard,
                                                                    std::string_view user_id,
                                                                    std::optional<int64_t> before_seq,
                                                                    int limit) override {
        std::lock_guard lock(mutex_);
        EMPORIUM_ASSIGN_OR_RETURN(Store * store, Find(ctx, shard));
        std::vector<std::pair<Order, int64_t>> rows;
        for (const auto& [id, stored] : store->orders)
            if (stored.order.user_id == user_id && stored.seq < before_seq.value_or(INT64_MAX))
                rows.emplace_back(stored.order, stored.seq);
        std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
        if (limit >= 0 && rows.size() > static_cast<std::size_t>(limit))  // a negative LIMIT is none in SQLite
            rows.resize(static_cast<std::size_t>(limit));
        return rows;
    }

    core::Result<std::vector<Order>> ListAllOrders(const core::RequestContext& ctx, const OrderFilter& filter,
                                                   const std::optional<core::TimeIdCursor>& after, int limit) override {
        std::lock_guard lock(mutex_);
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::vector<Order> orders;
        for (const auto& store : stores_)
            for (const auto& [id, stored] : store.orders) {
                const Order& o = stored.order;
                if ((filter.status && o.status != *filter.status) || (filter.user_id && o.user_id != *filter.user_id) ||
                    (filter.order_id && o.id != *filter.order_id) ||
                    (filter.created_after && o.created_at < *filter.created_after) ||
                    (filter.created_before && o.created_at >= *filter.created_before) ||
                    (after && (o.created_at > after->time || (o.created_at == after->time && o.id >= after->id))))
                    continue;
                orders.push_back(o);
            }
        std::sort(orders.begin(), orders.end(), [](const Order& a, const Order& b) {
            return a.created_at != b.created_at ? a.created_at > b.created_at : a.id > b.id;
        });
        if (orders.size() > static_cast<std::size_t>(limit)) orders.resize(static_cast<std::size_t>(limit));
        return orders;
    }

    core::Result<std::vector<StatusChange>> History(const core::RequestContext& ctx, int shard,
                                                    std::string_view order_id) override {
        std::lock_guard lock(mutex_);
        EMPORIUM_ASSIGN_OR_RETURN(Store * store, Find(ctx, shard));
        auto it = store->orders.find(std::string(order_id));
        if (it == store->orders.end()) return std::vector<StatusChange>();  // as SQLite: no rows
        return it->second.history;
    }

    core::Result<Order> Transition(const core::RequestContext& ctx, int shard, std::string_view order_id,
                                   OrderStatus to, std::string_view reason, int64_t now) override {
        std::lock_guard lock(mutex_);
        EMPORIUM_ASSIGN_OR_RETURN(Store * store, Find(ctx, shard));
        return Move(*store, order_id, to, reason, now, ctx);
    }

    core::Result<std::vector<core::Result<Order>>> TransitionEach(const core::RequestContext& ctx, int shard,
                                                                  const std::vector<std::string>& order_ids,
                                                                  OrderStatus to, std::string_view reason,
                                                                  int64_t now) override {
        std::lock_guard lock(mutex_);
        EMPORIUM_ASSIGN_OR_RETURN(Store * store, Find(ctx, shard));
        std::vector<core::Result<Order>> outcomes;
        for (const auto& id : order_ids) outcomes.push_back(Move(*store, id, to, reason, now, ctx));
        return outcomes;
    }

  private:
    struct StoredOrder {
        Order order;
        int64_t seq = 0;
        std::vector<StatusChange> history;
    };
    struct StoredKey {
        IdempotencyRecord record;
        int64_t created_at = 0;
    };
    struct Store {
        int64_t next_seq = 1;
        std::map<std::string, StoredOrder, std::less<>> orders;
        std::map<std::pair<std::string, std::string>, StoredKey> keys;  // by (user id, key)
    };

    // The store of `shard`, after the deadline check every method starts with.
    core::Result<Store*> Find(const core::RequestContext& ctx, int shard) {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        if (shard < 0 || shard >= ShardCount()) return core::Error::NotFound("No such order.");
        return &stores_[static_cast<std::size_t>(store_of_shard_[static_cast<std::size_t>(shard)])];
    }

    static core::Result<Order> Load(const Store& store, std::string_view order_id) {
        auto it = store.orders.find(order_id);
        if (it == store.orders.end()) return core::Error::NotFound("No such order.");
        return it->second.order;
    }

    static core::Result<Order> Move(Store& store, std::string_view order_id, OrderStatus to, std::string_view reason,
                                    int64_t now, const core::RequestContext& ctx) {
        auto it = store.orders.find(order_id);
        if (it == store.orders.end()) return core::Error::NotFound("No such order.");
        Order& order = it->second.order;
        if (order.status == to) return order;
        if (!CanTransition(order.status, to))
            return core::Error::Conflict("An order in state " + std::string(StatusName(order.status)) +
                                         " cannot become " + std::string(StatusName(to)) + ".");
        order.status = to;
        order.updated_at = now;
        it->second.history.push_back(
            StatusChange{to, now, std::string(reason), ctx.principal ? ctx.principal->user_id : std::string()});
        return order;
    }

    std::mutex mutex_;
    std::vector<int> store_of_shard_;
    std::vector<Store> stores_;
};

}  // namespace emporium::orders

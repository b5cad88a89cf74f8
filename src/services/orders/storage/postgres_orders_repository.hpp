#pragma once

#include <vector>

#include "infra/postgres/database.hpp"
#include "services/orders/orders_repository.hpp"

namespace emporium::orders {

// OrdersRepository over one PostgreSQL database per shard (schemas/postgres/orders + bus
// tables: each shard has its own outbox); in production the shards live on different
// servers, so nothing here spans two of them. Several writes of one shard run at once: a
// transition locks its order rows (SELECT … FOR UPDATE, in id order) before it reads their
// status, and an idempotency key is claimed by its primary key.
class PostgresOrdersRepository final : public OrdersRepository {
  public:
    explicit PostgresOrdersRepository(std::vector<infra::postgres::Database*> shards) : shards_(std::move(shards)) {}

    int ShardCount() const override { return static_cast<int>(shards_.size()); }
    core::Result<void> CreateOrder(const core::RequestContext& ctx, int shard, const Order& order,
                                   const std::optional<IdempotencyRecord>& idempotency) override;
    core::Result<int64_t> PruneIdempotency(const core::RequestContext& ctx, int shard, int64_t before) override;
    core::Result<int64_t> CountUnpaidOrders(const core::RequestContext& ctx, int shard, std::string_view user_id,
                                            int64_t now) override;
    core::Result<std::optional<IdempotencyRecord>> FindIdempotency(const core::RequestContext& ctx, int shard,
                                                                   std::string_view user_id,
                                                                   std::string_view key) override;
    core::Result<Order> FindOrder(const core::RequestContext& ctx, int shard, std::string_view order_id) override;
    core::Result<std::vector<core::Result<Order>>> FindOrders(const core::RequestContext& ctx, int shard,
                                                              const std::vector<std::string>& order_ids) override;
    core::Result<std::vector<std::pair<Order, int64_t>>> ListOrders(const core::RequestContext& ctx, int shard,
                                                                    std::string_view user_id,
                                                                    std::optional<int64_t> before_seq,
                                                                    int limit) override;
    core::Result<std::vector<Order>> ListAllOrders(const core::RequestContext& ctx, const OrderFilter& filter,
                                                   const std::optional<core::TimeIdCursor>& after, int limit) override;
    core::Result<std::vector<StatusChange>> History(const core::RequestContext& ctx, int shard,
                                                    std::string_view order_id) override;
    core::Result<Order> Transition(const core::RequestContext& ctx, int shard, std::string_view order_id,
                                   OrderStatus to, std::string_view reason, int64_t now) override;
    core::Result<std::vector<core::Result<Order>>> TransitionEach(const core::RequestContext& ctx, int shard,
                                                                  const std::vector<std::string>& order_ids,
                                                                  OrderStatus to, std::string_view reason,
                                                                  int64_t now) override;

  private:
    core::Result<infra::postgres::Database*> Shard(int shard) const;
    std::vector<infra::postgres::Database*> shards_;
};

}  // namespace emporium::orders

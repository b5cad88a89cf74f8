#pragma once

#include "infra/postgres/database.hpp"
#include "services/inventory/inventory_repository.hpp"

namespace emporium::inventory {

// InventoryRepository over PostgreSQL (schemas/postgres/inventory), whose database also
// holds the bus tables for its outbox.
//
// Many write jobs run at once (READ COMMITTED): every job that reads stock counts and
// then changes them first locks the stock rows it needs (SELECT … FOR UPDATE), always in
// SKU order, so two checkouts never sell the same unit and never wait on each other in a
// cycle. A job on one reservation locks the reservation row before any stock row.
class PostgresInventoryRepository final : public InventoryRepository {
  public:
    explicit PostgresInventoryRepository(infra::postgres::Database& db) : db_(db) {}

    core::Result<Stock> FindStock(const core::RequestContext& ctx, std::string_view sku) override;
    core::Result<std::vector<Stock>> FindStocks(const core::RequestContext& ctx,
                                                const std::vector<std::string>& skus) override;
    core::Result<Stock> ApplyAdjustment(const core::RequestContext& ctx, Adjustment& adjustment) override;
    core::Result<void> ApplyAdjustments(const core::RequestContext& ctx, std::vector<Adjustment>& adjustments) override;
    core::Result<std::vector<std::pair<Adjustment, int64_t>>> ListAdjustments(const core::RequestContext& ctx,
                                                                              std::string_view sku,
                                                                              std::optional<int64_t> before_seq,
                                                                              int limit) override;
    core::Result<void> Reserve(const core::RequestContext& ctx, std::string_view reservation_id,
                               const std::vector<ReservationLine>& lines, int64_t expires_at, int64_t now) override;
    core::Result<void> Finish(const core::RequestContext& ctx, std::string_view reservation_id, ReservationStatus to,
                              int64_t now, std::optional<std::string> released_event_reason) override;
    core::Result<std::vector<std::string>> FindExpired(const core::RequestContext& ctx, int64_t now,
                                                       int limit) override;
    core::Result<void> Restock(const core::RequestContext& ctx, std::string_view reservation_id, int64_t now) override;

  private:
    infra::postgres::Database& db_;
};

}  // namespace emporium::inventory

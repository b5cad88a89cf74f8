#pragma once

#include "core/clock.hpp"
#include "services/catalog/catalog_service.hpp"
#include "services/inventory/inventory_repository.hpp"
#include "services/inventory/inventory_service.hpp"

namespace emporium::inventory {

class InventoryServiceImpl final : public InventoryService {
  public:
    // `catalog` tells which SKUs exist (the catalog owns them).
    InventoryServiceImpl(InventoryRepository& repository, catalog::CatalogService& catalog, const core::Clock& clock)
        : repository_(repository), catalog_(catalog), clock_(clock) {}

    core::Result<Stock> GetStock(const core::RequestContext& ctx, std::string_view sku) override;
    core::Result<std::vector<Stock>> GetStocks(const core::RequestContext& ctx,
                                               const std::vector<std::string>& skus) override;
    core::Result<AdjustmentResult> Adjust(const core::RequestContext& ctx, std::string_view sku, int64_t delta,
                                          std::string_view reason) override;
    core::Result<AdjustmentPage> ListAdjustments(const core::RequestContext& ctx, std::string_view sku, int limit,
                                                 std::string_view cursor) override;
    core::Result<void> Reserve(const core::RequestContext& ctx, std::string_view reservation_id,
                               const std::vector<ReservationLine>& lines, int64_t expires_at) override;
    core::Result<void> Commit(const core::RequestContext& ctx, std::string_view reservation_id) override;
    core::Result<void> Release(const core::RequestContext& ctx, std::string_view reservation_id) override;
    core::Result<void> Restock(const core::RequestContext& ctx, std::string_view reservation_id) override;
    core::Result<int> ReleaseExpired(const core::RequestContext& ctx, int limit) override;

  private:
    core::Result<void> CheckSku(const core::RequestContext& ctx, std::string_view sku);

    InventoryRepository& repository_;
    catalog::CatalogService& catalog_;
    const core::Clock& clock_;
};

}  // namespace emporium::inventory

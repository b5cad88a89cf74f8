#pragma once

#include "infra/sqlite/database.hpp"
#include "services/shipping/shipping_repository.hpp"

namespace emporium::shipping {

// ShippingRepository over the SQLite database "shipping" (schemas/sqlite/shipping).
class SqliteShippingRepository final : public ShippingRepository {
  public:
    explicit SqliteShippingRepository(infra::sqlite::Database& db) : db_(db) {}
    core::Result<std::vector<Shipment>> InsertOrFind(const core::RequestContext& ctx,
                                                     const std::vector<Shipment>& shipments, int64_t now) override;
    core::Result<Shipment> FindByOrder(const core::RequestContext& ctx, std::string_view order_id) override;
    core::Result<Shipment> FindByTracking(const core::RequestContext& ctx, std::string_view tracking_number) override;
    core::Result<Shipment> AddEvent(const core::RequestContext& ctx, std::string_view tracking_number,
                                    const TrackingEvent& event) override;

  private:
    infra::sqlite::Database& db_;
};

}  // namespace emporium::shipping

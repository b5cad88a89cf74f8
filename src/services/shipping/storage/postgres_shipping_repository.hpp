#pragma once

#include "infra/postgres/database.hpp"
#include "services/shipping/shipping_repository.hpp"

namespace emporium::shipping {

// ShippingRepository over PostgreSQL (schemas/postgres/shipping). A scan locks its shipment's
// row, so scans of one parcel take turns and see each other's events.
class PostgresShippingRepository final : public ShippingRepository {
  public:
    explicit PostgresShippingRepository(infra::postgres::Database& db) : db_(db) {}
    core::Result<std::vector<Shipment>> InsertOrFind(const core::RequestContext& ctx,
                                                     const std::vector<Shipment>& shipments, int64_t now) override;
    core::Result<Shipment> FindByOrder(const core::RequestContext& ctx, std::string_view order_id) override;
    core::Result<Shipment> FindByTracking(const core::RequestContext& ctx, std::string_view tracking_number) override;
    core::Result<Shipment> AddEvent(const core::RequestContext& ctx, std::string_view tracking_number,
                                    const TrackingEvent& event) override;

  private:
    infra::postgres::Database& db_;
};

}  // namespace emporium::shipping

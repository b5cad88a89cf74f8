#pragma once

#include "core/clock.hpp"
#include "services/orders/orders_service.hpp"
#include "services/shipping/shipping_repository.hpp"
#include "services/shipping/shipping_service.hpp"

namespace emporium::shipping {

class ShippingServiceImpl final : public ShippingService {
  public:
    ShippingServiceImpl(ShippingRepository& repository, orders::OrdersService& orders, const core::Clock& clock)
        : repository_(repository), orders_(orders), clock_(clock) {}

    core::Result<std::vector<core::Result<Shipment>>> CreateShipments(const core::RequestContext& ctx,
                                                                      const std::vector<PaidOrder>& orders) override;
    core::Result<Shipment> GetTracking(const core::RequestContext& ctx, std::string_view order_id) override;
    core::Result<Shipment> AddEvent(const core::RequestContext& ctx, std::string_view tracking_number,
                                    ShipmentStatus status, std::string_view description) override;
    core::Result<Shipment> FindByOrder(const core::RequestContext& ctx, std::string_view order_id) override;

  private:
    ShippingRepository& repository_;
    orders::OrdersService& orders_;
    const core::Clock& clock_;
};

}  // namespace emporium::shipping

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/request_context.hpp"
#include "core/result.hpp"

namespace emporium::shipping {

enum class ShipmentStatus { kLabelCreated, kInTransit, kDelivered };
std::string_view StatusName(ShipmentStatus status);

struct TrackingEvent {
    ShipmentStatus status = ShipmentStatus::kLabelCreated;
    std::string description;
    int64_t at = 0;
};

struct Shipment {
    std::string tracking_number;
    std::string order_id;
    std::string user_id;
    std::string carrier;
    ShipmentStatus status = ShipmentStatus::kLabelCreated;
    std::vector<TrackingEvent> events;  // oldest first
};

// The shipping service: a shipment per paid order, advanced by carrier scans, which move
// the order to SHIPPED and DELIVERED. Blocking; thread-safe.
class ShippingService {
  public:
    virtual ~ShippingService() = default;
    // Idempotent: the order's existing shipment if there is one. Moves the order to FULFILLING.
    virtual core::Result<Shipment> CreateShipment(const core::RequestContext& ctx, std::string_view order_id,
                                                  std::string_view user_id) = 0;
    // The caller's order's shipment; kNotFound if none (yet) or not the caller's.
    virtual core::Result<Shipment> GetTracking(const core::RequestContext& ctx, std::string_view order_id) = 0;
    // A carrier scan. kConflict when it would go backwards; repeating the current status
    // only adds the event.
    virtual core::Result<Shipment> AddEvent(const core::RequestContext& ctx, std::string_view tracking_number,
                                            ShipmentStatus status, std::string_view description) = 0;
    // For notifications: the shipment of an order, no ownership check.
    virtual core::Result<Shipment> FindByOrder(const core::RequestContext& ctx, std::string_view order_id) = 0;
};

}  // namespace emporium::shipping

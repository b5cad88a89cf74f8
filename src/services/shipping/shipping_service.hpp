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

struct PaidOrder {
    std::string order_id;
    std::string user_id;
};

// The shipping service: a shipment per paid order, advanced by carrier scans, which move
// the order to SHIPPED and DELIVERED. Blocking; thread-safe.
class ShippingService {
  public:
    virtual ~ShippingService() = default;
    // A shipment for each paid order, idempotent (an order's existing shipment if it has
    // one), and the order moved to FULFILLING: one transaction for the shipments and one per
    // order shard, however many orders (a bus consumer's batch). One outcome per order, in
    // order; an error of a transaction fails the call (call again: nothing is repeated).
    virtual core::Result<std::vector<core::Result<Shipment>>> CreateShipments(const core::RequestContext& ctx,
                                                                              const std::vector<PaidOrder>& orders) = 0;
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

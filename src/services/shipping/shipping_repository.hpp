#pragma once

#include <string_view>

#include "core/request_context.hpp"
#include "core/result.hpp"
#include "services/shipping/shipping_service.hpp"

namespace emporium::shipping {

// Storage port of the shipping service. Blocking, thread-safe.
// Every method takes the caller's context first and answers kUnavailable, touching
// nothing, when its deadline has passed.
class ShippingRepository {
  public:
    virtual ~ShippingRepository() = default;
    // Inserts each shipment with its first event, or finds the order's existing one, all in
    // one transaction; the stored shipments, in order.
    virtual core::Result<std::vector<Shipment>> InsertOrFind(const core::RequestContext& ctx,
                                                             const std::vector<Shipment>& shipments, int64_t now) = 0;
    virtual core::Result<Shipment> FindByOrder(const core::RequestContext& ctx, std::string_view order_id) = 0;
    virtual core::Result<Shipment> FindByTracking(const core::RequestContext& ctx,
                                                  std::string_view tracking_number) = 0;
    // Sets the status and appends the event in one transaction; kConflict if the stored
    // status is past `event.status`. A scan repeating the last event (same status and
    // description; any `delivered` after `delivered`) changes nothing and answers the shipment.
    virtual core::Result<Shipment> AddEvent(const core::RequestContext& ctx, std::string_view tracking_number,
                                            const TrackingEvent& event) = 0;
};

}  // namespace emporium::shipping

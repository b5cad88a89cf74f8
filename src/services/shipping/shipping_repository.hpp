#pragma once

#include <string_view>

#include "core/result.hpp"
#include "services/shipping/shipping_service.hpp"

namespace emporium::shipping {

// Storage port of the shipping service. Blocking, thread-safe.
class ShippingRepository {
  public:
    virtual ~ShippingRepository() = default;
    // Inserts the shipment with its first event, or returns the order's existing one.
    virtual core::Result<Shipment> InsertOrFind(const Shipment& shipment, int64_t now) = 0;
    virtual core::Result<Shipment> FindByOrder(std::string_view order_id) = 0;
    virtual core::Result<Shipment> FindByTracking(std::string_view tracking_number) = 0;
    // Sets the status and appends the event in one transaction; kConflict if the stored
    // status is past `event.status`.
    virtual core::Result<Shipment> AddEvent(std::string_view tracking_number, const TrackingEvent& event) = 0;
};

}  // namespace emporium::shipping

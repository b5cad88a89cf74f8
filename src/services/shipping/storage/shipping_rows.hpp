#pragma once

// Both SQL adapters of the shipping service (SQLite and PostgreSQL) decode the same
// records and judge a carrier's scan alike: the row decoders and that rule live here once,
// so that the two adapters cannot drift apart. Decoders are templates over the row type:
// infra::sqlite::Statement and infra::postgres::Row read columns alike.

#include <string>
#include <string_view>

#include "core/result.hpp"
#include "services/shipping/shipping_service.hpp"

namespace emporium::shipping {

// The status columns' values, as StatusName writes them; anything else is read as
// label_created.
inline ShipmentStatus ParseStatus(std::string_view text) {
    if (text == "in_transit") return ShipmentStatus::kInTransit;
    if (text == "delivered") return ShipmentStatus::kDelivered;
    return ShipmentStatus::kLabelCreated;
}

// Whether a scan `event` changes `shipment` (as stored, events oldest first): false for a
// carrier that resends its last scan (nothing new happened to the parcel); kConflict for a
// scan that would move the shipment back.
inline core::Result<bool> ScanChangesShipment(const Shipment& shipment, const TrackingEvent& event) {
    if (static_cast<int>(event.status) < static_cast<int>(shipment.status))
        return core::Error::Conflict("The shipment is already " + std::string(StatusName(shipment.status)) + ".");
    if (!shipment.events.empty()) {
        const TrackingEvent& last = shipment.events.back();
        if (last.status == event.status &&
            (event.status == ShipmentStatus::kDelivered || last.description == event.description))
            return false;
    }
    return true;
}

// Columns: tracking_number, order_id, user_id, carrier, status; the events are left empty.
template <typename Row>
Shipment ReadShipment(const Row& row) {
    return Shipment{row.String(0), row.String(1), row.String(2), row.String(3), ParseStatus(row.Text(4)), {}};
}

// Reads the shipment_events columns status, description, at starting at `first`.
template <typename Row>
TrackingEvent ReadTrackingEvent(const Row& row, int first) {
    return TrackingEvent{ParseStatus(row.Text(first)), row.String(first + 1), row.Int(first + 2)};
}

}  // namespace emporium::shipping

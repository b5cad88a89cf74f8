#pragma once

// Both SQL adapters of the inventory (SQLite and PostgreSQL) decode and encode the same
// records: the row decoders, the reservation status column's names, the shape of
// FindStocks' answer and the events they append to the outbox live here once, so that the
// two adapters cannot drift apart.
// Decoders are templates over the row type: infra::sqlite::Statement and
// infra::postgres::Row read columns alike.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bus/event.hpp"
#include "services/inventory/inventory_service.hpp"

namespace emporium::inventory {

// The reservations.status column's values.
const char* StatusName(ReservationStatus status);

// StockChanged for `sku`, now `available`: consumers show "in stock" or not; the payload
// carries when it changed, in milliseconds, so they can report how far behind they are.
bus::Event StockChangedEvent(std::string_view sku, int64_t available, int64_t now);
// ReservationReleased for `reservation_id`, with why it was released.
bus::Event ReservationReleasedEvent(std::string_view reservation_id, std::string_view reason, int64_t now);

// The answer of FindStocks: the stock of each of `skus` in the order asked, from the rows
// `found` by SKU; all zeros for a SKU never stocked.
std::vector<Stock> StocksInOrderAsked(const std::vector<std::string>& skus,
                                      const std::unordered_map<std::string, Stock>& found);

// Columns: sku, available, reserved, sold, updated_at.
template <typename Row>
Stock ReadStock(const Row& row) {
    return Stock{row.String(0), row.Int(1), row.Int(2), row.Int(3), row.Int(4)};
}

// Columns: id, sku, delta, reason, actor_id, available_after, created_at.
template <typename Row>
Adjustment ReadAdjustment(const Row& row) {
    return Adjustment{row.String(0), row.String(1), row.Int(2), row.String(3), row.String(4), row.Int(5), row.Int(6)};
}

}  // namespace emporium::inventory

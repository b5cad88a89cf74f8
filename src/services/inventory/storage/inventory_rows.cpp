#include "services/inventory/storage/inventory_rows.hpp"

#include "core/clock.hpp"
#include "core/json_writer.hpp"

namespace emporium::inventory {

const char* StatusName(ReservationStatus status) {
    switch (status) {
        case ReservationStatus::kActive:
            return "active";
        case ReservationStatus::kCommitted:
            return "committed";
        case ReservationStatus::kReleased:
            return "released";
    }
    return "active";
}

std::vector<Stock> StocksInOrderAsked(const std::vector<std::string>& skus,
                                      const std::unordered_map<std::string, Stock>& found) {
    std::vector<Stock> out;
    out.reserve(skus.size());
    for (const auto& sku : skus) {
        auto it = found.find(sku);
        out.push_back(it != found.end() ? it->second : Stock{sku, 0, 0, 0, 0});
    }
    return out;
}

bus::Event StockChangedEvent(std::string_view sku, int64_t available, int64_t now) {
    int64_t now_ms = core::UnixMillisNow();
    std::string payload;
    core::JsonWriter json(payload);
    json.BeginObject().Field("sku", sku).Field("available", available).Field("changed_at_ms", now_ms).EndObject();
    return bus::NewEvent(std::string(kStockChanged), std::string(sku), std::move(payload), now);
}

bus::Event ReservationReleasedEvent(std::string_view reservation_id, std::string_view reason, int64_t now) {
    std::string payload;
    core::JsonWriter json(payload);
    json.BeginObject().Field("reservation_id", reservation_id).Field("reason", reason).EndObject();
    return bus::NewEvent(std::string(kReservationReleased), std::string(reservation_id), std::move(payload), now);
}

}  // namespace emporium::inventory

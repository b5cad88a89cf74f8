#include "services/orders/order_events.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>

#include "core/json_writer.hpp"

namespace emporium::orders {

std::string OrderStatusChangedPayload(const Order& order, OrderStatus from, OrderStatus to, std::string_view reason) {
    std::string payload;
    core::JsonWriter json(payload);
    json.BeginObject()
        .Field("order_id", order.id)
        .Field("user_id", order.user_id)
        .Field("from", StatusName(from))
        .Field("to", StatusName(to))
        .Field("reason", reason)
        .EndObject();
    return payload;
}

std::string OrderPlacedPayload(const Order& order) {
    std::string payload;
    core::JsonWriter json(payload);
    json.BeginObject()
        .Field("order_id", order.id)
        .Field("user_id", order.user_id)
        .Field("status", StatusName(order.status))
        .Field("total", order.total.amount)
        .Field("currency", order.total.currency)
        .Key("items")
        .BeginArray();
    for (const auto& line : order.items)
        json.BeginObject()
            .Field("sku", line.sku)
            .Field("product_id", line.product_id)
            .Field("quantity", line.quantity)
            .EndObject();
    json.EndArray().EndObject();
    return payload;
}

bus::Event NewOrderPlacedEvent(const Order& order) {
    return bus::NewEvent(std::string(kOrderPlaced), order.id, OrderPlacedPayload(order), order.created_at);
}

bus::Event NewOrderStatusChangedEvent(const Order& order, OrderStatus from, OrderStatus to, std::string_view reason,
                                      int64_t now) {
    return bus::NewEvent(std::string(kOrderStatusChanged), order.id, OrderStatusChangedPayload(order, from, to, reason),
                         now);
}

core::Result<OrderStatusChangedEvent> ReadOrderStatusChanged(const bus::Event& event) {
    boost::system::error_code ec;
    auto payload = boost::json::parse(event.payload, ec);
    if (ec || !payload.is_object()) return core::Error::Internal("OrderStatusChanged payload is not an object");
    const auto& object = payload.as_object();
    OrderStatusChangedEvent change;
    if (const auto* user = object.if_contains("user_id"); user && user->is_string())
        change.user_id = std::string(user->as_string());
    if (const auto* to = object.if_contains("to"); to && to->is_string())
        change.to = ParseStatus(std::string_view(to->as_string().data(), to->as_string().size()));
    return change;
}

bus::EventBus::Filter OrderReaches(std::vector<OrderStatus> statuses) {
    return [statuses = std::move(statuses)](const bus::Event& event) {
        auto change = ReadOrderStatusChanged(event);
        if (!change.ok()) return true;
        return change->to && std::find(statuses.begin(), statuses.end(), *change->to) != statuses.end();
    };
}

}  // namespace emporium::orders

#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "bus/event.hpp"
#include "core/result.hpp"
#include "services/orders/orders_service.hpp"

namespace emporium::orders {

// OrderStatusChanged: published by the orders service with every transition of an order
// (aggregate = the order id). Its consumers (shipping, notifications, payments, the
// restock retry) read it through ReadOrderStatusChanged, so the payload lives here only.
inline constexpr std::string_view kOrderStatusChanged = "OrderStatusChanged";

struct OrderStatusChangedEvent {
    std::optional<std::string> user_id;
    std::optional<OrderStatus> to;  // nullopt when missing or not a status this build knows
};

// The payload: {order_id, user_id, from, to, reason}.
std::string OrderStatusChangedPayload(const Order& order, OrderStatus from, OrderStatus to, std::string_view reason);
// kInternal when the payload is not a JSON object.
core::Result<OrderStatusChangedEvent> ReadOrderStatusChanged(const bus::Event& event);

}  // namespace emporium::orders

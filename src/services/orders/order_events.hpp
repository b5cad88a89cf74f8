#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bus/event.hpp"
#include "bus/event_bus.hpp"
#include "core/result.hpp"
#include "services/orders/orders_service.hpp"

namespace emporium::orders {

// OrderStatusChanged: published by the orders service with every transition of an order
// (aggregate = the order id). Its consumers (shipping, notifications, payments, the
// restock retry) read it through ReadOrderStatusChanged, so the payload lives here only.
inline constexpr std::string_view kOrderStatusChanged = "OrderStatusChanged";
// OrderPlaced: a new order (aggregate = the order id); payload as OrderPlacedPayload.
inline constexpr std::string_view kOrderPlaced = "OrderPlaced";

struct OrderStatusChangedEvent {
    std::optional<std::string> user_id;
    std::optional<OrderStatus> to;  // nullopt when missing or not a status this build knows
};

// The payload: {order_id, user_id, from, to, reason}.
std::string OrderStatusChangedPayload(const Order& order, OrderStatus from, OrderStatus to, std::string_view reason);
// The OrderPlaced payload, written by every orders repository adapter: {order_id, user_id,
// status, total, currency, items: [{sku, product_id, quantity}]}.
std::string OrderPlacedPayload(const Order& order);
// The events every orders repository adapter appends to its outbox, in the transaction of
// the change: OrderPlaced when `order` is created, OrderStatusChanged when it moves from
// `from` to `to` (the order as it is after the move) at `now`.
bus::Event NewOrderPlacedEvent(const Order& order);
bus::Event NewOrderStatusChangedEvent(const Order& order, OrderStatus from, OrderStatus to, std::string_view reason,
                                      int64_t now);
// kInternal when the payload is not a JSON object.
core::Result<OrderStatusChangedEvent> ReadOrderStatusChanged(const bus::Event& event);

// A bus filter for consumers of OrderStatusChanged that act only when an order reaches one
// of `statuses`. A payload it cannot read is let through, for the handler to report.
bus::EventBus::Filter OrderReaches(std::vector<OrderStatus> statuses);

}  // namespace emporium::orders

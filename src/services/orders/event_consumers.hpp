#pragma once

#include "bus/event_bus.hpp"
#include "services/orders/orders_service.hpp"

namespace emporium::orders {

// Subscribes the orders service to the events it reacts to:
// ReservationReleased{reason:"expired"} (from inventory) → the unpaid order is cancelled.
void SubscribeOrderConsumers(bus::EventBus& bus, OrdersService& orders);

}  // namespace emporium::orders

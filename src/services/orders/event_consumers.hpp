#pragma once

#include "bus/event_bus.hpp"
#include "services/inventory/inventory_service.hpp"
#include "services/orders/orders_service.hpp"

namespace emporium::orders {

// Subscribes the orders service to the events it reacts to:
// ReservationReleased{reason:"expired"} (from inventory) → the unpaid order is cancelled;
// OrderStatusChanged{to:"REFUNDED"} (from each shard in `order_sources`) → its units go back
// on sale (the transition tried already; this retries when inventory failed).
void SubscribeOrderConsumers(bus::EventBus& bus, OrdersService& orders, inventory::InventoryService& inventory,
                             const std::vector<std::string>& order_sources);

}  // namespace emporium::orders

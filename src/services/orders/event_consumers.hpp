#pragma once

#include "bus/event_bus.hpp"
#include "services/inventory/inventory_service.hpp"
#include "services/orders/orders_service.hpp"

namespace emporium::orders {

// Subscribes the orders service to the events it reacts to:
// ReservationReleased{reason:"expired"} (from inventory) → the unpaid order is cancelled;
// OrderStatusChanged{to:"REFUNDED"} → its units go back
// on sale (the transition tried already; this retries when inventory failed).
// Puts a refunded order's sold units back on sale (idempotent); OK when there is nothing to
// put back (no reservation, or one that was released rather than sold). Called by the
// REFUNDED transition itself and, as its retry, by the consumer below.
core::Result<void> RestockRefunded(inventory::InventoryService& inventory, const core::RequestContext& ctx,
                                   std::string_view order_id);

void SubscribeOrderConsumers(bus::EventBus& bus, OrdersService& orders, inventory::InventoryService& inventory);

}  // namespace emporium::orders

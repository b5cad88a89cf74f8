#pragma once

#include "bus/event_bus.hpp"
#include "http/router.hpp"
#include "services/shipping/shipping_service.hpp"

namespace emporium::shipping {

// Registers GET /api/v1/orders/{order_id}/tracking and the carrier/admin scan endpoint.
void RegisterShippingRoutes(http::Router& router, ShippingService& service);

// Subscribes to OrderStatusChanged{to: PAID} on each order shard in `sources`: a shipment is
// created for every paid order.
void SubscribeShippingConsumers(bus::EventBus& bus, ShippingService& service);

}  // namespace emporium::shipping

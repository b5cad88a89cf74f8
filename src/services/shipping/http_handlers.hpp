#pragma once

#include "bus/event_bus.hpp"
#include "core/json_writer.hpp"
#include "http/router.hpp"
#include "services/shipping/shipping_service.hpp"

namespace emporium::shipping {

// The shipment as the API shows it (the Tracking schema of api/openapi.json).
void WriteTracking(core::JsonWriter& json, const Shipment& s);

// Registers GET /api/v1/orders/{order_id}/tracking and the carrier/admin scan endpoint.
void RegisterShippingRoutes(http::Router& router, ShippingService& service);

// Subscribes to OrderStatusChanged{to: PAID} on each order shard in `sources`: a shipment is
// created for every paid order.
void SubscribeShippingConsumers(bus::EventBus& bus, ShippingService& service);

}  // namespace emporium::shipping

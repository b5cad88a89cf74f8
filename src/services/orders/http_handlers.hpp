#pragma once

#include "core/json_writer.hpp"
#include "http/router.hpp"
#include "services/orders/orders_service.hpp"

namespace emporium::orders {

// The order as the API shows it (the Order schema of api/openapi.json).
void WriteOrder(core::JsonWriter& json, const Order& o);

// Registers /api/v1/orders and its sub-resources.
void RegisterOrdersRoutes(http::Router& router, OrdersService& service);

}  // namespace emporium::orders

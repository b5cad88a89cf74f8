#pragma once

#include "http/router.hpp"
#include "services/orders/orders_service.hpp"

namespace emporium::orders {

// Registers /api/v1/orders and its sub-resources.
void RegisterOrdersRoutes(http::Router& router, OrdersService& service);

}  // namespace emporium::orders

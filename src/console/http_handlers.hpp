#pragma once

#include "http/router.hpp"
#include "services/orders/orders_service.hpp"
#include "services/payments/payments_service.hpp"
#include "services/shipping/shipping_service.hpp"
#include "services/users/users_service.hpp"

namespace emporium::console {

// The services the operator console reads and acts through (their interfaces only).
struct ConsoleServices {
    orders::OrdersService& orders;
    users::UsersService& users;
    payments::PaymentsService& payments;
    shipping::ShippingService& shipping;
};

// Registers the operator API of the admin console (issue 17), admins only:
// /api/v1/admin/orders (every customer's orders; one with its history, payment and
// shipment; cancel and refund) and /api/v1/admin/customers (accounts and their role).
void RegisterConsoleRoutes(http::Router& router, ConsoleServices services);

}  // namespace emporium::console

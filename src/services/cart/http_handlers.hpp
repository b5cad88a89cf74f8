#pragma once

#include "http/router.hpp"
#include "services/cart/cart_service.hpp"

namespace emporium::cart {

// Registers /api/v1/cart and /api/v1/cart/items. The cart is the signed-in user's when a
// bearer token is sent, else the guest cart named by X-Cart-Token.
void RegisterCartRoutes(http::Router& router, CartService& service);

}  // namespace emporium::cart

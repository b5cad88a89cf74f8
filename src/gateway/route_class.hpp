#pragma once

#include <array>
#include <string_view>

#include "http/message.hpp"

namespace emporium::gateway {

// What a request is for, in the order it matters to the shop when capacity runs short:
// an order being placed or paid first, recommendations last. The class picks the rate
// limit, the deadline and the priority under load shedding. kSystem (health, metrics) is
// never limited or shed: load balancers and operators must see the process as it is.
enum class RouteClass { kCheckout, kOrders, kLogin, kBrowse, kRecommendations, kSystem };

inline constexpr std::size_t kRouteClassCount = 6;
inline constexpr std::array<RouteClass, kRouteClassCount> kRouteClasses = {
    RouteClass::kCheckout, RouteClass::kOrders,          RouteClass::kLogin,
    RouteClass::kBrowse,   RouteClass::kRecommendations, RouteClass::kSystem};

std::string_view RouteClassName(RouteClass route_class);

// The class of a route, from its method and path pattern ("/api/v1/orders/{order_id}").
RouteClass ClassifyRoute(http::Method method, std::string_view pattern);

}  // namespace emporium::gateway

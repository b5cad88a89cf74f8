#include "gateway/route_class.hpp"

namespace emporium::gateway {

std::string_view RouteClassName(RouteClass route_class) {
    switch (route_class) {
        case RouteClass::kCheckout:
            return "checkout";
        case RouteClass::kOrders:
            return "orders";
        case RouteClass::kLogin:
            return "login";
        case RouteClass::kBrowse:
            return "browse";
        case RouteClass::kRecommendations:
            return "recommendations";
        case RouteClass::kSystem:
            return "system";
    }
    return "browse";
}

RouteClass ClassifyRoute(http::Method method, std::string_view pattern) {
    if (pattern.starts_with("/health/") || pattern == "/metrics") return RouteClass::kSystem;
    if (pattern.ends_with("/recommendations")) return RouteClass::kRecommendations;
    // Placing, paying and cancelling an order, and the provider's word on a payment.
    if (method == http::Method::kPost &&
        (pattern == "/api/v1/orders" || pattern == "/api/v1/orders/{order_id}/payment" ||
         pattern == "/api/v1/orders/{order_id}/cancel" || pattern.starts_with("/api/v1/webhooks/")))
        return RouteClass::kCheckout;
    if (pattern == "/api/v1/users" || pattern.starts_with("/api/v1/sessions")) return RouteClass::kLogin;
    // A signed-in shopper's own things and the operators' work.
    if (pattern.starts_with("/api/v1/orders") || pattern.starts_with("/api/v1/cart") ||
        pattern.starts_with("/api/v1/users/") || pattern.starts_with("/api/v1/admin/"))
        return RouteClass::kOrders;
    return RouteClass::kBrowse;
}

}  // namespace emporium::gateway

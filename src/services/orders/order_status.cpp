#include "services/orders/orders_service.hpp"

namespace emporium::orders {

std::string_view StatusName(OrderStatus status) {
    switch (status) {
        case OrderStatus::kPendingPayment:
            return "PENDING_PAYMENT";
        case OrderStatus::kPaymentPending:
            return "PAYMENT_PENDING";
        case OrderStatus::kPaid:
            return "PAID";
        case OrderStatus::kFulfilling:
            return "FULFILLING";
        case OrderStatus::kShipped:
            return "SHIPPED";
        case OrderStatus::kDelivered:
            return "DELIVERED";
        case OrderStatus::kCancelled:
            return "CANCELLED";
        case OrderStatus::kRefunded:
            return "REFUNDED";
    }
    return "PENDING_PAYMENT";
}

std::optional<OrderStatus> ParseStatus(std::string_view text) {
    for (auto status :
         {OrderStatus::kPendingPayment, OrderStatus::kPaymentPending, OrderStatus::kPaid, OrderStatus::kFulfilling,
          OrderStatus::kShipped, OrderStatus::kDelivered, OrderStatus::kCancelled, OrderStatus::kRefunded})
        if (text == StatusName(status)) return status;
    return std::nullopt;
}

bool CanTransition(OrderStatus from, OrderStatus to) {
    using S = OrderStatus;
    switch (from) {
        case S::kPendingPayment:
            return to == S::kPaymentPending || to == S::kPaid || to == S::kCancelled;
        case S::kPaymentPending:
            return to == S::kPaid || to == S::kCancelled;
        case S::kPaid:
            return to == S::kFulfilling || to == S::kShipped || to == S::kRefunded;
        case S::kFulfilling:
            return to == S::kShipped || to == S::kRefunded;
        case S::kShipped:
            return to == S::kDelivered;
        case S::kDelivered:
            return false;  // returns are not modelled: a delivered order is final
        case S::kCancelled:
        case S::kRefunded:
            return false;
    }
    return false;
}

}  // namespace emporium::orders

#include "services/orders/order_events.hpp"

#include <gtest/gtest.h>

namespace emporium::orders {
namespace {

bus::Event StatusChange(std::string payload) {
    return bus::Event{"evt_1", std::string(kOrderStatusChanged), "ord_0_x", std::move(payload), 0, 1};
}

TEST(OrderEvents, TheFilterWantsOnlyTheNamedStatuses) {
    Order order;
    order.id = "ord_0_x";
    order.user_id = "usr_1";
    auto wanted = OrderReaches({OrderStatus::kPaid, OrderStatus::kShipped});
    EXPECT_TRUE(wanted(StatusChange(
        OrderStatusChangedPayload(order, OrderStatus::kPendingPayment, OrderStatus::kPaid, "payment succeeded"))));
    EXPECT_TRUE(wanted(StatusChange(
        OrderStatusChangedPayload(order, OrderStatus::kFulfilling, OrderStatus::kShipped, "handed to the carrier"))));
    EXPECT_FALSE(wanted(StatusChange(
        OrderStatusChangedPayload(order, OrderStatus::kPaid, OrderStatus::kFulfilling, "shipping label created"))));
    EXPECT_FALSE(wanted(StatusChange(R"({"order_id":"ord_0_x","to":"SOMETHING_NEW"})")));  // a later build's status
    // A payload it cannot read goes to the handler, which reports it (and the bus retries,
    // then dead-letters it) instead of it passing unnoticed.
    EXPECT_TRUE(wanted(StatusChange("not json")));
}

}  // namespace
}  // namespace emporium::orders

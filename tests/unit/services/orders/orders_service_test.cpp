// The orders service's part of checkout, over the in-memory repository and fakes of the
// services it calls: placing an order from the cart, idempotent retries, stock held and given
// back, and the moves of an order that touch stock. Payment is in payments_service_test.cpp.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/random.hpp"
#include "fakes/fake_services.hpp"
#include "fakes/memory_orders_repository.hpp"
#include "services/orders/orders_service_impl.hpp"

namespace emporium::orders {
namespace {

using inventory::ReservationStatus;

class OrdersServiceTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(core::InitCrypto());
        catalog_.Add("SKU-1", 500);
        catalog_.Add("SKU-2", 350);
        inventory_.Put("SKU-1", 10);
        inventory_.Put("SKU-2", 1);
        users_.addresses.push_back(users::Address{"adr_1", "usr_1", "Ada Lovelace", "1 Analytical St", "", "London", "",
                                                  "N1 9GU", "GB", "", true, 0, 0});
        ctx_.principal = core::Principal{"usr_1", core::Role::kCustomer, ""};
    }

    void Choose(std::vector<cart::ChosenItem> items, const std::string& user_id = "usr_1") {
        cart_.carts[user_id] = std::move(items);
    }
    core::Result<PlacedOrder> Place(std::optional<std::string> key = std::nullopt,
                                    const std::string& fingerprint = "body-1") {
        PlaceOrderRequest request;
        request.idempotency_key = std::move(key);
        request.request_fingerprint = fingerprint;
        return service_.PlaceOrder(ctx_, request);
    }
    // Places an order of two SKU-1 and returns its id.
    std::string PlaceOne() {
        Choose({{"SKU-1", 2}});
        auto placed = Place();
        EXPECT_TRUE(placed.ok()) << placed.error().message;
        return placed.ok() ? placed->order.id : std::string();
    }
    OrderStatus StatusOf(const std::string& order_id) {
        auto order = service_.FindOrder(ctx_, order_id);
        EXPECT_TRUE(order.ok()) << order_id;
        return order.ok() ? order->status : OrderStatus::kPendingPayment;
    }
    std::size_t HistorySize(const std::string& order_id) {
        auto history = service_.GetHistory(ctx_, order_id);
        EXPECT_TRUE(history.ok());
        return history.ok() ? history->size() : 0;
    }

    core::RequestContext ctx_;
    testing::ManualClock clock_;
    std::unique_ptr<MemoryOrdersRepository> repository_ = MemoryOrdersRepository::WithShards(4);
    testing::FakeCartService cart_;
    testing::FakeCatalogService catalog_;
    testing::FakeInventoryService inventory_;
    testing::FakeUsersService users_;
    OrdersServiceImpl service_{*repository_, cart_, catalog_, inventory_, users_, clock_, OrdersSettings{}};
};

TEST_F(OrdersServiceTest, PlacingAnOrderPricesItFromTheCatalogReservesTheStockAndAwaitsPayment) {
    Choose({{"SKU-1", 2}, {"SKU-2", 1}});
    auto placed = Place("key-1");
    ASSERT_TRUE(placed.ok()) << placed.error().message;
    const Order& order = placed->order;
    EXPECT_FALSE(placed->replayed);
    EXPECT_EQ(order.status, OrderStatus::kPendingPayment);
    EXPECT_EQ(ShardOfOrder(order.id), ShardOf("usr_1", 4));
    ASSERT_EQ(order.items.size(), 2u);
    EXPECT_EQ(order.items[0].unit_price.amount, 500);
    EXPECT_EQ(order.items[0].line_total.amount, 1000);
    EXPECT_EQ(order.items[1].sku, "SKU-2");
    EXPECT_EQ(order.item_count, 3);
    EXPECT_EQ(order.total.amount, 1350);
    EXPECT_EQ(order.total.currency, "EUR");
    ASSERT_TRUE(order.shipping_address);  // the default address of the book
    EXPECT_EQ(order.shipping_address->name, "Ada Lovelace");
    EXPECT_EQ(order.created_at, clock_.NowSeconds());
    EXPECT_EQ(order.reservation_expires_at, clock_.NowSeconds() + OrdersSettings{}.reservation_ttl_seconds);

    // The stock is held under the order's id until the reservation expires.
    ASSERT_TRUE(inventory_.reservations.contains(order.id));
    EXPECT_EQ(inventory_.reservations[order.id].status, ReservationStatus::kActive);
    EXPECT_EQ(inventory_.reservations[order.id].expires_at, order.reservation_expires_at);
    EXPECT_EQ(inventory_.Of("SKU-1").available, 8);
    EXPECT_EQ(inventory_.Of("SKU-1").reserved, 2);
    EXPECT_EQ(inventory_.Of("SKU-2").available, 0);
    EXPECT_FALSE(cart_.carts.contains("usr_1"));  // the cart became the order

    auto stored = service_.GetOrder(ctx_, order.id);
    ASSERT_TRUE(stored.ok()) << stored.error().message;
    EXPECT_EQ(stored->total.amount, 1350);
    EXPECT_EQ(HistorySize(order.id), 1u);
}

TEST_F(OrdersServiceTest, ARetryWithTheSameIdempotencyKeyAnswersTheSameOrderAndReservesOnce) {
    Choose({{"SKU-1", 2}});
    auto first = Place("key-1");
    ASSERT_TRUE(first.ok()) << first.error().message;
    // The retry finds the cart emptied by the first request: it is answered all the same.
    auto retry = Place("key-1");
    ASSERT_TRUE(retry.ok()) << retry.error().message;
    EXPECT_TRUE(retry->replayed);
    EXPECT_EQ(retry->order.id, first->order.id);
    EXPECT_EQ(retry->order.total.amount, first->order.total.amount);
    EXPECT_EQ(inventory_.reservations.size(), 1u);
    EXPECT_EQ(inventory_.Of("SKU-1").reserved, 2);
    EXPECT_EQ(service_.ListOrders(ctx_, 10, "")->items.size(), 1u);

    // Even once the order has moved on, the retry gets the first answer again.
    ASSERT_TRUE(service_.Transition(ctx_, first->order.id, OrderStatus::kPaid, "payment succeeded").ok());
    Choose({{"SKU-1", 1}});  // and with a full cart again: still no second order
    auto late = Place("key-1");
    ASSERT_TRUE(late.ok()) << late.error().message;
    EXPECT_TRUE(late->replayed);
    EXPECT_EQ(late->order.id, first->order.id);
    EXPECT_EQ(late->order.status, OrderStatus::kPendingPayment);
    EXPECT_EQ(inventory_.reservations.size(), 1u);
}

TEST_F(OrdersServiceTest, TheSameKeyWithAnotherRequestBodyIsRefusedAndPlacesNothing) {
    Choose({{"SKU-1", 2}});
    ASSERT_TRUE(Place("key-1", "body-1").ok());
    Choose({{"SKU-1", 5}});
    auto other = Place("key-1", "body-2");
    ASSERT_FALSE(other.ok());
    EXPECT_EQ(other.error().code, core::ErrorCode::kInvalidArgument);
    ASSERT_EQ(other.error().fields.size(), 1u);
    EXPECT_EQ(other.error().fields[0].field, "Idempotency-Key");
    EXPECT_EQ(inventory_.reservations.size(), 1u);
    EXPECT_EQ(inventory_.Of("SKU-1").reserved, 2);
    EXPECT_EQ(cart_.carts["usr_1"].size(), 1u);  // the cart is kept
    EXPECT_EQ(service_.ListOrders(ctx_, 10, "")->items.size(), 1u);
}

TEST_F(OrdersServiceTest, ShortStockRefusesNamingTheLineAndReservesNothing) {
    Choose({{"SKU-1", 2}, {"SKU-2", 3}});  // one SKU-2 in stock
    auto placed = Place("key-1");
    ASSERT_FALSE(placed.ok());
    EXPECT_EQ(placed.error().code, core::ErrorCode::kConflict);
    ASSERT_EQ(placed.error().fields.size(), 1u);
    EXPECT_EQ(placed.error().fields[0].field, "items[1]");
    EXPECT_EQ(placed.error().fields[0].message, "not enough stock for SKU-2");
    EXPECT_TRUE(inventory_.reservations.empty());
    EXPECT_EQ(inventory_.Of("SKU-1").available, 10);
    EXPECT_EQ(inventory_.Of("SKU-1").reserved, 0);
    EXPECT_EQ(inventory_.Of("SKU-2").available, 1);
    EXPECT_TRUE(service_.ListOrders(ctx_, 10, "")->items.empty());
    EXPECT_EQ(cart_.clears, 0);
    // The key was not used up: with the cart fixed, the same key places the order.
    Choose({{"SKU-1", 2}, {"SKU-2", 1}});
    auto fixed = Place("key-1", "body-2");
    ASSERT_TRUE(fixed.ok()) << fixed.error().message;
    EXPECT_FALSE(fixed->replayed);
}

TEST_F(OrdersServiceTest, AnEmptyCartOrALineThatCannotBeBoughtIsInvalid) {
    auto empty = Place();
    ASSERT_FALSE(empty.ok());
    EXPECT_EQ(empty.error().code, core::ErrorCode::kInvalidArgument);
    ASSERT_FALSE(empty.error().fields.empty());
    EXPECT_EQ(empty.error().fields[0].field, "items");

    catalog_.Add("SKU-OLD", 900, "EUR", catalog::ProductStatus::kArchived);
    Choose({{"SKU-1", 1}, {"SKU-OLD", 1}});
    auto archived = Place();
    ASSERT_FALSE(archived.ok());
    EXPECT_EQ(archived.error().code, core::ErrorCode::kInvalidArgument);
    ASSERT_EQ(archived.error().fields.size(), 1u);
    EXPECT_EQ(archived.error().fields[0].field, "items[1]");
    EXPECT_TRUE(inventory_.reservations.empty());
    EXPECT_TRUE(service_.ListOrders(ctx_, 10, "")->items.empty());
}

TEST_F(OrdersServiceTest, ALostRaceForTheKeyGivesItsStockBackAndAnswersWithTheWinnersOrder) {
    Choose({{"SKU-1", 2}});
    int shard = ShardOf("usr_1", repository_->ShardCount());
    std::string winner_id = "ord_" + std::to_string(shard) + "_winner";
    // A concurrent request with the same key stores its order while this one reads the cart.
    cart_.while_reading = [&] {
        Order winner;
        winner.id = winner_id;
        winner.user_id = "usr_1";
        winner.items.push_back(OrderLine{"SKU-1", "prd_SKU-1", "Mug", "", 2, {500, "EUR"}, {1000, "EUR"}});
        winner.subtotal = winner.total = catalog::Money{1000, "EUR"};
        winner.created_at = winner.updated_at = clock_.NowSeconds();
        ASSERT_TRUE(
            repository_->CreateOrder(ctx_, shard, winner, IdempotencyRecord{"usr_1", "key-1", "body-1", winner_id})
                .ok());
    };
    auto placed = Place("key-1", "body-1");
    ASSERT_TRUE(placed.ok()) << placed.error().message;
    EXPECT_TRUE(placed->replayed);
    EXPECT_EQ(placed->order.id, winner_id);
    // This request's own reservation was made and handed back.
    ASSERT_EQ(inventory_.reservations.size(), 1u);
    EXPECT_EQ(inventory_.reservations.begin()->second.status, ReservationStatus::kReleased);
    EXPECT_EQ(inventory_.Of("SKU-1").available, 10);
    EXPECT_EQ(service_.ListOrders(ctx_, 10, "")->items.size(), 1u);
}

TEST_F(OrdersServiceTest, StockReservedForAnOrderThatCouldNotBeStoredGoesBackEvenPastTheDeadline) {
    Choose({{"SKU-1", 2}});
    int shard = ShardOf("usr_1", repository_->ShardCount());
    // The request's time runs out once its stock is reserved, and its key was taken
    // meanwhile: storing the order fails, and the reservation must still be handed back.
    inventory_.honour_deadlines = true;
    inventory_.after_reserve = [&] {
        ctx_.deadline = std::chrono::steady_clock::now() - std::chrono::milliseconds(1);
        Order winner;
        winner.id = "ord_" + std::to_string(shard) + "_winner";
        winner.user_id = "usr_1";
        winner.items.push_back(OrderLine{"SKU-1", "prd_SKU-1", "Mug", "", 2, {500, "EUR"}, {1000, "EUR"}});
        winner.subtotal = winner.total = catalog::Money{1000, "EUR"};
        ASSERT_TRUE(repository_
                        ->CreateOrder(core::RequestContext{}, shard, winner,
                                      IdempotencyRecord{"usr_1", "key-1", "body-1", winner.id})
                        .ok());
    };
    (void)Place("key-1", "body-1");
    ASSERT_EQ(inventory_.reservations.size(), 1u);
    EXPECT_EQ(inventory_.reservations.begin()->second.status, ReservationStatus::kReleased);
    EXPECT_EQ(inventory_.Of("SKU-1").available, 10);
}

TEST_F(OrdersServiceTest, CancellingBeforePaymentReleasesTheStockOnce) {
    std::string id = PlaceOne();
    auto cancelled = service_.CancelOrder(ctx_, id);
    ASSERT_TRUE(cancelled.ok()) << cancelled.error().message;
    EXPECT_EQ(cancelled->status, OrderStatus::kCancelled);
    EXPECT_EQ(inventory_.reservations[id].status, ReservationStatus::kReleased);
    EXPECT_EQ(inventory_.Of("SKU-1").available, 10);
    auto again = service_.CancelOrder(ctx_, id);  // idempotent
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->status, OrderStatus::kCancelled);
    EXPECT_EQ(inventory_.Of("SKU-1").available, 10);
    EXPECT_EQ(HistorySize(id), 2u);
    // A cancelled order cannot be paid.
    auto paid = service_.Transition(ctx_, id, OrderStatus::kPaid, "payment succeeded");
    ASSERT_FALSE(paid.ok());
    EXPECT_EQ(paid.error().code, core::ErrorCode::kConflict);
    EXPECT_EQ(inventory_.Of("SKU-1").sold, 0);
}

TEST_F(OrdersServiceTest, PayingSellsTheStockOnceAndAnExpiredReservationCancelsTheOrder) {
    std::string id = PlaceOne();
    auto paid = service_.Transition(ctx_, id, OrderStatus::kPaid, "payment succeeded");
    ASSERT_TRUE(paid.ok()) << paid.error().message;
    EXPECT_EQ(paid->status, OrderStatus::kPaid);
    EXPECT_EQ(inventory_.Of("SKU-1").sold, 2);
    EXPECT_EQ(inventory_.Of("SKU-1").reserved, 0);
    ASSERT_TRUE(service_.Transition(ctx_, id, OrderStatus::kPaid, "webhook").ok());  // again: nothing new
    EXPECT_EQ(inventory_.Of("SKU-1").sold, 2);
    EXPECT_EQ(HistorySize(id), 2u);

    // The reservation of a second order expires (released) before its payment lands.
    std::string late = PlaceOne();
    ASSERT_TRUE(inventory_.Release(ctx_, late).ok());
    auto refused = service_.Transition(ctx_, late, OrderStatus::kPaid, "payment succeeded");
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, core::ErrorCode::kConflict);
    EXPECT_EQ(StatusOf(late), OrderStatus::kCancelled);
    EXPECT_EQ(inventory_.Of("SKU-1").sold, 2);
}

TEST_F(OrdersServiceTest, UnpaidOrdersPastTheCapAreRefusedUntilOneIsPaidCancelledOrExpired) {
    OrdersSettings settings;
    settings.max_unpaid_orders_per_user = 2;
    OrdersServiceImpl capped{*repository_, cart_, catalog_, inventory_, users_, clock_, settings};
    auto place = [&] {
        Choose({{"SKU-1", 1}});
        PlaceOrderRequest request;
        request.request_fingerprint = "body";
        return capped.PlaceOrder(ctx_, request);
    };
    auto first = place();
    auto second = place();
    ASSERT_TRUE(first.ok() && second.ok());
    auto third = place();
    ASSERT_FALSE(third.ok());
    EXPECT_EQ(third.error().code, core::ErrorCode::kConflict);
    EXPECT_NE(third.error().message.find("unpaid orders"), std::string::npos) << third.error().message;
    EXPECT_EQ(inventory_.reservations.size(), 2u);  // the refused one held nothing
    EXPECT_EQ(inventory_.Of("SKU-1").reserved, 2);

    ASSERT_TRUE(capped.CancelOrder(ctx_, first->order.id).ok());
    auto after_cancel = place();
    ASSERT_TRUE(after_cancel.ok()) << after_cancel.error().message;
    EXPECT_FALSE(place().ok());

    ASSERT_TRUE(capped.Transition(ctx_, second->order.id, OrderStatus::kPaid, "payment succeeded").ok());
    auto after_payment = place();
    ASSERT_TRUE(after_payment.ok()) << after_payment.error().message;
    EXPECT_FALSE(place().ok());

    clock_.Advance(settings.reservation_ttl_seconds + 1);  // both reservations run out
    EXPECT_TRUE(place().ok());
}

TEST_F(OrdersServiceTest, AShopperSeesAndCancelsOnlyTheirOwnOrders) {
    std::string id = PlaceOne();
    core::RequestContext other;
    other.principal = core::Principal{"usr_2", core::Role::kCustomer, ""};
    EXPECT_EQ(service_.GetOrder(other, id).error().code, core::ErrorCode::kNotFound);
    EXPECT_EQ(service_.GetHistory(other, id).error().code, core::ErrorCode::kNotFound);
    EXPECT_EQ(service_.CancelOrder(other, id).error().code, core::ErrorCode::kNotFound);
    EXPECT_TRUE(service_.ListOrders(other, 10, "")->items.empty());
    EXPECT_EQ(StatusOf(id), OrderStatus::kPendingPayment);
    EXPECT_EQ(inventory_.Of("SKU-1").reserved, 2);

    for (const char* unknown : {"ord_99_x", "ord_0_x", "not-an-order"})
        EXPECT_EQ(service_.GetOrder(ctx_, unknown).error().code, core::ErrorCode::kNotFound) << unknown;
    core::RequestContext anonymous;
    Choose({{"SKU-1", 1}});
    EXPECT_EQ(service_.PlaceOrder(anonymous, PlaceOrderRequest{}).error().code, core::ErrorCode::kUnauthenticated);
}

TEST_F(OrdersServiceTest, ListOrdersPagesNewestFirst) {
    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i) {
        ids.push_back(PlaceOne());
        clock_.Advance(1);
    }
    auto first = service_.ListOrders(ctx_, 2, "");
    ASSERT_TRUE(first.ok()) << first.error().message;
    ASSERT_EQ(first->items.size(), 2u);
    EXPECT_EQ(first->items[0].id, ids[2]);
    EXPECT_EQ(first->items[1].id, ids[1]);
    ASSERT_TRUE(first->next_cursor);
    auto second = service_.ListOrders(ctx_, 2, *first->next_cursor);
    ASSERT_TRUE(second.ok()) << second.error().message;
    ASSERT_EQ(second->items.size(), 1u);
    EXPECT_EQ(second->items[0].id, ids[0]);
    EXPECT_FALSE(second->next_cursor);
}

}  // namespace
}  // namespace emporium::orders

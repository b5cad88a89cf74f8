// The checkout saga from payment on: the real payments and orders services over the
// in-memory repositories, with fakes of the cart, catalog, inventory, users and the card
// provider. What a shopper relies on: charged once however often they click or we retry,
// the order PAID exactly once, a decline or a give-up cancels the order and frees the stock,
// and cancelling a paid order gives the money and the stock back.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "core/random.hpp"
#include "fakes/fake_services.hpp"
#include "fakes/memory_orders_repository.hpp"
#include "fakes/memory_payments_repository.hpp"
#include "services/orders/orders_service_impl.hpp"
#include "services/payments/payments_service_impl.hpp"

namespace emporium::payments {
namespace {

using inventory::ReservationStatus;
using orders::OrderStatus;
using Mode = testing::FakePaymentProvider::Mode;
using namespace std::chrono_literals;

class PaymentsServiceTest : public ::testing::Test {
  protected:
    static PaymentsSettings Settings() {
        PaymentsSettings settings;
        settings.retry_delays = {1ms, 1ms, 1ms};  // four attempts inline, quickly
        settings.concurrent_request_wait = 10ms;
        settings.breaker.window = 1000;  // the breaker never opens here: not what these tests are about
        return settings;
    }

    void SetUp() override {
        ASSERT_TRUE(core::InitCrypto());
        catalog_.Add("SKU-1", 500);
        inventory_.Put("SKU-1", 10);
        ctx_.principal = core::Principal{"usr_1", core::Role::kCustomer, ""};
        orders_.SetRefunds(&payments_);
        cart_.carts["usr_1"] = {{"SKU-1", 2}};
        auto placed = orders_.PlaceOrder(ctx_, orders::PlaceOrderRequest{});
        ASSERT_TRUE(placed.ok()) << placed.error().message;
        order_id_ = placed->order.id;
        ASSERT_EQ(inventory_.Of("SKU-1").reserved, 2);
    }

    // Pays with card details (tokenised at the provider first).
    core::Result<Payment> Pay(const core::RequestContext& ctx) {
        PaymentMethod method;
        method.card = CardDetails{"4111111111114242", 12, 2030, "123"};
        return payments_.PayOrder(ctx, order_id_, method);
    }
    core::Result<Payment> Pay() { return Pay(ctx_); }
    // Pays with a token the provider issued to the browser: no call before the charge.
    core::Result<Payment> PayWithToken() {
        PaymentMethod method;
        method.card_token = "tok_browser";
        return payments_.PayOrder(ctx_, order_id_, method);
    }
    Payment Stored() {
        auto payment = payments_repository_.FindByOrder(ctx_, order_id_);
        EXPECT_TRUE(payment.ok());
        return payment.ok() ? *payment : Payment{};
    }
    OrderStatus OrderStatusNow() {
        auto order = orders_.GetOrder(ctx_, order_id_);
        EXPECT_TRUE(order.ok());
        return order.ok() ? order->status : OrderStatus::kPendingPayment;
    }
    // How often the order's history says it became `status`.
    int TimesBecame(OrderStatus status) {
        auto history = orders_.GetHistory(ctx_, order_id_);
        EXPECT_TRUE(history.ok());
        int times = 0;
        if (history.ok())
            for (const auto& change : *history) times += change.status == status ? 1 : 0;
        return times;
    }

    core::RequestContext ctx_;
    std::string order_id_;
    testing::ManualClock clock_;
    std::unique_ptr<orders::MemoryOrdersRepository> orders_repository_ = orders::MemoryOrdersRepository::WithShards(2);
    MemoryPaymentsRepository payments_repository_;
    testing::FakeCartService cart_;
    testing::FakeCatalogService catalog_;
    testing::FakeInventoryService inventory_;
    testing::FakeUsersService users_;
    testing::FakePaymentProvider provider_;
    orders::OrdersServiceImpl orders_{*orders_repository_,     cart_, catalog_, inventory_, users_, clock_,
                                      orders::OrdersSettings{}};
    PaymentsServiceImpl payments_{payments_repository_, &provider_, orders_, clock_, Settings()};
};

TEST_F(PaymentsServiceTest, ASuccessfulPaymentPaysTheOrderOnceHoweverOftenTheShopperClicks) {
    auto paid = Pay();
    ASSERT_TRUE(paid.ok()) << paid.error().message;
    EXPECT_EQ(paid->status, PaymentStatus::kSucceeded);
    EXPECT_EQ(paid->amount, 1000);
    EXPECT_EQ(paid->currency, "EUR");
    EXPECT_EQ(paid->card_last4, "4242");
    EXPECT_EQ(paid->provider_charge_id, "ch_1");
    EXPECT_EQ(OrderStatusNow(), OrderStatus::kPaid);
    EXPECT_EQ(inventory_.Of("SKU-1").sold, 2);
    EXPECT_EQ(inventory_.Of("SKU-1").reserved, 0);
    // The payment's id is the provider's idempotency key; the amount is the order's.
    ASSERT_TRUE(provider_.charges.contains(paid->id));
    EXPECT_EQ(provider_.charges[paid->id].amount, 1000);
    EXPECT_EQ(provider_.charges[paid->id].order_id, order_id_);

    auto again = Pay();  // a double click
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(again->id, paid->id);
    EXPECT_EQ(again->status, PaymentStatus::kSucceeded);
    EXPECT_EQ(provider_.charge_calls, 1);
    EXPECT_EQ(TimesBecame(OrderStatus::kPaid), 1);
    auto shown = payments_.GetPayment(ctx_, order_id_);
    ASSERT_TRUE(shown.ok());
    EXPECT_EQ(shown->status, PaymentStatus::kSucceeded);
}

TEST_F(PaymentsServiceTest, AChargeWhoseAnswerWasLostIsSettledByTheRetryWithoutASecondCharge) {
    provider_.mode = Mode::kLoseTheAnswer;  // the provider charges, the answer times out
    auto pending = Pay();
    ASSERT_TRUE(pending.ok()) << pending.error().message;
    EXPECT_EQ(pending->status, PaymentStatus::kProcessing);
    EXPECT_EQ(provider_.charge_calls, 4);  // the first attempt and three inline retries, one key
    EXPECT_EQ(provider_.SucceededCharges(), 1);
    EXPECT_EQ(OrderStatusNow(), OrderStatus::kPaymentPending);

    provider_.mode = Mode::kApprove;
    clock_.Advance(60);
    auto retried = payments_.RetryDue(ctx_, 10);
    ASSERT_TRUE(retried.ok()) << retried.error().message;
    EXPECT_EQ(*retried, 1);
    EXPECT_EQ(Stored().status, PaymentStatus::kSucceeded);
    EXPECT_EQ(Stored().provider_charge_id, "ch_1");
    EXPECT_EQ(OrderStatusNow(), OrderStatus::kPaid);
    EXPECT_EQ(provider_.SucceededCharges(), 1);  // charged once in all

    // The provider's webhook and another click come late: nothing new.
    ASSERT_TRUE(payments_.OnProviderEvent(ctx_, "charge.succeeded", order_id_, "ch_1").ok());
    ASSERT_TRUE(Pay().ok());
    EXPECT_EQ(provider_.charge_calls, 5);
    EXPECT_EQ(TimesBecame(OrderStatus::kPaid), 1);
    EXPECT_EQ(inventory_.Of("SKU-1").sold, 2);
}

TEST_F(PaymentsServiceTest, ADeclinedCardCancelsTheOrderAndReleasesTheStock) {
    provider_.mode = Mode::kDecline;
    provider_.decline_code = "insufficient_funds";
    auto declined = Pay();
    ASSERT_FALSE(declined.ok());
    EXPECT_EQ(declined.error().code, core::ErrorCode::kInvalidArgument);
    ASSERT_EQ(declined.error().fields.size(), 1u);
    EXPECT_EQ(declined.error().fields[0].field, "card");
    EXPECT_EQ(declined.error().fields[0].message, "insufficient_funds");
    EXPECT_EQ(Stored().status, PaymentStatus::kFailed);
    EXPECT_EQ(Stored().failure_code, "insufficient_funds");
    EXPECT_EQ(OrderStatusNow(), OrderStatus::kCancelled);
    EXPECT_EQ(inventory_.reservations[order_id_].status, ReservationStatus::kReleased);
    EXPECT_EQ(inventory_.Of("SKU-1").available, 10);
    EXPECT_EQ(provider_.charge_calls, 1);  // a decline is not retried

    auto again = Pay();  // the order is gone: no second try on this order
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, core::ErrorCode::kConflict);
    EXPECT_EQ(provider_.charge_calls, 1);
}

TEST_F(PaymentsServiceTest, AProviderThatIsDownLeavesThePaymentProcessingUntilARetrySettlesIt) {
    provider_.mode = Mode::kDown;
    // Card details cannot even be tokenised: 503, nothing recorded, the order untouched.
    auto untokenised = Pay();
    ASSERT_FALSE(untokenised.ok());
    EXPECT_EQ(untokenised.error().code, core::ErrorCode::kUnavailable);
    EXPECT_EQ(payments_repository_.FindByOrder(ctx_, order_id_).error().code, core::ErrorCode::kNotFound);
    EXPECT_EQ(OrderStatusNow(), OrderStatus::kPendingPayment);

    auto pending = PayWithToken();
    ASSERT_TRUE(pending.ok()) << pending.error().message;  // answered (202), not failed
    EXPECT_EQ(pending->status, PaymentStatus::kProcessing);
    EXPECT_EQ(pending->attempts, 4);
    ASSERT_TRUE(pending->next_retry_at);
    EXPECT_GT(*pending->next_retry_at, clock_.NowSeconds());
    // The order waits for its payment (PAYMENT_PENDING), still holding its stock.
    EXPECT_EQ(OrderStatusNow(), OrderStatus::kPaymentPending);
    EXPECT_EQ(inventory_.Of("SKU-1").reserved, 2);
    EXPECT_EQ(provider_.SucceededCharges(), 0);

    auto again = PayWithToken();  // the shopper clicks again: the same payment, no new attempt
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->id, pending->id);
    EXPECT_EQ(again->status, PaymentStatus::kProcessing);
    EXPECT_EQ(provider_.charge_calls, 4);
    EXPECT_EQ(*payments_.RetryDue(ctx_, 10), 0);  // not due yet

    provider_.mode = Mode::kApprove;
    clock_.Advance(*pending->next_retry_at - clock_.NowSeconds());
    auto retried = payments_.RetryDue(ctx_, 10);
    ASSERT_TRUE(retried.ok()) << retried.error().message;
    EXPECT_EQ(*retried, 1);
    EXPECT_EQ(Stored().status, PaymentStatus::kSucceeded);
    EXPECT_FALSE(Stored().next_retry_at);
    EXPECT_EQ(Stored().card_last4, "4242");  // a token payment learns its card from the charge
    EXPECT_EQ(OrderStatusNow(), OrderStatus::kPaid);
    EXPECT_EQ(inventory_.Of("SKU-1").sold, 2);
    EXPECT_EQ(*payments_.RetryDue(ctx_, 10), 0);  // nothing left to retry
    EXPECT_EQ(provider_.SucceededCharges(), 1);
}

TEST_F(PaymentsServiceTest, ACallTheProviderBulkheadTurnsAwayIsLeftToTheBackgroundRetryAtOnce) {
    resilience::Bulkhead bulkhead("payment_provider", {.max_concurrent = 1, .max_queued = 0, .max_wait = 0ms});
    PaymentsSettings settings = Settings();
    settings.retry_delays = {200ms, 200ms, 200ms};  // an inline retry would show in the time taken
    PaymentsServiceImpl payments(payments_repository_, &provider_, orders_, clock_, settings, &bulkhead);
    PaymentMethod token;
    token.card_token = "tok_browser";
    {
        auto held = bulkhead.Acquire(ctx_);  // another call has the only place (the provider hangs)
        ASSERT_TRUE(held.ok());
        auto started = std::chrono::steady_clock::now();
        auto pending = payments.PayOrder(ctx_, order_id_, token);
        EXPECT_LT(std::chrono::steady_clock::now() - started, 150ms);  // no inline retry waited
        ASSERT_TRUE(pending.ok()) << pending.error().message;
        EXPECT_EQ(pending->status, PaymentStatus::kProcessing);  // answered 202
        EXPECT_EQ(pending->attempts, 1);
        EXPECT_EQ(provider_.charge_calls, 0);
        EXPECT_EQ(OrderStatusNow(), OrderStatus::kPaymentPending);
        // A busy bulkhead is not a failing provider: the breaker stays closed for the others.
        EXPECT_EQ(payments.breaker_state(), resilience::CircuitBreaker::State::kClosed);
        EXPECT_EQ(payments.breaker().Stats().failures, 0u);
        EXPECT_EQ(bulkhead.Stats().rejected, 1u);
    }
    clock_.Advance(*Stored().next_retry_at - clock_.NowSeconds());
    ASSERT_EQ(*payments.RetryDue(ctx_, 10), 1);
    EXPECT_EQ(Stored().status, PaymentStatus::kSucceeded);
    EXPECT_EQ(provider_.charge_calls, 1);
    EXPECT_EQ(bulkhead.Stats().in_use, 0);
}

TEST_F(PaymentsServiceTest, AProviderDownUntilTheReservationEndsGivesUpAndCancelsTheOrder) {
    provider_.mode = Mode::kDown;
    ASSERT_TRUE(PayWithToken().ok());
    // The retry deadline is the reservation's end (15 min), before give_up_after (30 min).
    clock_.Advance(orders::OrdersSettings{}.reservation_ttl_seconds);
    auto retried = payments_.RetryDue(ctx_, 10);
    ASSERT_TRUE(retried.ok()) << retried.error().message;
    EXPECT_EQ(*retried, 1);
    EXPECT_EQ(Stored().status, PaymentStatus::kFailed);
    EXPECT_EQ(Stored().failure_code, "provider_unavailable");
    EXPECT_EQ(OrderStatusNow(), OrderStatus::kCancelled);
    EXPECT_EQ(inventory_.Of("SKU-1").available, 10);
    EXPECT_EQ(inventory_.Of("SKU-1").reserved, 0);
    clock_.Advance(60);
    EXPECT_EQ(*payments_.RetryDue(ctx_, 10), 0);  // given up for good
}

TEST_F(PaymentsServiceTest, AnOrderCancelledWhileItsPaymentWaitsIsNeverCharged) {
    provider_.mode = Mode::kDown;
    ASSERT_TRUE(PayWithToken().ok());
    auto cancelled = orders_.CancelOrder(ctx_, order_id_);
    ASSERT_TRUE(cancelled.ok()) << cancelled.error().message;
    EXPECT_EQ(cancelled->status, OrderStatus::kCancelled);
    EXPECT_EQ(inventory_.Of("SKU-1").available, 10);

    provider_.mode = Mode::kApprove;
    int calls = provider_.charge_calls;
    clock_.Advance(60);
    auto retried = payments_.RetryDue(ctx_, 10);
    ASSERT_TRUE(retried.ok()) << retried.error().message;
    EXPECT_EQ(*retried, 0);
    EXPECT_EQ(Stored().status, PaymentStatus::kFailed);
    EXPECT_EQ(Stored().failure_code, "order_cancelled");
    EXPECT_EQ(provider_.charge_calls, calls);
    EXPECT_EQ(provider_.SucceededCharges(), 0);
}

TEST_F(PaymentsServiceTest, AChargeForAnOrderWhoseReservationExpiredIsRefunded) {
    ASSERT_TRUE(inventory_.Release(ctx_, order_id_).ok());  // as the reservation's expiry does
    auto paid = Pay();
    ASSERT_FALSE(paid.ok());
    EXPECT_EQ(paid.error().code, core::ErrorCode::kConflict);
    EXPECT_EQ(OrderStatusNow(), OrderStatus::kCancelled);
    Payment payment = Stored();
    EXPECT_EQ(payment.status, PaymentStatus::kRefunded);
    ASSERT_EQ(provider_.refunds.size(), 1u);
    EXPECT_EQ(provider_.refunds["refund-" + payment.id], payment.provider_charge_id);
    EXPECT_EQ(inventory_.Of("SKU-1").sold, 0);
}

TEST_F(PaymentsServiceTest, CancellingAPaidOrderRefundsTheChargeOnceAndRestocks) {
    auto paid = Pay();
    ASSERT_TRUE(paid.ok()) << paid.error().message;
    auto cancelled = orders_.CancelOrder(ctx_, order_id_);
    ASSERT_TRUE(cancelled.ok()) << cancelled.error().message;
    EXPECT_EQ(cancelled->status, OrderStatus::kRefunded);
    ASSERT_EQ(provider_.refunds.size(), 1u);
    EXPECT_EQ(provider_.refunds["refund-" + paid->id], "ch_1");
    EXPECT_EQ(Stored().status, PaymentStatus::kRefunded);
    EXPECT_EQ(inventory_.Of("SKU-1").sold, 0);
    EXPECT_EQ(inventory_.Of("SKU-1").available, 10);

    auto again = orders_.CancelOrder(ctx_, order_id_);  // idempotent: no second refund
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->status, OrderStatus::kRefunded);
    EXPECT_EQ(provider_.refund_calls, 1);
    auto pay_again = Pay();
    ASSERT_FALSE(pay_again.ok());
    EXPECT_EQ(pay_again.error().code, core::ErrorCode::kConflict);
    EXPECT_EQ(provider_.charge_calls, 1);
}

TEST_F(PaymentsServiceTest, ARefundTheProviderCannotTakeAtCancelIsMadeByItsRetry) {
    ASSERT_TRUE(Pay().ok());
    provider_.refunds_down = true;
    auto cancelled = orders_.CancelOrder(ctx_, order_id_);
    ASSERT_TRUE(cancelled.ok()) << cancelled.error().message;  // the order first
    EXPECT_EQ(cancelled->status, OrderStatus::kRefunded);
    EXPECT_EQ(Stored().status, PaymentStatus::kSucceeded);  // the money not yet
    EXPECT_TRUE(provider_.refunds.empty());

    // The bus consumer of the order's REFUNDED event retries it.
    provider_.refunds_down = false;
    ASSERT_TRUE(payments_.RefundOrder(ctx_, order_id_).ok());
    EXPECT_EQ(Stored().status, PaymentStatus::kRefunded);
    EXPECT_EQ(provider_.refunds.size(), 1u);
    ASSERT_TRUE(payments_.RefundOrder(ctx_, order_id_).ok());  // delivered twice: refunded once
    EXPECT_EQ(provider_.refund_calls, 2);
}

TEST_F(PaymentsServiceTest, SomeoneElsesOrderIsNotFoundAndNothingIsCharged) {
    core::RequestContext other;
    other.principal = core::Principal{"usr_2", core::Role::kCustomer, ""};
    auto paid = Pay(other);
    ASSERT_FALSE(paid.ok());
    EXPECT_EQ(paid.error().code, core::ErrorCode::kNotFound);
    EXPECT_EQ(payments_.GetPayment(other, order_id_).error().code, core::ErrorCode::kNotFound);
    EXPECT_EQ(provider_.charge_calls, 0);
    EXPECT_EQ(payments_repository_.FindByOrder(ctx_, order_id_).error().code, core::ErrorCode::kNotFound);
    EXPECT_EQ(OrderStatusNow(), OrderStatus::kPendingPayment);
}

TEST_F(PaymentsServiceTest, AnIdempotencyKeyReplaysItsAnswerAndRefusesAnotherRequest) {
    auto claim = payments_.ClaimKeyedRequest(ctx_, "key-1", "fp-1");
    ASSERT_TRUE(claim.ok()) << claim.error().message;
    EXPECT_EQ(claim->status, 0);  // ours to run
    auto running = payments_.ClaimKeyedRequest(ctx_, "key-1", "fp-1");
    ASSERT_FALSE(running.ok());
    EXPECT_EQ(running.error().code, core::ErrorCode::kConflict);

    KeyedRequest answer = *claim;
    answer.status = 200;
    answer.content_type = "application/json";
    answer.body = "{\"status\":\"succeeded\"}";
    ASSERT_TRUE(payments_.FinishKeyedRequest(ctx_, answer).ok());
    auto replayed = payments_.ClaimKeyedRequest(ctx_, "key-1", "fp-1");
    ASSERT_TRUE(replayed.ok()) << replayed.error().message;
    EXPECT_EQ(replayed->status, 200);
    EXPECT_EQ(replayed->body, "{\"status\":\"succeeded\"}");
    auto other = payments_.ClaimKeyedRequest(ctx_, "key-1", "fp-2");
    ASSERT_FALSE(other.ok());
    EXPECT_EQ(other.error().code, core::ErrorCode::kInvalidArgument);
    EXPECT_EQ(other.error().fields[0].field, "Idempotency-Key");

    // An answer of 5xx gives the key up: the retry runs again.
    auto second = payments_.ClaimKeyedRequest(ctx_, "key-2", "fp-1");
    ASSERT_TRUE(second.ok());
    KeyedRequest failed = *second;
    failed.status = 503;
    ASSERT_TRUE(payments_.FinishKeyedRequest(ctx_, failed).ok());
    auto rerun = payments_.ClaimKeyedRequest(ctx_, "key-2", "fp-1");
    ASSERT_TRUE(rerun.ok());
    EXPECT_EQ(rerun->status, 0);
}

}  // namespace
}  // namespace emporium::payments

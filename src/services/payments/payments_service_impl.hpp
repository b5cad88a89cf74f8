#pragma once

#include <chrono>
#include <vector>

#include "bus/event_bus.hpp"
#include "core/clock.hpp"
#include "resilience/bulkhead.hpp"
#include "resilience/circuit_breaker.hpp"
#include "services/orders/orders_service.hpp"
#include "services/payments/payments_repository.hpp"
#include "services/payments/payments_service.hpp"

namespace emporium::payments {

struct PaymentsSettings {
    // Waits between inline attempts at the provider (±25 % jitter): about 100, 300, 900 ms.
    std::vector<std::chrono::milliseconds> retry_delays{std::chrono::milliseconds(100), std::chrono::milliseconds(300),
                                                        std::chrono::milliseconds(900)};
    int64_t background_retry_seconds = 1;     // first background retry; doubles up to a minute
    int64_t give_up_after_seconds = 30 * 60;  // then the order is cancelled (sooner if its reservation expires)
    int64_t orphan_retry_after_seconds = 15;  // a payment left "processing" by a crash is retried then
    // The provider call's own deadline: an inline retry that could not finish before the
    // request's deadline is left to the background retry instead.
    std::chrono::milliseconds provider_timeout{2000};
    // How long a second request for an order waits for the first one's charge to settle.
    std::chrono::milliseconds concurrent_request_wait{3000};
    resilience::CircuitBreakerSettings breaker;
};

class PaymentsServiceImpl final : public PaymentsService, public orders::Refunds {
  public:
    // `provider` may be null: payments are then answered kUnavailable ("not configured").
    // `provider_bulkhead`, when given, bounds the provider calls in flight (charges and
    // refunds): a call it turns away is not retried inline — the payment is left to the
    // background retry (202) — so a hung provider holds no more request threads than the
    // bulkhead's places and queue. It must outlive the service.
    PaymentsServiceImpl(PaymentsRepository& repository, PaymentProvider* provider, orders::OrdersService& orders,
                        const core::Clock& clock, PaymentsSettings settings,
                        resilience::Bulkhead* provider_bulkhead = nullptr)
        : repository_(repository),
          provider_(provider),
          orders_(orders),
          clock_(clock),
          settings_(std::move(settings)),
          breaker_(settings_.breaker),
          bulkhead_(provider_bulkhead) {}

    core::Result<Payment> PayOrder(const core::RequestContext& ctx, std::string_view order_id,
                                   const PaymentMethod& method) override;
    core::Result<Payment> GetPayment(const core::RequestContext& ctx, std::string_view order_id) override;
    core::Result<Payment> FindPayment(const core::RequestContext& ctx, std::string_view order_id) override;
    core::Result<KeyedRequest> ClaimKeyedRequest(const core::RequestContext& ctx, std::string_view key,
                                                 std::string_view fingerprint) override;
    core::Result<void> FinishKeyedRequest(const core::RequestContext& ctx, const KeyedRequest& answer) override;
    core::Result<int> RetryDue(const core::RequestContext& ctx, int limit) override;
    core::Result<void> OnProviderEvent(const core::RequestContext& ctx, std::string_view type,
                                       std::string_view order_id, std::string_view charge_id) override;

    core::Result<void> RefundOrder(const core::RequestContext& ctx, std::string_view order_id) override;

    // Subscribes "payments.order_paid" to PaymentSucceeded: marks the order paid (or
    // refunds the charge if it was cancelled meanwhile) when the paying request did not
    // get to it — the process died between settling the payment and the order.
    // Also subscribes "payments.order_refunded" to OrderStatusChanged:
    // an order cancelled after payment (REFUNDED) has its charge refunded, retried by the
    // bus if the provider fails when the customer cancels.
    void Subscribe(bus::EventBus& bus);
    // A batch of PaymentSucceeded events: the orders are read together, and only those not
    // yet paid (the paying request died before marking them) go to OnPaymentSucceeded.
    std::vector<core::Result<void>> OnPaymentsSucceeded(const core::RequestContext& ctx,
                                                        const std::vector<bus::Event>& events);
    core::Result<void> OnPaymentSucceeded(const core::RequestContext& ctx, const bus::Event& event);
    core::Result<void> OnOrderStatusChanged(const core::RequestContext& ctx, const bus::Event& event);

    resilience::CircuitBreaker::State breaker_state() { return breaker_.state(); }
    // The breaker around the provider, for the resilience view (its state and counters).
    resilience::CircuitBreaker& breaker() { return breaker_; }

  private:
    // One call to the provider through the bulkhead and the breaker. `turned_away`, when
    // given, is set when the bulkhead had no place (the provider was not called).
    core::Result<ProviderCharge> ChargeOnce(const core::RequestContext& ctx, const Payment& payment,
                                            bool* turned_away = nullptr);
    // A refund call to the provider through the bulkhead (the breaker is the caller's choice).
    core::Result<void> CallRefund(const core::RequestContext& ctx, const std::string& idempotency_key,
                                  std::string_view charge_id);
    // A place in the provider bulkhead, or an empty permit when there is none.
    core::Result<resilience::Bulkhead::Permit> ProviderPlace(const core::RequestContext& ctx);
    // Attempts the charge (`attempts` times, waiting retry_delays between) and applies the
    // outcome to the payment and the order.
    core::Result<Payment> Attempt(const core::RequestContext& ctx, Payment payment, int attempts);
    core::Result<Payment> Settle(const core::RequestContext& ctx, Payment payment, const ProviderCharge& charge);
    // The stored result of a payment someone else made, as PayOrder would answer it; while
    // that request's first charge still runs, waits for it (concurrent_request_wait).
    core::Result<Payment> Outcome(const core::RequestContext& ctx, std::string_view order_id);
    core::Result<Payment> Postpone(const core::RequestContext& ctx, Payment payment, const std::string& reason);
    // Refunds a succeeded charge whose order can no longer be paid and records it.
    core::Result<void> RefundUnpaidOrder(const core::RequestContext& ctx, const Payment& payment);
    // Refunds a charge the provider reports as succeeded after we gave up on it.
    // `charge_id` comes from the provider's verified webhook (empty: ask the provider).
    core::Result<void> RefundLateCharge(const core::RequestContext& ctx, Payment payment, std::string_view charge_id);

    PaymentsRepository& repository_;
    PaymentProvider* provider_;
    orders::OrdersService& orders_;
    const core::Clock& clock_;
    PaymentsSettings settings_;
    resilience::CircuitBreaker breaker_;
    resilience::Bulkhead* bulkhead_;
};

}  // namespace emporium::payments

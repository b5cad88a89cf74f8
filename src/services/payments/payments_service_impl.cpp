#include "services/payments/payments_service_impl.hpp"

#include <thread>

#include "core/failpoint.hpp"
#include "core/random.hpp"
#include "observability/log.hpp"
#include "resilience/jitter.hpp"
#include "services/orders/order_events.hpp"

namespace emporium::payments {

using core::Error;
using core::Result;
using orders::OrderStatus;

namespace {

bool IsPaidOrLater(OrderStatus status) {
    return status == OrderStatus::kPaid || status == OrderStatus::kFulfilling || status == OrderStatus::kShipped ||
           status == OrderStatus::kDelivered;
}

// An order that reaches this status gets its money back (the bus filter and the handler
// both ask this).
constexpr OrderStatus kRefundWhen = OrderStatus::kRefunded;

// The failure code of a payment we stopped retrying because the provider did not answer.
constexpr std::string_view kGaveUp = "provider_unavailable";

Error Declined(const std::string& code) {
    return Error{core::ErrorCode::kInvalidArgument,
                 "The card was declined (" + code + "); the order is cancelled.",
                 {{"card", code}}};
}

// Tells the circuit breaker what a provider call showed: an answer (a refusal included) is a
// provider that works, an outage or a timeout of its own is a failure, and a call cut short
// (or never made) because the caller's deadline had passed says nothing about the provider,
// so it must not open the breaker for everyone.
template <typename T>
void RecordProviderCall(resilience::CircuitBreaker& breaker, const core::Result<T>& outcome,
                        const core::RequestContext& ctx) {
    if (outcome.ok() || outcome.error().code != core::ErrorCode::kUnavailable)
        breaker.Record(true);
    else if (!ctx.Expired())
        breaker.Record(false);
}
}  // namespace

Result<resilience::Bulkhead::Permit> PaymentsServiceImpl::ProviderPlace(const core::RequestContext& ctx) {
    if (!bulkhead_) return resilience::Bulkhead::Permit();
    return bulkhead_->Acquire(ctx);
}

Result<ProviderCharge> PaymentsServiceImpl::ChargeOnce(const core::RequestContext& ctx, const Payment& payment,
                                                       bool* turned_away) {
    // The place first: a half-open breaker's probe must not be given to a call that then
    // finds no place (nobody would report its outcome). A busy bulkhead says nothing about
    // the provider's health, so it is not the breaker's business.
    auto place = ProviderPlace(ctx);
    if (!place.ok()) {
        if (turned_away) *turned_away = true;
        return std::move(place).error();
    }
    if (!breaker_.Allow()) return Error::Unavailable("the payment provider is failing; calls are paused");
    auto charge =
        provider_->Charge(ctx, payment.id, payment.amount, payment.currency, payment.card_token, payment.order_id);
    RecordProviderCall(breaker_, charge, ctx);
    return charge;
}

Result<void> PaymentsServiceImpl::CallRefund(const core::RequestContext& ctx, const std::string& idempotency_key,
                                             std::string_view charge_id) {
    EMPORIUM_ASSIGN_OR_RETURN(auto place, ProviderPlace(ctx));
    return provider_->Refund(ctx, idempotency_key, charge_id);
}

Result<Payment> PaymentsServiceImpl::Outcome(const core::RequestContext& ctx, std::string_view order_id) {
    auto found = repository_.FindByOrder(ctx, order_id);
    // No attempt recorded yet: another request is charging it right now (a double click).
    // Its outcome is the answer, not "processing" — if it comes in time for this request.
    constexpr auto kPoll = std::chrono::milliseconds(50);
    auto until = std::min(std::chrono::steady_clock::now() + settings_.concurrent_request_wait, ctx.deadline - kPoll);
    while (found.ok() && found->status == PaymentStatus::kProcessing && found->attempts == 0 &&
           std::chrono::steady_clock::now() + kPoll < until) {
        std::this_thread::sleep_for(kPoll);
        found = repository_.FindByOrder(ctx, order_id);
    }
    if (!found.ok()) return found.error();
    const Payment& payment = *found;
    if (payment.status == PaymentStatus::kFailed) return Declined(payment.failure_code);
    if (payment.status == PaymentStatus::kRefunded)
        return Error::Conflict("The order was cancelled before the payment completed; the charge was refunded.");
    return payment;
}

Result<Payment> PaymentsServiceImpl::Settle(const core::RequestContext& request_ctx, Payment payment,
                                            const ProviderCharge& charge) {
    // The provider has answered: recording what it did must not fail because the request's
    // time ran out meanwhile (a charge nobody records would wait for the orphan sweep).
    const core::RequestContext ctx = request_ctx.Detached();
    int64_t now = clock_.NowSeconds();
    payment.provider_charge_id = charge.id;
    if (payment.card_last4.empty()) {  // paid with a token: the provider knows the card
        payment.card_last4 = charge.card_last4;
        payment.card_brand = charge.card_brand;
    }
    payment.next_retry_at.reset();
    payment.updated_at = now;
    if (!charge.succeeded) {
        payment.status = PaymentStatus::kFailed;
        payment.failure_code = charge.decline_code;
        EMPORIUM_ASSIGN_OR_RETURN(bool won, repository_.Update(ctx, payment, PaymentStatus::kProcessing));
        if (!won) return Outcome(ctx, payment.order_id);  // settled by someone else: theirs is the answer
        auto cancelled = orders_.Transition(ctx, payment.order_id, OrderStatus::kCancelled, "payment declined");
        if (!cancelled.ok() && cancelled.error().code != core::ErrorCode::kConflict) return cancelled.error();
        return Declined(payment.failure_code);
    }
    payment.status = PaymentStatus::kSucceeded;
    payment.failure_code.clear();
    // Also publishes PaymentSucceeded: if this process dies before the order is marked
    // paid below, the event's consumer (OnPaymentSucceeded) does it.
    EMPORIUM_ASSIGN_OR_RETURN(bool won, repository_.Update(ctx, payment, PaymentStatus::kProcessing));
    if (!won) return Outcome(ctx, payment.order_id);
    core::Failpoint("payments.after_settle");
    // PAID commits the stock first; it refuses (kConflict) when the order can no longer be
    // paid — cancelled, or its reservation expired — and is idempotent for a paid order.
    auto paid = orders_.Transition(ctx, payment.order_id, OrderStatus::kPaid, "payment succeeded");
    if (!paid.ok() && paid.error().code == core::ErrorCode::kConflict) {
        EMPORIUM_TRY(RefundUnpaidOrder(ctx, payment));
        return Error::Conflict("The order was cancelled before the payment completed; the charge was refunded.");
    }
    if (!paid.ok()) return paid.error();
    return payment;
}

Result<void> PaymentsServiceImpl::RefundLateCharge(const core::RequestContext& ctx, Payment payment,
                                                   std::string_view charge_id) {
    // We gave up while the provider did not answer, and cancelled the order; the provider
    // has now told us (in a signed webhook) that the charge went through after all: give
    // the money back. Without the charge id, ask the provider for it (same idempotency
    // key: the stored outcome).
    std::string id(charge_id);
    if (id.empty()) {
        auto charge = ChargeOnce(ctx, payment);
        if (!charge.ok())
            return charge.error().code == core::ErrorCode::kInvalidArgument ? core::Ok() : Result<void>(charge.error());
        if (!charge->succeeded) return core::Ok();
        id = charge->id;
    }
    auto refunded = CallRefund(ctx, "refund-" + payment.id, id);
    if (!refunded.ok()) return refunded.error();
    payment.provider_charge_id = id;
    payment.status = PaymentStatus::kRefunded;
    payment.updated_at = clock_.NowSeconds();
    EMPORIUM_TRY(repository_.Update(ctx, payment, PaymentStatus::kFailed));
    observability::LogWarn("late_charge_refunded", [&](core::JsonWriter& json) {
        json.Field("payment_id", payment.id).Field("order_id", payment.order_id);
    });
    return core::Ok();
}

Result<void> PaymentsServiceImpl::RefundUnpaidOrder(const core::RequestContext& ctx, const Payment& payment) {
    auto refunded = CallRefund(ctx, "refund-" + payment.id, payment.provider_charge_id);
    if (!refunded.ok()) {
        observability::LogError("refund_needed", [&](core::JsonWriter& json) {
            json.Field("payment_id", payment.id)
                .Field("order_id", payment.order_id)
                .Field("error", refunded.error().message);
        });
        return refunded.error();
    }
    Payment refund = payment;
    refund.status = PaymentStatus::kRefunded;
    refund.updated_at = clock_.NowSeconds();
    EMPORIUM_TRY(repository_.Update(ctx, refund, PaymentStatus::kSucceeded));
    return core::Ok();
}

void PaymentsServiceImpl::Subscribe(bus::EventBus& bus) {
    bus.SubscribeBatch({.name = "payments.order_paid", .types = {std::string(kPaymentSucceeded)}},
                       [this](const core::RequestContext& ctx, const std::vector<bus::Event>& events) {
                           return OnPaymentsSucceeded(ctx, events);
                       });
    bus.Subscribe(
        {.name = "payments.order_refunded",
         .types = {std::string(orders::kOrderStatusChanged)},
         .wanted = orders::OrderReaches({kRefundWhen})},
        [this](const core::RequestContext& ctx, const bus::Event& event) { return OnOrderStatusChanged(ctx, event); });
}

Result<void> PaymentsServiceImpl::OnOrderStatusChanged(const core::RequestContext& ctx, const bus::Event& event) {
    // Only "to REFUNDED" matters: the money must follow the order (the cancel request
    // tried already; this is its retry when the provider failed).
    auto change = orders::ReadOrderStatusChanged(event);
    if (!change.ok() || change->to != kRefundWhen) return core::Ok();
    auto refunded = RefundOrder(ctx, event.aggregate_id);
    if (refunded.ok() || refunded.error().code == core::ErrorCode::kNotFound ||
        refunded.error().code == core::ErrorCode::kConflict)
        return core::Ok();  // done before, or no completed payment to give back
    return refunded;
}

std::vector<Result<void>> PaymentsServiceImpl::OnPaymentsSucceeded(const core::RequestContext& ctx,
                                                                   const std::vector<bus::Event>& events) {
    std::vector<Result<void>> outcomes(events.size(), core::Ok());
    if (!provider_) return outcomes;
    std::vector<std::string> order_ids;
    for (const auto& event : events) order_ids.push_back(event.aggregate_id);
    auto orders = orders_.FindOrders(ctx, order_ids);
    for (std::size_t i = 0; i < events.size(); ++i) {
        // Usually the paying request got there first.
        if (orders.ok() && (*orders)[i].ok() &&
            (IsPaidOrLater((*orders)[i]->status) || (*orders)[i]->status == OrderStatus::kRefunded))
            continue;
        try {
            outcomes[i] = OnPaymentSucceeded(ctx, events[i]);
        } catch (const std::exception& e) {  // this event fails, not the ones after it
            outcomes[i] = Error::Internal(std::string("handler threw: ") + e.what());
        } catch (...) {
            outcomes[i] = Error::Internal("handler threw an exception of an unknown type");
        }
    }
    return outcomes;
}

Result<void> PaymentsServiceImpl::OnPaymentSucceeded(const core::RequestContext& ctx, const bus::Event& event) {
    if (!provider_) return core::Ok();
    const std::string& order_id = event.aggregate_id;
    auto payment = repository_.FindByOrder(ctx, order_id);
    if (!payment.ok())
        return payment.error().code == core::ErrorCode::kNotFound ? core::Ok() : Result<void>(payment.error());
    if (payment->status != PaymentStatus::kSucceeded) return core::Ok();  // refunded since
    for (int attempt = 0; attempt < 2; ++attempt) {
        EMPORIUM_ASSIGN_OR_RETURN(orders::Order order, orders_.FindOrder(ctx, order_id));
        // Usually the paying request got there first.
        if (IsPaidOrLater(order.status) || order.status == OrderStatus::kRefunded) return core::Ok();
        if (order.status == OrderStatus::kCancelled) return RefundUnpaidOrder(ctx, *payment);
        auto paid = orders_.Transition(ctx, order_id, OrderStatus::kPaid, "payment succeeded (recovered)");
        if (paid.ok()) {
            observability::LogWarn("order_paid_by_recovery", [&](core::JsonWriter& json) {
                json.Field("order_id", order_id).Field("payment_id", payment->id);
            });
            return core::Ok();
        }
        if (paid.error().code != core::ErrorCode::kConflict) return paid.error();
        // Moved meanwhile (paid by the request, or cancelled): look again.
    }
    return Error::Unavailable("order " + order_id + " keeps changing; retried later");
}

Result<Payment> PaymentsServiceImpl::Postpone(const core::RequestContext& ctx, Payment payment,
                                              const std::string& reason) {
    int64_t now = clock_.NowSeconds();
    payment.updated_at = now;
    if (now >= payment.retry_deadline) {
        payment.status = PaymentStatus::kFailed;
        payment.failure_code = std::string(kGaveUp);
        payment.next_retry_at.reset();
        EMPORIUM_ASSIGN_OR_RETURN(bool won, repository_.Update(ctx, payment, PaymentStatus::kProcessing));
        if (!won) return Outcome(ctx, payment.order_id);
        (void)orders_.Transition(ctx.Detached(), payment.order_id, OrderStatus::kCancelled,
                                 "payment could not be completed");
        return payment;
    }
    int64_t wait = settings_.background_retry_seconds;
    for (int64_t i = 3; i < payment.attempts && wait < 60; ++i) wait *= 2;
    payment.next_retry_at = now + std::min<int64_t>(wait, 60);
    EMPORIUM_ASSIGN_OR_RETURN(bool won, repository_.Update(ctx, payment, PaymentStatus::kProcessing));
    if (!won) return Outcome(ctx, payment.order_id);
    auto pending = orders_.Transition(ctx, payment.order_id, OrderStatus::kPaymentPending, reason);
    if (!pending.ok() && pending.error().code != core::ErrorCode::kConflict) return pending.error();
    return payment;
}

Result<Payment> PaymentsServiceImpl::Attempt(const core::RequestContext& ctx, Payment payment, int attempts) {
    std::string last_error;
    for (int attempt = 0; attempt < attempts; ++attempt) {
        if (attempt > 0) {
            auto delay = resilience::Jittered(
                settings_.retry_delays[std::min<std::size_t>(attempt - 1, settings_.retry_delays.size() - 1)]);
            // The shopper gets "processing" (202) in time rather than an answer past the deadline.
            if (std::chrono::steady_clock::now() + delay + settings_.provider_timeout > ctx.deadline) break;
            std::this_thread::sleep_for(delay);
        }
        payment.attempts += 1;
        bool turned_away = false;
        auto charge = ChargeOnce(ctx, payment, &turned_away);
        if (charge.ok()) return Settle(ctx, std::move(payment), *charge);
        if (charge.error().code == core::ErrorCode::kInvalidArgument) {
            ProviderCharge refused{"", false,
                                   charge.error().fields.empty() ? "declined" : charge.error().fields[0].message};
            return Settle(ctx, std::move(payment), refused);
        }
        last_error = charge.error().message;
        // Every place at the provider is taken (it may hang): waiting here for another try
        // would hold this request's thread, which is what the bulkhead protects.
        if (turned_away) break;
        if (breaker_.state() == resilience::CircuitBreaker::State::kOpen) break;  // no point waiting now
    }
    observability::LogWarn("payment_postponed", [&](core::JsonWriter& json) {
        json.Field("payment_id", payment.id).Field("order_id", payment.order_id).Field("error", last_error);
    });
    return Postpone(ctx, std::move(payment), "payment is being retried: " + last_error);
}

Result<Payment> PaymentsServiceImpl::PayOrder(const core::RequestContext& ctx, std::string_view order_id,
                                              const PaymentMethod& method) {
    if (!provider_) return Error::Unavailable("Payments are not configured (payments.provider_url).");
    EMPORIUM_ASSIGN_OR_RETURN(orders::Order order, orders_.GetOrder(ctx, order_id));
    auto existing = repository_.FindByOrder(ctx, order_id);
    if (existing.ok()) {
        // Paying again (a double click, a retried request): the same payment, never a second charge.
        if (existing->status == PaymentStatus::kProcessing && existing->attempts == 0) return Outcome(ctx, order_id);
        if (existing->status == PaymentStatus::kSucceeded || existing->status == PaymentStatus::kProcessing)
            return existing;
        if (existing->status == PaymentStatus::kFailed)
            return Error::Conflict("This order's payment failed (" + existing->failure_code + "); the order is " +
                                   std::string(orders::StatusName(order.status)) + ".");
        return Error::Conflict("This order's payment was refunded.");
    }
    if (existing.error().code != core::ErrorCode::kNotFound) return existing.error();
    if (IsPaidOrLater(order.status) || order.status == OrderStatus::kCancelled ||
        order.status == OrderStatus::kRefunded)
        return Error::Conflict("An order in state " + std::string(orders::StatusName(order.status)) +
                               " cannot be paid.");

    CardToken card;
    if (method.card_token) {
        card = CardToken{*method.card_token, "", ""};
    } else if (method.card) {
        auto token = provider_->Tokenize(ctx, *method.card);
        if (!token.ok()) return token.error();
        card = *token;
    } else {
        return Error::Invalid("card", "is required (or card_token)");
    }
    Payment payment;
    payment.id = core::NewTimeOrderedId("pay");
    payment.order_id = order.id;
    payment.user_id = order.user_id;
    payment.amount = order.total.amount;
    payment.currency = order.total.currency;
    payment.card_token = card.token;
    payment.card_last4 = card.last4;
    payment.card_brand = card.brand;
    payment.created_at = payment.updated_at = clock_.NowSeconds();
    // Past the reservation the order is cancelled anyway: charging later would only refund.
    payment.retry_deadline =
        std::min(payment.created_at + settings_.give_up_after_seconds, order.reservation_expires_at);
    // Picked up by the background retry if this process dies during the first attempts.
    payment.next_retry_at = payment.created_at + settings_.orphan_retry_after_seconds;
    auto inserted = repository_.Insert(ctx, payment);
    if (!inserted.ok()) {
        // A concurrent click created it first: answer as that one does.
        if (inserted.error().code == core::ErrorCode::kConflict) return Outcome(ctx, order_id);
        return inserted.error();
    }
    return Attempt(ctx, std::move(payment), 1 + static_cast<int>(settings_.retry_delays.size()));
}

Result<void> PaymentsServiceImpl::RefundOrder(const core::RequestContext& ctx, std::string_view order_id) {
    if (!provider_) return Error::Unavailable("Payments are not configured (payments.provider_url).");
    EMPORIUM_ASSIGN_OR_RETURN(Payment payment, repository_.FindByOrder(ctx, order_id));
    if (payment.status == PaymentStatus::kRefunded) return core::Ok();
    if (payment.status != PaymentStatus::kSucceeded) return Error::Conflict("This order has no completed payment.");
    EMPORIUM_ASSIGN_OR_RETURN(auto place, ProviderPlace(ctx));
    if (!breaker_.Allow()) return Error::Unavailable("the payment provider is failing; retry the cancellation later");
    auto refunded = provider_->Refund(ctx, "refund-" + payment.id, payment.provider_charge_id);
    RecordProviderCall(breaker_, refunded, ctx);
    if (!refunded.ok()) return refunded.error();
    payment.status = PaymentStatus::kRefunded;
    payment.updated_at = clock_.NowSeconds();
    // The money went back: the record follows even if the request's time ran out.
    EMPORIUM_TRY(repository_.Update(ctx.Detached(), payment, PaymentStatus::kSucceeded));
    return core::Ok();
}

Result<Payment> PaymentsServiceImpl::GetPayment(const core::RequestContext& ctx, std::string_view order_id) {
    EMPORIUM_TRY(orders_.GetOrder(ctx, order_id));  // ownership
    return repository_.FindByOrder(ctx, order_id);
}

Result<Payment> PaymentsServiceImpl::FindPayment(const core::RequestContext& ctx, std::string_view order_id) {
    return repository_.FindByOrder(ctx, order_id);
}

Result<KeyedRequest> PaymentsServiceImpl::ClaimKeyedRequest(const core::RequestContext& ctx, std::string_view key,
                                                            std::string_view fingerprint) {
    if (!ctx.principal) return Error::Unauthenticated("A bearer token is required.");
    // A payment request ends within a minute: at most four provider calls of at most 10 s
    // (payments.provider_timeout_ms) and the waits between them. A claim a minute old
    // belongs to a process that died.
    int64_t now = clock_.NowSeconds();
    EMPORIUM_ASSIGN_OR_RETURN(
        auto earlier, repository_.ClaimKeyedRequest(ctx, ctx.principal->user_id, key, fingerprint, now, now - 60));
    if (!earlier) return KeyedRequest{std::string(key), std::string(fingerprint), 0, "", "", now};
    if (earlier->fingerprint != fingerprint)
        return Error::Invalid("Idempotency-Key", "was used before with a different request");
    if (earlier->status == 0)
        return Error::Conflict("A request with this Idempotency-Key is still being processed; retry shortly.");
    return std::move(*earlier);
}

Result<void> PaymentsServiceImpl::FinishKeyedRequest(const core::RequestContext& ctx, const KeyedRequest& answer) {
    if (!ctx.principal) return Error::Unauthenticated("A bearer token is required.");
    EMPORIUM_ASSIGN_OR_RETURN(
        bool ours, repository_.FinishKeyedRequest(ctx, ctx.principal->user_id, answer, answer.status >= 500));
    if (!ours) return Error::Conflict("the claim of this Idempotency-Key was taken over by a later request");
    return core::Ok();
}

Result<int> PaymentsServiceImpl::RetryDue(const core::RequestContext& ctx, int limit) {
    if (!provider_) return 0;
    EMPORIUM_ASSIGN_OR_RETURN(auto due, repository_.FindDue(ctx, clock_.NowSeconds(), limit));
    int attempted = 0;
    for (auto& payment : due) {
        auto order = orders_.FindOrder(ctx, payment.order_id);
        if (order.ok() && (order->status == OrderStatus::kCancelled || order->status == OrderStatus::kRefunded)) {
            // Cancelled meanwhile (by the shopper or an expired reservation): stop charging.
            payment.status = PaymentStatus::kFailed;
            payment.failure_code = "order_cancelled";
            payment.next_retry_at.reset();
            payment.updated_at = clock_.NowSeconds();
            EMPORIUM_TRY(repository_.Update(ctx, payment, PaymentStatus::kProcessing));
            continue;
        }
        if (breaker_.state() == resilience::CircuitBreaker::State::kOpen &&
            clock_.NowSeconds() < payment.retry_deadline)
            break;  // wait for the breaker's probe window
        auto outcome = Attempt(ctx, payment, 1);
        ++attempted;
        if (!outcome.ok() && outcome.error().code != core::ErrorCode::kInvalidArgument &&
            outcome.error().code != core::ErrorCode::kConflict)
            observability::LogWarn("payment_retry_failed", [&](core::JsonWriter& json) {
                json.Field("payment_id", payment.id).Field("error", outcome.error().message);
            });
    }
    return attempted;
}

Result<void> PaymentsServiceImpl::OnProviderEvent(const core::RequestContext& ctx, std::string_view type,
                                                  std::string_view order_id, std::string_view charge_id) {
    auto payment = repository_.FindByOrder(ctx, order_id);
    if (!payment.ok())
        return payment.error().code == core::ErrorCode::kNotFound ? core::Ok() : Result<void>(payment.error());
    // We hold it as failed (we gave up, or the order was cancelled while we retried) but
    // the provider charged: a decline never produces charge.succeeded, so give it back.
    if (payment->status == PaymentStatus::kFailed && type == "charge.succeeded")
        return RefundLateCharge(ctx, *payment, charge_id);
    if (payment->status != PaymentStatus::kProcessing) return core::Ok();  // already settled: nothing new
    if (type == "charge.succeeded" || type == "charge.failed") {
        // Ask the provider for the charge with the same key: it answers with the stored
        // outcome, which also fills in the charge id.
        auto charge = ChargeOnce(ctx, *payment);
        if (!charge.ok())
            return charge.error().code == core::ErrorCode::kInvalidArgument ? core::Ok() : Result<void>(charge.error());
        auto settled = Settle(ctx, *payment, *charge);
        if (!settled.ok() && settled.error().code != core::ErrorCode::kInvalidArgument &&
            settled.error().code != core::ErrorCode::kConflict)
            return settled.error();
    }
    return core::Ok();
}

}  // namespace emporium::payments

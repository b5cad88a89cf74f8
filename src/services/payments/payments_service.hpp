#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/request_context.hpp"
#include "core/result.hpp"
#include "services/payments/psp/payment_provider.hpp"

namespace emporium::payments {

// Published (aggregate = the order id) when an order's payment settles as succeeded.
inline constexpr std::string_view kPaymentSucceeded = "PaymentSucceeded";

enum class PaymentStatus { kProcessing, kSucceeded, kFailed, kRefunded };
std::string_view StatusName(PaymentStatus status);

struct Payment {
    std::string id;
    std::string order_id;
    std::string user_id;
    PaymentStatus status = PaymentStatus::kProcessing;
    int64_t amount = 0;
    std::string currency;
    std::string card_token, card_last4, card_brand;
    std::string provider_charge_id;
    std::string failure_code;
    int64_t attempts = 0;
    std::optional<int64_t> next_retry_at;
    int64_t retry_deadline = 0;
    int64_t created_at = 0;
    int64_t updated_at = 0;
};

// How the shopper pays: card details (tokenised at the provider, never stored) or a
// token the provider issued to the browser.
struct PaymentMethod {
    std::optional<CardDetails> card;
    std::optional<std::string> card_token;
};

// A payment request sent with an Idempotency-Key and the answer it got, kept so that a
// repeat gets exactly that answer (API conventions), whatever happened to the payment since.
struct KeyedRequest {
    std::string key;
    // What was asked: the order and the payment method, without card data (a hash of a
    // card number, expiry and CVC could be reversed by trying them all).
    std::string fingerprint;
    int status = 0;  // 0 while the first request is still running
    std::string content_type;
    std::string body;
    int64_t claimed_at = 0;  // when its request claimed the key: the claim's token
};

// The payments service: charges an order once, however often the shopper clicks, and
// drives the order to PAID or CANCELLED. Blocking; thread-safe. Errors: kNotFound
// (unknown or other user's order), kConflict (order cannot be paid), kInvalidArgument
// (declined or invalid card), kUnavailable (not configured).
class PaymentsService {
  public:
    virtual ~PaymentsService() = default;

    // The payment afterwards: kSucceeded (order PAID) or kProcessing (the provider could
    // not be reached; retried in the background, order PAYMENT_PENDING). A decline is an
    // error (kInvalidArgument, field "card") and cancels the order.
    virtual core::Result<Payment> PayOrder(const core::RequestContext& ctx, std::string_view order_id,
                                           const PaymentMethod& method) = 0;
    virtual core::Result<Payment> GetPayment(const core::RequestContext& ctx, std::string_view order_id) = 0;
    // Operator read (the router admits admins only): any order's payment, no ownership
    // check; kNotFound if the order has none.
    virtual core::Result<Payment> FindPayment(const core::RequestContext& ctx, std::string_view order_id) = 0;
    // Claims `key` for the caller's request before it runs: the claim (status 0; run the
    // request, then FinishKeyedRequest with the claim's claimed_at), or the earlier request's
    // answer to send again (status != 0); kInvalidArgument (field "Idempotency-Key") if the
    // earlier request asked something else; kConflict while the earlier one is still running.
    // A claim whose request never finished (the process died) is taken over after a minute.
    virtual core::Result<KeyedRequest> ClaimKeyedRequest(const core::RequestContext& ctx, std::string_view key,
                                                         std::string_view fingerprint) = 0;
    // Keeps the answer of a claimed request; an answer >= 500 gives the key up instead, so a
    // retry runs the request again. kConflict if the claim was taken over meanwhile.
    virtual core::Result<void> FinishKeyedRequest(const core::RequestContext& ctx, const KeyedRequest& answer) = 0;
    // Background work: one attempt for each payment whose retry is due. Returns how many.
    virtual core::Result<int> RetryDue(const core::RequestContext& ctx, int limit) = 0;
    // A verified provider event (charge.succeeded / charge.failed) for the order it names.
    virtual core::Result<void> OnProviderEvent(const core::RequestContext& ctx, std::string_view type,
                                               std::string_view order_id, std::string_view charge_id) = 0;
};

}  // namespace emporium::payments

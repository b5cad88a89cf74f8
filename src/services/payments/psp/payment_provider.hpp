#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/request_context.hpp"
#include "core/result.hpp"

namespace emporium::payments {

struct CardDetails {
    std::string number;
    int64_t exp_month = 0;
    int64_t exp_year = 0;
    std::string cvc;
};

struct CardToken {
    std::string token;
    std::string last4;
    std::string brand;
};

struct ProviderCharge {
    std::string id;
    bool succeeded = false;
    std::string decline_code;            // when not succeeded
    std::string card_last4, card_brand;  // of the card charged, when the provider says
};

// Port to the card payment provider. Adapters: paygw (HTTP, the simulator or a real PSP
// speaking its protocol). Blocking; thread-safe. Errors: kUnavailable for anything that
// may succeed on retry (timeout, refused connection, 5xx); kInvalidArgument (field
// "card") for card data the provider rejects.
// Each call's timeout is bounded by the time `ctx` has left; kUnavailable at once, sending
// nothing, when none is left.
class PaymentProvider {
  public:
    virtual ~PaymentProvider() = default;
    virtual core::Result<CardToken> Tokenize(const core::RequestContext& ctx, const CardDetails& card) = 0;
    // Charging twice with the same key charges once and answers the same.
    virtual core::Result<ProviderCharge> Charge(const core::RequestContext& ctx, std::string_view idempotency_key,
                                                int64_t amount, std::string_view currency, std::string_view card_token,
                                                std::string_view order_id) = 0;
    virtual core::Result<void> Refund(const core::RequestContext& ctx, std::string_view idempotency_key,
                                      std::string_view charge_id) = 0;
};

}  // namespace emporium::payments

#pragma once

#include <chrono>

#include "http/client.hpp"
#include "services/payments/psp/payment_provider.hpp"

namespace emporium::payments {

// PaymentProvider over the paygw HTTP protocol (POST /v1/tokens, /v1/charges, /v1/refunds).
class PaygwProvider final : public PaymentProvider {
  public:
    PaygwProvider(http::HttpClient client, std::chrono::milliseconds timeout)
        : client_(std::move(client)), timeout_(timeout) {}

    core::Result<CardToken> Tokenize(const core::RequestContext& ctx, const CardDetails& card) override;
    core::Result<ProviderCharge> Charge(const core::RequestContext& ctx, std::string_view idempotency_key,
                                        int64_t amount, std::string_view currency, std::string_view card_token,
                                        std::string_view order_id) override;
    core::Result<void> Refund(const core::RequestContext& ctx, std::string_view idempotency_key,
                              std::string_view charge_id) override;

  private:
    // POSTs with the configured timeout bounded by the time `ctx` has left; kUnavailable at
    // once, sending nothing, when none is left.
    core::Result<http::ClientResponse> Post(const core::RequestContext& ctx, std::string target, std::string body,
                                            std::string_view idempotency_key);

    http::HttpClient client_;
    std::chrono::milliseconds timeout_;
};

}  // namespace emporium::payments

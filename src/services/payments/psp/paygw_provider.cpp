#include "services/payments/psp/paygw_provider.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <chrono>

#include "core/json_writer.hpp"

namespace emporium::payments {

using core::Error;
using core::Result;

namespace {

std::string StringField(const boost::json::object& object, std::string_view key) {
    const auto* value = object.if_contains(key);
    return value && value->is_string() ? std::string(value->as_string()) : std::string();
}

// The provider's {"error": {"code": ...}} code, or "" when the body says nothing.
std::string ErrorCode(const std::string& body) {
    boost::system::error_code ec;
    auto parsed = boost::json::parse(body, ec);
    if (ec || !parsed.is_object()) return {};
    const auto* error = parsed.as_object().if_contains("error");
    return error && error->is_object() ? StringField(error->as_object(), "code") : std::string();
}

Result<boost::json::object> ParseObject(const std::string& body) {
    boost::system::error_code ec;
    auto parsed = boost::json::parse(body, ec);
    if (ec || !parsed.is_object()) return Error::Unavailable("the payment provider sent an unreadable answer");
    return std::move(parsed.as_object());
}

}  // namespace

Result<http::ClientResponse> PaygwProvider::Post(const core::RequestContext& ctx, std::string target, std::string body,
                                                 std::string_view idempotency_key) {
    // The call gets the configured timeout, or less when the request's deadline is nearer.
    auto timeout = timeout_;
    if (ctx.deadline != std::chrono::steady_clock::time_point::max()) {
        auto remaining = std::chrono::ceil<std::chrono::milliseconds>(ctx.deadline - std::chrono::steady_clock::now());
        if (remaining <= std::chrono::milliseconds::zero()) return Error::Unavailable("deadline exceeded");
        timeout = std::min(timeout, remaining);
    }
    http::ClientRequest request;
    request.method = "POST";
    request.target = std::move(target);
    request.body = std::move(body);
    if (!idempotency_key.empty()) request.headers.emplace_back("Idempotency-Key", std::string(idempotency_key));
    EMPORIUM_ASSIGN_OR_RETURN(auto response, client_.Send(request, timeout));
    // 5xx, 429 and 409 (the same idempotency key still in flight) may succeed later.
    if (response.status >= 500 || response.status == 429 || response.status == 409)
        return Error::Unavailable("payment provider answered " + std::to_string(response.status));
    return response;
}

Result<CardToken> PaygwProvider::Tokenize(const core::RequestContext& ctx, const CardDetails& card) {
    std::string body;
    core::JsonWriter json(body);
    json.BeginObject()
        .Field("number", card.number)
        .Field("exp_month", card.exp_month)
        .Field("exp_year", card.exp_year)
        .Field("cvc", card.cvc)
        .EndObject();
    EMPORIUM_ASSIGN_OR_RETURN(auto response, Post(ctx, "/v1/tokens", std::move(body), ""));
    if (response.status == 402) {  // the provider's "this card cannot be used"
        std::string code = ErrorCode(response.body);
        return Error::Invalid("card", code.empty() ? "the card was refused" : code);
    }
    if (response.status != 201)
        return Error::Internal("payment provider refused the token request: " + std::to_string(response.status));
    EMPORIUM_ASSIGN_OR_RETURN(auto object, ParseObject(response.body));
    return CardToken{StringField(object, "id"), StringField(object, "last4"), StringField(object, "brand")};
}

Result<ProviderCharge> PaygwProvider::Charge(const core::RequestContext& ctx, std::string_view idempotency_key,
                                             int64_t amount, std::string_view currency, std::string_view card_token,
                                             std::string_view order_id) {
    std::string body;
    core::JsonWriter json(body);
    json.BeginObject()
        .Field("amount", amount)
        .Field("currency", currency)
        .Field("source", card_token)
        .Key("metadata")
        .BeginObject()
        .Field("order_id", order_id)
        .EndObject()
        .EndObject();
    EMPORIUM_ASSIGN_OR_RETURN(auto response, Post(ctx, "/v1/charges", std::move(body), idempotency_key));
    if (response.status == 402) {
        std::string code = ErrorCode(response.body);
        return Error::Invalid("card", code.empty() ? "the charge was refused" : code);
    }
    // Any other refusal is our mistake or the provider's (bad key, unknown token): not a
    // decline, so the order is not cancelled; the payment is retried and surfaces in logs.
    if (response.status != 201)
        return Error::Internal("payment provider refused the charge: " + std::to_string(response.status) + " " +
                               ErrorCode(response.body));
    EMPORIUM_ASSIGN_OR_RETURN(auto object, ParseObject(response.body));
    ProviderCharge charge{StringField(object, "id"), StringField(object, "status") == "succeeded",
                          StringField(object, "decline_code")};
    if (const auto* card = object.if_contains("card"); card && card->is_object()) {
        charge.card_last4 = StringField(card->as_object(), "last4");
        charge.card_brand = StringField(card->as_object(), "brand");
    }
    if (!charge.succeeded && charge.decline_code.empty()) charge.decline_code = "declined";
    return charge;
}

Result<void> PaygwProvider::Refund(const core::RequestContext& ctx, std::string_view idempotency_key,
                                   std::string_view charge_id) {
    std::string body;
    core::JsonWriter json(body);
    json.BeginObject().Field("charge", charge_id).EndObject();
    EMPORIUM_ASSIGN_OR_RETURN(auto response, Post(ctx, "/v1/refunds", std::move(body), idempotency_key));
    if (response.status != 201) return Error::Conflict("the provider refused the refund: " + ErrorCode(response.body));
    return core::Ok();
}

}  // namespace emporium::payments

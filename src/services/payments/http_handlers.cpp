#include "services/payments/http_handlers.hpp"

#include <boost/json/parse.hpp>

#include "core/json_writer.hpp"
#include "core/random.hpp"
#include "core/text.hpp"
#include "http/json_input.hpp"
#include "http/render.hpp"
#include "observability/log.hpp"
#include "services/payments/psp/paygw_signature.hpp"

namespace emporium::payments {

using http::Access;
using http::Method;
using http::Request;
using http::Response;

void WritePayment(core::JsonWriter& json, const Payment& p) {
    json.BeginObject()
        .Field("id", p.id)
        .Field("order_id", p.order_id)
        .Field("status", StatusName(p.status))
        .Key("amount")
        .BeginObject()
        .Field("amount", p.amount)
        .Field("currency", p.currency)
        .EndObject()
        .Key("card");
    if (p.card_last4.empty())
        json.Null();
    else
        json.BeginObject().Field("last4", p.card_last4).Field("brand", p.card_brand).EndObject();
    json.Key("failure_code");
    if (p.failure_code.empty())
        json.Null();
    else
        json.String(p.failure_code);
    json.Field("attempts", p.attempts)
        .Field("created_at", core::FormatRfc3339(p.created_at))
        .Field("updated_at", core::FormatRfc3339(p.updated_at))
        .EndObject();
}

namespace {

constexpr int64_t kSignatureTolerance = 300;

core::Result<PaymentMethod> ReadMethod(const Request& request) {
    EMPORIUM_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(request.body));
    http::ObjectReader reader(body);
    PaymentMethod method;
    method.card_token = reader.String("card_token");
    std::vector<core::FieldError> shape;
    if (const auto* card = reader.Object("card")) {
        http::ObjectReader fields(*card, "card");
        CardDetails details;
        auto number = fields.String("number");
        auto month = fields.Integer("exp_month");
        auto year = fields.Integer("exp_year");
        auto cvc = fields.String("cvc");
        fields.CollectErrors(shape);
        std::vector<core::FieldError> missing;
        if (!number) missing.push_back({"card.number", "is required"});
        if (!month) missing.push_back({"card.exp_month", "is required"});
        if (!year) missing.push_back({"card.exp_year", "is required"});
        if (!cvc) missing.push_back({"card.cvc", "is required"});
        if (shape.empty() && !missing.empty()) return core::Error::Invalid(std::move(missing));
        if (number && (number->size() < 12 || number->size() > 19 ||
                       number->find_first_not_of("0123456789") != std::string::npos))
            return core::Error::Invalid("card.number", "must be 12-19 digits");
        details.number = number.value_or("");
        details.exp_month = month.value_or(0);
        details.exp_year = year.value_or(0);
        details.cvc = cvc.value_or("");
        method.card = std::move(details);
    }
    reader.CollectErrors(shape);
    if (!shape.empty())
        return core::Error{core::ErrorCode::kMalformed, "The request body does not match the expected shape.",
                           std::move(shape)};
    if (method.card && method.card_token) return core::Error::Invalid("card", "give either card or card_token");
    if (!method.card && !method.card_token) return core::Error::Invalid("card", "is required (or card_token)");
    // Checked here, before a payment exists: the provider would refuse it as a decline,
    // which cancels the order.
    if (method.card_token && !core::IsVisibleAscii(*method.card_token, 255))
        return core::Error::Invalid("card_token", "must be 1-255 visible ASCII characters");
    return method;
}

Response PayWith(PaymentsService& service, Request& request, const PaymentMethod& method) {
    auto payment = service.PayOrder(request.context, request.PathParam("order_id"), method);
    int status = payment.ok() && payment->status == PaymentStatus::kProcessing ? 202 : 200;
    return http::RenderJson(payment, request, status, WritePayment, http::kPrivateNoCache);
}

// What a keyed request asks, without card data: the order, and the token or the card's
// last four digits and expiry.
std::string Fingerprint(std::string_view order_id, const PaymentMethod& method) {
    std::string what(order_id);
    if (method.card_token) {
        what += "\ntoken:" + *method.card_token;
    } else if (method.card) {
        const std::string& number = method.card->number;
        what += "\ncard:" + number.substr(number.size() - std::min<std::size_t>(4, number.size())) + ":" +
                std::to_string(number.size()) + ":" + std::to_string(method.card->exp_month) + "/" +
                std::to_string(method.card->exp_year);
    }
    return core::Sha256Hex(what);
}

Response Pay(PaymentsService& service, Request& request) {
    // One payment per order already means one charge however often the shopper clicks. A
    // request with an Idempotency-Key also gets the first answer again, byte for byte, and
    // the same key with another request is refused (API conventions).
    auto key = http::IdempotencyKeyHeader(request);
    if (!key.ok()) return http::ProblemResponse(key.error(), request.path);
    auto method = ReadMethod(request);
    if (!method.ok()) return http::ProblemResponse(method.error(), request.path);
    if (!*key) return PayWith(service, request, *method);

    std::string fingerprint = Fingerprint(request.PathParam("order_id"), *method);
    auto claim = service.ClaimKeyedRequest(request.context, **key, fingerprint);
    if (!claim.ok()) {
        Response refused = http::ProblemResponse(claim.error(), request.path);
        if (claim.error().code == core::ErrorCode::kConflict) refused.SetHeader("Retry-After", "1");
        return refused;
    }
    if (claim->status != 0) {  // answered before
        Response replay;
        replay.status = claim->status;
        replay.content_type = claim->content_type;
        replay.body = claim->body;
        replay.SetHeader("Cache-Control", http::kPrivateNoCache);
        replay.SetHeader("Idempotent-Replayed", "true");
        return replay;
    }
    Response response = PayWith(service, request, *method);
    auto finished = service.FinishKeyedRequest(
        request.context,
        KeyedRequest{**key, fingerprint, response.status, response.content_type, response.body, claim->claimed_at});
    if (!finished.ok())  // the payment stands; a repeat within a minute is told to retry
        observability::LogWarn("keyed_request_not_recorded", [&](core::JsonWriter& json) {
            json.Field("order_id", request.PathParam("order_id")).Field("error", finished.error().message);
        });
    return response;
}

Response Webhook(PaymentsService& service, const std::string& secret, const core::Clock& clock, Request& request) {
    if (secret.empty() || !VerifyWebhook(secret, request.Header("paygw-signature"), request.body, clock.NowSeconds(),
                                         kSignatureTolerance))
        return http::ProblemResponse(core::Error::Unauthenticated("The webhook signature is missing or invalid."),
                                     request.path);
    auto body = http::ParseJsonObject(request.body);
    if (!body.ok()) return http::ProblemResponse(body.error(), request.path);
    std::string type, order_id, charge_id;
    if (const auto* value = body->if_contains("type"); value && value->is_string()) type = value->as_string();
    if (const auto* data = body->if_contains("data"); data && data->is_object()) {
        if (const auto* id = data->as_object().if_contains("id"); id && id->is_string() && type.starts_with("charge."))
            charge_id = id->as_string();
        if (const auto* metadata = data->as_object().if_contains("metadata"); metadata && metadata->is_object()) {
            if (const auto* id = metadata->as_object().if_contains("order_id"); id && id->is_string())
                order_id = id->as_string();
        }
    }
    if (type.empty()) return http::ProblemResponse(core::Error::Malformed("The event has no type."), request.path);
    if (!order_id.empty()) {
        auto handled = service.OnProviderEvent(request.context, type, order_id, charge_id);
        if (!handled.ok()) return http::ProblemResponse(handled.error(), request.path);
    }
    return Response::NoContent();
}

}  // namespace

void RegisterPaymentsRoutes(http::Router& router, PaymentsService& service, std::string webhook_secret,
                            const core::Clock& clock) {
    PaymentsService* s = &service;
    router.Add(Method::kPost, "/api/v1/orders/{order_id}/payment", Access::kUser,
               [s](Request& r) { return Pay(*s, r); });
    router.Add(Method::kGet, "/api/v1/orders/{order_id}/payment", Access::kUser, [s](Request& r) {
        return http::RenderJson(s->GetPayment(r.context, r.PathParam("order_id")), r, 200, WritePayment,
                                http::kPrivateNoCache);
    });
    router.Add(Method::kPost, "/api/v1/webhooks/paygw", Access::kPublic,
               [s, secret = std::move(webhook_secret), &clock](Request& r) { return Webhook(*s, secret, clock, r); });
}

}  // namespace emporium::payments

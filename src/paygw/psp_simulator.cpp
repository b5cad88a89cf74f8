#include "paygw/psp_simulator.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <random>

#include "core/clock.hpp"
#include "core/json_writer.hpp"
#include "core/random.hpp"
#include "http/client.hpp"
#include "http/json_input.hpp"
#include "http/problem.hpp"
#include "observability/log.hpp"
#include "runtime/thread_name.hpp"
#include "services/payments/psp/paygw_signature.hpp"

namespace emporium::paygw {

using http::Access;
using http::Method;
using http::Request;
using http::Response;

namespace {

Response Error(int status, std::string_view code, std::string_view message) {
    std::string body;
    core::JsonWriter json(body);
    json.BeginObject().Key("error").BeginObject().Field("code", code).Field("message", message).EndObject().EndObject();
    return Response::Json(status, std::move(body));
}

bool LuhnValid(std::string_view number) {
    if (number.size() < 12 || number.size() > 19) return false;
    int sum = 0;
    bool twice = false;
    for (auto it = number.rbegin(); it != number.rend(); ++it) {
        if (*it < '0' || *it > '9') return false;
        int digit = *it - '0';
        if (twice) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
        sum += digit;
        twice = !twice;
    }
    return sum % 10 == 0;
}

int64_t Now() { return core::SystemClock().NowSeconds(); }

double Uniform() {
    thread_local std::mt19937_64 random{std::random_device{}()};
    return std::uniform_real_distribution<double>(0, 1)(random);
}

}  // namespace

PspSimulator::PspSimulator(SimulatorOptions options)
    : options_(std::move(options)), webhook_thread_([this] { WebhookLoop(); }) {}

PspSimulator::~PspSimulator() {
    {
        std::lock_guard lock(webhook_mutex_);
        stopping_ = true;
    }
    webhook_wakeup_.notify_all();
    webhook_thread_.join();
}

std::optional<Response> PspSimulator::Misbehave() {
    SimulatorSettings settings;
    {
        std::lock_guard lock(mutex_);
        settings = settings_;
    }
    int delay = settings.latency_ms +
                (settings.latency_jitter_ms > 0 ? static_cast<int>(Uniform() * settings.latency_jitter_ms) : 0);
    if (delay > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    if (settings.hang_rate > 0 && Uniform() < settings.hang_rate) {
        std::this_thread::sleep_for(std::chrono::milliseconds(settings.hang_ms));
        return Error(503, "unavailable", "The provider hung (simulated).");
    }
    if (settings.error_rate > 0 && Uniform() < settings.error_rate)
        return Error(503, "unavailable", "The provider is unavailable (simulated).");
    return std::nullopt;
}

namespace {
std::string LastFour(std::string_view number) { return std::string(number.substr(number.size() - 4)); }
std::string BrandOf(std::string_view number) {
    return number[0] == '4' ? "visa" : number[0] == '5' ? "mastercard" : "card";
}
}  // namespace

std::string PspSimulator::ChargeJson(const Charge& c) const {
    std::string body;
    core::JsonWriter json(body);
    json.BeginObject()
        .Field("id", c.id)
        .Field("object", "charge")
        .Field("status", c.status)
        .Field("amount", c.amount)
        .Field("amount_refunded", c.refunded)
        .Field("currency", c.currency)
        .Field("source", c.token)
        .Key("decline_code");
    if (c.decline_code.empty())
        json.Null();
    else
        json.String(c.decline_code);
    json.Key("card")  // what the shop may show of the card charged (a token says nothing)
        .BeginObject()
        .Field("last4", c.card_last4)
        .Field("brand", c.card_brand)
        .EndObject()
        .Key("metadata")
        .BeginObject()
        .Field("order_id", c.order_id)
        .EndObject()
        .Field("created", c.created)
        .EndObject();
    return body;
}

Response PspSimulator::Tokenize(Request& request) {
    // No Misbehave() here: the card vault stays up when the charging API fails (as the
    // browser-side tokenisation of real providers does), so a shop can always exchange a
    // card number for a token and retry the charge later without ever storing the number.
    auto body = http::ParseJsonObject(request.body);
    if (!body.ok()) return Error(400, "invalid_request", body.error().message);
    http::ObjectReader reader(*body);
    auto number = reader.String("number");
    auto month = reader.Integer("exp_month");
    auto year = reader.Integer("exp_year");
    auto cvc = reader.String("cvc");
    if (!reader.Finish().ok() || !number || !month || !year || !cvc)
        return Error(400, "invalid_request", "number, exp_month, exp_year and cvc are required");
    if (!LuhnValid(*number)) return Error(402, "invalid_number", "The card number is not valid.");
    if (*month < 1 || *month > 12 || *year < 2000 || *year > 2100) return Error(402, "invalid_expiry", "Bad expiry.");
    std::string expiry = std::to_string(*year) + (*month < 10 ? "-0" : "-") + std::to_string(*month);
    if (expiry < core::FormatRfc3339(Now()).substr(0, 7)) return Error(402, "expired_card", "The card has expired.");
    if (cvc->size() < 3 || cvc->size() > 4) return Error(402, "invalid_cvc", "The CVC is not valid.");
    std::string token = core::NewId("tok");
    {
        std::lock_guard lock(mutex_);
        token_cards_[token] = *number;
    }
    std::string out;
    core::JsonWriter json(out);
    json.BeginObject()
        .Field("id", token)
        .Field("object", "token")
        .Field("last4", LastFour(*number))
        .Field("brand", BrandOf(*number))
        .EndObject();
    return Response::Json(201, std::move(out));
}

Response PspSimulator::CreateCharge(Request& request) {
    std::string key(request.Header("idempotency-key"));
    if (key.empty()) return Error(400, "invalid_request", "Idempotency-Key is required.");
    if (auto bad = Misbehave()) return *bad;
    auto body = http::ParseJsonObject(request.body);
    if (!body.ok()) return Error(400, "invalid_request", body.error().message);
    http::ObjectReader reader(*body);
    auto amount = reader.Integer("amount");
    auto currency = reader.String("currency");
    auto source = reader.String("source");
    std::string order_id;
    if (const auto* metadata = reader.Object("metadata")) {
        if (const auto* id = metadata->if_contains("order_id"); id && id->is_string()) order_id = id->as_string();
    }
    if (!reader.Finish().ok() || !amount || !currency || !source || *amount <= 0)
        return Error(400, "invalid_request", "amount (> 0), currency and source are required");
    std::lock_guard lock(mutex_);
    ++charge_requests_;
    if (auto existing = charge_by_key_.find(key); existing != charge_by_key_.end()) {
        Response replay = Response::Json(201, ChargeJson(charges_.at(existing->second)));
        replay.SetHeader("Idempotent-Replayed", "true");
        return replay;
    }
    auto card = token_cards_.find(*source);
    if (card == token_cards_.end()) return Error(402, "invalid_source", "Unknown card token.");
    if (card->second == "4000000000000119") return Error(500, "processing_error", "Processing error (simulated).");
    Charge charge;
    charge.id = core::NewId("ch");
    charge.amount = *amount;
    charge.currency = *currency;
    charge.token = *source;
    charge.order_id = order_id;
    charge.card_last4 = LastFour(card->second);
    charge.card_brand = BrandOf(card->second);
    charge.created = Now();
    if (card->second == "4000000000000002") {
        charge.status = "failed";
        charge.decline_code = "card_declined";
    } else if (card->second == "4000000000009995") {
        charge.status = "failed";
        charge.decline_code = "insufficient_funds";
    } else {
        charge.status = "succeeded";
    }
    charges_[charge.id] = charge;
    charge_by_key_[key] = charge.id;
    std::string json = ChargeJson(charge);
    QueueWebhook(charge.status == "succeeded" ? "charge.succeeded" : "charge.failed", json);
    return Response::Json(201, std::move(json));
}

Response PspSimulator::GetCharge(Request& request) {
    std::lock_guard lock(mutex_);
    auto found = charges_.find(std::string(request.PathParam("charge_id")));
    if (found == charges_.end()) return Error(404, "not_found", "No such charge.");
    return Response::Json(200, ChargeJson(found->second));
}

Response PspSimulator::CreateRefund(Request& request) {
    std::string key(request.Header("idempotency-key"));
    if (key.empty()) return Error(400, "invalid_request", "Idempotency-Key is required.");
    if (auto bad = Misbehave()) return *bad;
    auto body = http::ParseJsonObject(request.body);
    if (!body.ok()) return Error(400, "invalid_request", body.error().message);
    http::ObjectReader reader(*body);
    auto charge_id = reader.String("charge");
    auto amount = reader.Integer("amount");
    if (!reader.Finish().ok() || !charge_id) return Error(400, "invalid_request", "charge is required");
    std::lock_guard lock(mutex_);
    if (auto existing = refund_by_key_.find(key); existing != refund_by_key_.end())
        return Response::Json(201, existing->second);
    auto found = charges_.find(*charge_id);
    if (found == charges_.end()) return Error(404, "not_found", "No such charge.");
    Charge& charge = found->second;
    int64_t value = amount.value_or(charge.amount - charge.refunded);
    if (charge.status != "succeeded" || value <= 0 || charge.refunded + value > charge.amount)
        return Error(400, "invalid_refund", "Nothing to refund.");
    charge.refunded += value;
    std::string out;
    core::JsonWriter json(out);
    json.BeginObject()
        .Field("id", core::NewId("re"))
        .Field("object", "refund")
        .Field("status", "succeeded")
        .Field("charge", charge.id)
        .Field("amount", value)
        .EndObject();
    refund_by_key_[key] = out;
    QueueWebhook("refund.succeeded", out);
    return Response::Json(201, std::move(out));
}

Response PspSimulator::Stats(Request&) {
    std::lock_guard lock(mutex_);
    int64_t succeeded = 0;
    for (const auto& [id, charge] : charges_) succeeded += charge.status == "succeeded" ? 1 : 0;
    std::string out;
    core::JsonWriter json(out);
    json.BeginObject()
        .Field("charge_requests", charge_requests_)
        .Field("charges", static_cast<int64_t>(charges_.size()))
        .Field("charges_succeeded", succeeded)
        .EndObject();
    return Response::Json(200, std::move(out));
}

Response PspSimulator::GetSettings(Request&) {
    std::lock_guard lock(mutex_);
    std::string out;
    core::JsonWriter json(out);
    json.BeginObject()
        .Field("latency_ms", settings_.latency_ms)
        .Field("latency_jitter_ms", settings_.latency_jitter_ms)
        .Key("error_rate")
        .Raw(std::to_string(settings_.error_rate))
        .Key("hang_rate")
        .Raw(std::to_string(settings_.hang_rate))
        .Field("hang_ms", settings_.hang_ms)
        .EndObject();
    return Response::Json(200, std::move(out));
}

Response PspSimulator::PutSettings(Request& request) {
    auto body = http::ParseJsonObject(request.body);
    if (!body.ok()) return Error(400, "invalid_request", body.error().message);
    {
        std::lock_guard lock(mutex_);
        for (const auto& [key, value] : *body) {
            auto number = value.is_double()  ? value.as_double()
                          : value.is_int64() ? static_cast<double>(value.as_int64())
                                             : -1.0;
            if (number < 0) return Error(400, "invalid_request", "settings are non-negative numbers");
            if (key == "latency_ms")
                settings_.latency_ms = static_cast<int>(number);
            else if (key == "latency_jitter_ms")
                settings_.latency_jitter_ms = static_cast<int>(number);
            else if (key == "error_rate")
                settings_.error_rate = std::min(1.0, number);
            else if (key == "hang_rate")
                settings_.hang_rate = std::min(1.0, number);
            else if (key == "hang_ms")
                settings_.hang_ms = static_cast<int>(number);
            else
                return Error(400, "invalid_request", "unknown setting " + std::string(key));
        }
    }
    return GetSettings(request);
}

void PspSimulator::QueueWebhook(const std::string& type, const std::string& data_json) {
    if (options_.webhook_url.empty()) return;
    std::string event;
    core::JsonWriter json(event);
    json.BeginObject().Field("id", core::NewId("evt")).Field("type", type).Key("data").Raw(data_json).EndObject();
    {
        std::lock_guard lock(webhook_mutex_);
        webhooks_.push_back(std::move(event));
    }
    webhook_wakeup_.notify_one();
}

void PspSimulator::WebhookLoop() {
    runtime::NameThisThread("paygw-webhook");
    auto client = http::HttpClient::Create(options_.webhook_url);
    while (true) {
        std::string event;
        {
            std::unique_lock lock(webhook_mutex_);
            webhook_wakeup_.wait(lock, [&] { return stopping_ || !webhooks_.empty(); });
            if (stopping_) return;
            event = std::move(webhooks_.front());
            webhooks_.pop_front();
        }
        if (!client.ok()) continue;
        // Up to 6 attempts over about 6 s, 200 ms doubling: a real provider's retry schedule
        // (hours, days) shortened.
        for (int attempt = 0; attempt < 6; ++attempt) {
            http::ClientRequest request{
                "POST",
                "/api/v1/webhooks/paygw",
                {{"Paygw-Signature", payments::SignWebhook(options_.webhook_secret, Now(), event)}},
                event};
            auto sent = client->Send(request, std::chrono::seconds(2));
            if (sent.ok() && sent->status < 300) break;
            std::unique_lock lock(webhook_mutex_);  // a pause that shutdown cuts short
            if (webhook_wakeup_.wait_for(lock, std::chrono::milliseconds(200 << attempt), [&] { return stopping_; }))
                return;
        }
    }
}

void PspSimulator::RegisterRoutes(http::Router& router) {
    router.Add(
        Method::kGet, "/health/live", Access::kPublic,
        [](Request&) { return Response::Json(200, "{\"status\":\"ok\"}"); }, http::Execution::kInline);
    router.Add(Method::kPost, "/v1/tokens", Access::kPublic, [this](Request& r) { return Tokenize(r); });
    router.Add(Method::kPost, "/v1/charges", Access::kPublic, [this](Request& r) { return CreateCharge(r); });
    router.Add(Method::kGet, "/v1/charges/{charge_id}", Access::kPublic, [this](Request& r) { return GetCharge(r); });
    router.Add(Method::kPost, "/v1/refunds", Access::kPublic, [this](Request& r) { return CreateRefund(r); });
    router.Add(Method::kGet, "/admin/stats", Access::kPublic, [this](Request& r) { return Stats(r); });
    router.Add(Method::kGet, "/admin/settings", Access::kPublic, [this](Request& r) { return GetSettings(r); });
    router.Add(Method::kPut, "/admin/settings", Access::kPublic, [this](Request& r) { return PutSettings(r); });
}

}  // namespace emporium::paygw

#include "gateway/gateway.hpp"

#include <cmath>

#include "core/clock.hpp"
#include "core/json_writer.hpp"
#include "core/text.hpp"
#include "http/problem.hpp"
#include "http/session_cookie.hpp"
#include "observability/log.hpp"

namespace emporium::gateway {

namespace {

std::size_t Index(RouteClass route_class) { return static_cast<std::size_t>(route_class); }

// The client behind a chain of trusted proxies: X-Forwarded-For read from the right,
// skipping the proxies we trust; what the peer says about anyone further left is believed
// only as far as the first address we do not trust.
std::string ClientAddressOf(const http::Request& request, const http::IpNetworks& trusted_proxies) {
    const std::string& peer = request.remote_address;
    if (trusted_proxies.empty() || !trusted_proxies.Contains(peer)) return peer;
    std::string_view forwarded = request.Header("x-forwarded-for");
    std::string client = peer;
    while (!forwarded.empty()) {
        auto comma = forwarded.rfind(',');
        std::string_view hop = core::Trim(comma == std::string_view::npos ? forwarded : forwarded.substr(comma + 1));
        forwarded = comma == std::string_view::npos ? std::string_view() : forwarded.substr(0, comma);
        boost::system::error_code ec;
        auto address = boost::asio::ip::make_address(hop, ec);
        if (ec) break;  // not an address: trust nothing further left
        client = address.to_string();
        if (!trusted_proxies.Contains(address)) break;
    }
    return client;
}

int64_t CeilSeconds(std::chrono::milliseconds ms) { return (ms.count() + 999) / 1000; }

}  // namespace

Gateway::Gateway(GatewaySettings settings, const http::Router& router, resilience::RateLimitStore& store)
    : settings_(std::move(settings)), store_(store), shedder_(settings_.shedder) {
    for (const auto& route : router.routes()) classes_[route.get()] = ClassifyRoute(route->method, route->pattern);
}

RouteClass Gateway::ClassOf(const http::Route& route) const {
    auto found = classes_.find(&route);
    return found == classes_.end() ? RouteClass::kBrowse : found->second;
}

std::optional<http::Response> Gateway::OnArrival(const http::Route& route, http::Request& request) {
    request.context.client_address = ClientAddressOf(request, settings_.trusted_proxies);
    RouteClass route_class = ClassOf(route);
    if (route_class == RouteClass::kSystem) return std::nullopt;
    auto budget = std::chrono::steady_clock::now() + settings_.classes[Index(route_class)].deadline;
    request.context.deadline = std::min(request.context.deadline, budget);
    if (!settings_.rate_limits || settings_.exempt_networks.Contains(request.context.client_address))
        return std::nullopt;
    // A signed-in caller's bucket is the user's, known only after authentication; a public
    // route ignores any token, so its bucket is the address's.
    bool by_user = route.access != http::Access::kPublic && (!request.Header("authorization").empty() ||
                                                             !http::CookieValue(request, http::kSessionCookie).empty());
    if (by_user || !settings_.local_store) {
        request.rate_check_pending = true;
        return std::nullopt;
    }
    return TakeToken(route_class, request, "ip:" + request.context.client_address);
}

std::optional<http::Response> Gateway::OnAuthenticated(const http::Route& route, http::Request& request) {
    if (!request.rate_check_pending) return std::nullopt;
    request.rate_check_pending = false;
    const auto& principal = request.context.principal;
    return TakeToken(ClassOf(route), request,
                     principal ? "user:" + principal->user_id : "ip:" + request.context.client_address);
}

// A signed-in route whose token fails was owed a user's bucket; it takes the address's
// instead (the bucket of its class that anonymous calls share), so a script trying tokens
// is limited like any anonymous caller and gets 429 once the bucket is empty. The refusal
// is charged after the token's look-up: tokens are unguessable, so what this bounds is
// the rate of calls, not the odds of a guess.
http::Response Gateway::OnAuthenticationFailed(const http::Route& route, http::Request& request,
                                               http::Response refusal) {
    if (!request.rate_check_pending) return refusal;
    request.rate_check_pending = false;
    auto limited = TakeToken(ClassOf(route), request, "ip:" + request.context.client_address);
    return limited ? std::move(*limited) : std::move(refusal);
}

std::optional<http::Response> Gateway::TakeToken(RouteClass route_class, http::Request& request, std::string key) {
    const auto& limit = settings_.classes[Index(route_class)].rate;
    std::string_view name = RouteClassName(route_class);
    key = std::string(name) + ":" + key;
    auto decision = store_.TakeToken(request.context, key, limit, core::UnixMillisNow());
    if (!decision.ok()) {
        // Open on failure: a counter store away must not close the shop.
        counters_[Index(route_class)].store_failures.Add();
        return std::nullopt;
    }
    int64_t window = static_cast<int64_t>(std::ceil(static_cast<double>(limit.burst) / limit.per_second));
    request.response_headers.emplace_back(
        "RateLimit-Policy",
        "\"" + std::string(name) + "\";q=" + std::to_string(limit.burst) + ";w=" + std::to_string(window));
    request.response_headers.emplace_back("RateLimit", "\"" + std::string(name) +
                                                           "\";r=" + std::to_string(decision->remaining) +
                                                           ";t=" + std::to_string(CeilSeconds(decision->full_after)));
    if (decision->allowed) return std::nullopt;
    counters_[Index(route_class)].limited.Add();
    auto retry_after = std::chrono::seconds(std::max<int64_t>(1, CeilSeconds(decision->retry_after)));
    http::Response response =
        http::ProblemResponse(core::Error::TooManyRequests("Too many " + std::string(name) + " requests; retry after " +
                                                               std::to_string(retry_after.count()) + " s.",
                                                           retry_after),
                              request.path);
    return response;
}

bool Gateway::Admit(const http::Route& route, http::Request&) {
    RouteClass route_class = ClassOf(route);
    if (!settings_.load_shedding || route_class == RouteClass::kSystem) return true;
    return shedder_.Admit(Index(route_class));
}

http::Response Gateway::Shed(const http::Route& route, const http::Request& request) {
    core::Error error = core::Error::Unavailable(
        "The server is over capacity for " + std::string(RouteClassName(ClassOf(route))) + " requests; retry shortly.");
    error.retry_after = settings_.shed_retry_after;
    return http::ProblemResponse(error, request.path);
}

void Gateway::Finish(const http::Route& route, const http::Request&, std::chrono::nanoseconds queue_delay,
                     std::chrono::nanoseconds service_time, bool overloaded) {
    RouteClass route_class = ClassOf(route);
    if (!settings_.load_shedding || route_class == RouteClass::kSystem) return;
    shedder_.Finish(Index(route_class), queue_delay, service_time, overloaded);
}

void Gateway::RenderMetrics(std::string& out) const {
    using observability::AppendFamilyHeader;
    using observability::AppendSample;
    auto stats = shedder_.stats();
    auto per_class = [&](std::string_view family, std::string_view type, std::string_view help, auto value) {
        AppendFamilyHeader(out, family, type, help);
        for (RouteClass route_class : kRouteClasses) {
            if (route_class == RouteClass::kSystem) continue;
            AppendSample(out, family, "class=\"" + std::string(RouteClassName(route_class)) + "\"",
                         static_cast<int64_t>(value(Index(route_class))));
        }
    };
    per_class("emporium_gateway_rate_limited_total", "counter", "Requests refused 429 by a rate limit, by route class.",
              [&](std::size_t i) { return counters_[i].limited.Value(); });
    per_class("emporium_gateway_rate_limit_store_failures_total", "counter",
              "Rate-limit checks skipped because the counter store failed (the request went through).",
              [&](std::size_t i) { return counters_[i].store_failures.Value(); });
    per_class("emporium_gateway_admitted_total", "counter", "Requests admitted to blocking work, by route class.",
              [&](std::size_t i) { return stats.admitted[i]; });
    per_class("emporium_gateway_shed_total", "counter", "Requests shed 503 by the load shedder, by route class.",
              [&](std::size_t i) { return stats.shed[i]; });
    AppendFamilyHeader(out, "emporium_gateway_concurrency_limit", "gauge",
                       "The adaptive limit on requests in blocking work at once.");
    AppendSample(out, "emporium_gateway_concurrency_limit", "", static_cast<int64_t>(stats.limit));
    AppendFamilyHeader(out, "emporium_gateway_in_flight", "gauge", "Requests admitted and not yet finished.");
    AppendSample(out, "emporium_gateway_in_flight", "", static_cast<int64_t>(stats.in_flight));
}

// Writes into the object the resilience registry has opened.
void Gateway::WriteState(core::JsonWriter& json) const {
    auto stats = shedder_.stats();
    json.Field("rate_limits", settings_.rate_limits);
    json.Key("load_shedder").BeginObject();
    json.Field("enabled", settings_.load_shedding)
        .Field("limit", stats.limit)
        .Field("in_flight", stats.in_flight)
        .Key("min_queue_delay_ms")
        .Raw(resilience::JsonNumber(stats.last_min_queue_delay_ms))
        .Key("slowdown")
        .Raw(resilience::JsonNumber(stats.last_slowdown));
    json.EndObject();
    json.Key("classes").BeginArray();
    for (RouteClass route_class : kRouteClasses) {
        if (route_class == RouteClass::kSystem) continue;
        std::size_t i = Index(route_class);
        const auto& policy = settings_.classes[i];
        json.BeginObject()
            .Field("class", RouteClassName(route_class))
            .Field("priority", static_cast<int64_t>(i))
            .Key("rate_per_second")
            .Raw(resilience::JsonNumber(policy.rate.per_second))
            .Field("burst", policy.rate.burst)
            .Field("deadline_ms", static_cast<int64_t>(policy.deadline.count()))
            .Field("admitted", static_cast<int64_t>(stats.admitted[i]))
            .Field("shed", static_cast<int64_t>(stats.shed[i]))
            .Field("rate_limited", static_cast<int64_t>(counters_[i].limited.Value()))
            .EndObject();
    }
    json.EndArray();
}

class Gateway::Component final : public resilience::Component {
  public:
    explicit Component(const Gateway& gateway) : gateway_(gateway) {}
    std::string_view kind() const override { return "gateway"; }
    std::string_view name() const override { return "gateway"; }
    void WriteState(core::JsonWriter& json) const override { gateway_.WriteState(json); }
    // The gateway's own families (emporium_gateway_*) are in /metrics already.
    void AppendSamples(std::vector<resilience::MetricSample>&) const override {}

  private:
    const Gateway& gateway_;
};

std::unique_ptr<resilience::Component> Gateway::AsComponent() const { return std::make_unique<Component>(*this); }

}  // namespace emporium::gateway

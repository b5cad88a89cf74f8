#include "console/system_summary.hpp"

#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>

#include "core/json_writer.hpp"
#include "http/render.hpp"

namespace emporium::console {

namespace {

using Clock = std::chrono::steady_clock;

// Snapshots kept: one a second for the ~10 s the rates are taken over.
constexpr std::size_t kKeep = 12;
constexpr auto kWindow = std::chrono::milliseconds(10'500);
// A component answering more than this share of 5xx is degraded; all of them (with enough
// requests to tell), down.
constexpr double kDegradedErrorRate = 0.05;
constexpr double kMinRequestsForDown = 5;

// The services in the order the console shows them, and the group of a route pattern.
constexpr std::string_view kServices[] = {"users",    "catalog",  "search",          "cart", "inventory", "orders",
                                          "payments", "shipping", "recommendations", "admin"};

std::string_view GroupOf(std::string_view route) {
    auto under = [&](std::string_view prefix) { return route.starts_with(prefix); };
    if (under("/api/v1/admin/inventory")) return "inventory";
    if (under("/api/v1/admin/shipments")) return "shipping";
    if (under("/api/v1/admin/products") || under("/api/v1/admin/categories")) return "catalog";
    if (under("/api/v1/admin/")) return "admin";
    if (under("/api/v1/products") || under("/api/v1/categories")) return "catalog";
    if (under("/api/v1/search")) return "search";
    if (under("/api/v1/cart")) return "cart";
    if (under("/api/v1/users") || under("/api/v1/sessions")) return "users";
    if (route.ends_with("/payment") || under("/api/v1/webhooks")) return "payments";
    if (route.ends_with("/tracking")) return "shipping";
    if (under("/api/v1/orders")) return "orders";
    if (under("/api/v1/recommendations") || under("/api/v1/home")) return "recommendations";
    return "";
}

// One sample line of the Prometheus text format: name{labels} value.
struct Sample {
    std::string_view name;
    std::string_view labels;
    double value = 0;
};

std::optional<Sample> ParseSample(std::string_view line) {
    if (line.empty() || line.front() == '#') return std::nullopt;
    Sample sample;
    std::size_t name_end = line.find_first_of("{ ");
    if (name_end == std::string_view::npos) return std::nullopt;
    sample.name = line.substr(0, name_end);
    std::size_t value_at = name_end;
    if (line[name_end] == '{') {
        std::size_t close = line.rfind('}');
        if (close == std::string_view::npos || close < name_end) return std::nullopt;
        sample.labels = line.substr(name_end + 1, close - name_end - 1);
        value_at = close + 1;
    }
    std::string_view value = line.substr(value_at);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (value == "+Inf") {
        sample.value = INFINITY;
        return sample;
    }
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), sample.value);
    if (error != std::errc()) return std::nullopt;
    return sample;
}

// The value of label `key` (values are escaped, never contain `"` unescaped).
std::string_view Label(std::string_view labels, std::string_view key) {
    std::string needle = std::string(key) + "=\"";
    std::size_t at = 0;
    while ((at = labels.find(needle, at)) != std::string_view::npos) {
        if (at == 0 || labels[at - 1] == ',') {
            std::size_t begin = at + needle.size();
            std::size_t end = labels.find('"', begin);
            if (end == std::string_view::npos) return {};
            return labels.substr(begin, end - begin);
        }
        at += needle.size();
    }
    return {};
}

double ParseDouble(std::string_view text) {
    if (text == "+Inf") return INFINITY;
    double value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
}

// Counters over the window: the newest minus the oldest snapshot.
struct Window {
    double seconds = 0;
    const SystemSummary::Snapshot* oldest = nullptr;
    const SystemSummary::Snapshot* newest = nullptr;
};

struct Rates {
    std::optional<double> requests_per_second, error_rate, p99_ms;
    double requests = 0;
};

Rates RatesOf(const Window& window, const std::string& group) {
    Rates rates;
    if (!window.oldest) return rates;
    static const SystemSummary::Traffic kNone;
    auto find = [&](const SystemSummary::Snapshot& s) -> const SystemSummary::Traffic& {
        auto it = s.traffic.find(group);
        return it == s.traffic.end() ? kNone : it->second;
    };
    const auto& before = find(*window.oldest);
    const auto& after = find(*window.newest);
    double requests = std::max(0.0, after.requests - before.requests);
    double errors = std::max(0.0, after.errors - before.errors);
    rates.requests = requests;
    rates.requests_per_second = requests / window.seconds;
    if (requests > 0) rates.error_rate = errors / requests;
    // The p99 is the upper bound of the bucket holding the 99th percentile of the window's
    // requests (the histogram's resolution: 100 µs … 10 s).
    double observed = 0;
    for (const auto& [le, count] : after.buckets) {
        auto was = before.buckets.find(le);
        double delta = count - (was == before.buckets.end() ? 0 : was->second);
        if (std::isinf(le)) observed = delta;
    }
    if (observed > 0) {
        for (const auto& [le, count] : after.buckets) {
            auto was = before.buckets.find(le);
            double delta = count - (was == before.buckets.end() ? 0 : was->second);
            if (delta >= 0.99 * observed) {
                rates.p99_ms = std::isinf(le) ? 10'000.0 : le * 1000.0;
                break;
            }
        }
    }
    return rates;
}

std::string_view TrafficStatus(const Rates& rates) {
    if (!rates.error_rate) return "ok";
    if (*rates.error_rate >= 1.0 && rates.requests >= kMinRequestsForDown) return "down";
    if (*rates.error_rate > kDegradedErrorRate) return "degraded";
    return "ok";
}

void WriteNumber(core::JsonWriter& json, std::string_view key, std::optional<double> value, double scale = 1000) {
    json.Key(key);
    if (!value || !std::isfinite(*value))
        json.Null();
    else
        json.Raw(resilience::JsonNumber(std::round(*value * scale) / scale));
}

void WriteTraffic(core::JsonWriter& json, const Rates& rates) {
    WriteNumber(json, "requests_per_second", rates.requests_per_second, 100);
    WriteNumber(json, "error_rate", rates.error_rate, 10'000);
    WriteNumber(json, "p99_ms", rates.p99_ms, 1000);
}

std::string_view Worst(std::string_view a, std::string_view b) {
    if (a == "down" || b == "down") return "down";
    if (a == "degraded" || b == "degraded") return "degraded";
    return "ok";
}

std::optional<double> Gauge(const SystemSummary::Snapshot& s, const std::string& family) {
    auto it = s.gauges.find(family);
    if (it == s.gauges.end()) return std::nullopt;
    return it->second;
}

}  // namespace

SystemSummary::Snapshot SystemSummary::Take() const {
    static const std::string kGauges[] = {
        "emporium_blocking_pool_threads",
        "emporium_blocking_pool_busy_threads",
        "emporium_blocking_pool_queued_jobs",
        "emporium_blocking_pool_rejected_total",
        "emporium_http_requests_in_flight",
        "emporium_gateway_in_flight",
        "emporium_gateway_concurrency_limit",
        "emporium_bus_relay_pending_events",
        "emporium_bus_relay_lag_seconds",
        "emporium_bus_broker_up",
        "emporium_search_index_lag_seconds",
        "emporium_search_index_failures_total",
        "emporium_redis_up",
        "emporium_session_cache_entries",
    };
    Snapshot snapshot;
    snapshot.at = Clock::now();
    std::string text = sources_.metrics.Render();
    std::string_view rest = text;
    while (!rest.empty()) {
        std::size_t newline = rest.find('\n');
        std::string_view line = rest.substr(0, newline);
        rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
        auto sample = ParseSample(line);
        if (!sample) continue;
        if (sample->name == "emporium_http_requests_total") {
            std::string_view group = GroupOf(Label(sample->labels, "route"));
            bool error = Label(sample->labels, "status").starts_with('5');
            for (std::string_view name : {std::string_view("gateway"), group}) {
                if (name.empty()) continue;
                Traffic& traffic = snapshot.traffic[std::string(name)];
                traffic.requests += sample->value;
                if (error) traffic.errors += sample->value;
            }
        } else if (sample->name == "emporium_http_request_duration_seconds_bucket") {
            std::string_view group = GroupOf(Label(sample->labels, "route"));
            double le = ParseDouble(Label(sample->labels, "le"));
            for (std::string_view name : {std::string_view("gateway"), group})
                if (!name.empty()) snapshot.traffic[std::string(name)].buckets[le] += sample->value;
        } else if (sample->name == "emporium_cache_hits_total" || sample->name == "emporium_cache_misses_total") {
            if (Label(sample->labels, "cache") == "pages") snapshot.gauges[std::string(sample->name)] += sample->value;
        } else {
            for (const auto& family : kGauges)
                if (sample->name == family) snapshot.gauges[family] += sample->value;
        }
    }
    return snapshot;
}

void SystemSummary::Sample() {
    Snapshot snapshot = Take();
    std::lock_guard lock(mutex_);
    history_.push_back(std::move(snapshot));
    while (history_.size() > kKeep) history_.pop_front();
}

std::string SystemSummary::RenderJson() {
    Snapshot now = Take();
    Snapshot oldest;
    bool have_window = false;
    {
        std::lock_guard lock(mutex_);
        for (const auto& snapshot : history_) {
            auto age = now.at - snapshot.at;
            if (age <= kWindow && age >= std::chrono::milliseconds(500)) {
                oldest = snapshot;
                have_window = true;
                break;
            }
        }
    }
    Window window;
    if (have_window) {
        window.oldest = &oldest;
        window.newest = &now;
        window.seconds = std::chrono::duration<double>(now.at - oldest.at).count();
    }

    // Circuit breakers and bulkheads, as the resilience view shows them.
    boost::json::value resilience = boost::json::parse(sources_.resilience.RenderJson());
    std::vector<std::pair<std::string, std::string>> breakers;  // name → state
    for (const auto& component : resilience.at("components").as_array()) {
        const auto& object = component.as_object();
        if (object.at("kind").as_string() != "circuit_breaker") continue;
        const auto* state = object.if_contains("state");
        breakers.emplace_back(std::string(object.at("name").as_string()),
                              state && state->is_string() ? std::string(state->as_string()) : "unknown");
    }
    auto health = sources_.health.Run();
    auto check = [&](auto matches) -> std::optional<bool> {  // nullopt: no such check here
        std::optional<bool> passed;
        for (const auto& outcome : health)
            if (matches(outcome.name)) passed = passed.value_or(true) && outcome.passed;
        return passed;
    };

    std::string out;
    core::JsonWriter json(out);
    json.BeginObject().Field("generated_at", core::FormatRfc3339(sources_.clock.NowSeconds())).Key("window_seconds");
    if (have_window)
        json.Raw(resilience::JsonNumber(std::round(window.seconds * 10) / 10));
    else
        json.Null();
    json.Key("components").BeginArray();

    Rates gateway = RatesOf(window, "gateway");
    std::string_view gateway_status = TrafficStatus(gateway);
    auto in_flight = Gauge(now, "emporium_gateway_in_flight");
    auto limit = Gauge(now, "emporium_gateway_concurrency_limit");
    auto queued = Gauge(now, "emporium_blocking_pool_queued_jobs");
    if (in_flight && limit && *limit > 0 && *in_flight >= *limit) gateway_status = Worst(gateway_status, "degraded");
    json.BeginObject().Field("name", "gateway").Field("kind", "gateway").Field("status", gateway_status);
    WriteTraffic(json, gateway);
    WriteNumber(json, "in_flight", Gauge(now, "emporium_http_requests_in_flight"), 1);
    WriteNumber(json, "concurrency_limit", limit, 1);
    json.Key("blocking_pool").BeginObject();
    WriteNumber(json, "threads", Gauge(now, "emporium_blocking_pool_threads"), 1);
    WriteNumber(json, "busy", Gauge(now, "emporium_blocking_pool_busy_threads"), 1);
    WriteNumber(json, "queued", queued, 1);
    WriteNumber(json, "rejected_total", Gauge(now, "emporium_blocking_pool_rejected_total"), 1);
    json.EndObject().EndObject();

    for (std::string_view service : kServices) {
        Rates rates = RatesOf(window, std::string(service));
        json.BeginObject().Field("name", service).Field("kind", "service").Field("status", TrafficStatus(rates));
        WriteTraffic(json, rates);
        json.EndObject();
    }

    auto database =
        check([](const std::string& name) { return name.ends_with("_db") || name.starts_with("postgres_"); });
    json.BeginObject()
        .Field("name", "database")
        .Field("kind", "database")
        .Field("status", database.value_or(true) ? "ok" : "down")
        .EndObject();

    auto hits = Gauge(now, "emporium_cache_hits_total");
    auto misses = Gauge(now, "emporium_cache_misses_total");
    std::optional<double> hit_ratio;
    if (hits && misses) {
        double h = *hits, m = *misses;
        if (have_window) {  // over the window when there were lookups in it
            double dh = h - Gauge(oldest, "emporium_cache_hits_total").value_or(0);
            double dm = m - Gauge(oldest, "emporium_cache_misses_total").value_or(0);
            if (dh + dm > 0) h = dh, m = dm;
        }
        if (h + m > 0) hit_ratio = h / (h + m);
    }
    auto redis = check([](const std::string& name) { return name == "redis"; });
    json.BeginObject()
        .Field("name", "cache")
        .Field("kind", "cache")
        .Field("status", redis.value_or(true) ? "ok" : "degraded");
    WriteNumber(json, "hit_ratio", hit_ratio, 10'000);
    json.EndObject();

    auto broker = check([](const std::string& name) { return name == "rabbitmq"; });
    json.BeginObject()
        .Field("name", "bus")
        .Field("kind", "bus")
        .Field("status", broker.value_or(true) ? "ok" : "degraded");  // events wait in the outboxes
    WriteNumber(json, "backlog", Gauge(now, "emporium_bus_relay_pending_events"), 1);
    WriteNumber(json, "lag_seconds", Gauge(now, "emporium_bus_relay_lag_seconds"), 1000);
    json.EndObject();

    auto index_lag = Gauge(now, "emporium_search_index_lag_seconds");
    auto search_ok = check([](const std::string& name) { return name.starts_with("search"); });
    std::string_view search_status = search_ok.value_or(true) ? "ok" : "down";
    if (index_lag && *index_lag > 60) search_status = Worst(search_status, "degraded");
    json.BeginObject().Field("name", "search_index").Field("kind", "search").Field("status", search_status);
    WriteNumber(json, "index_lag_seconds", index_lag, 1000);
    json.EndObject();

    // The payment provider: down when its breaker is open or its fault switch says so.
    std::string breaker_state = "unknown";
    for (const auto& [name, state] : breakers)
        if (name == "payment_provider") breaker_state = state;
    std::string fault = "off";
    if (const auto* fault_switch = sources_.faults.Find("payment_provider"))
        fault = resilience::FaultModeName(fault_switch->setting().mode);
    std::string_view provider_status = "ok";
    if (breaker_state == "half_open" || fault == "slow" || fault == "failing") provider_status = "degraded";
    if (breaker_state == "open" || fault == "down") provider_status = "down";
    json.BeginObject()
        .Field("name", "payment_provider")
        .Field("kind", "payment_provider")
        .Field("status", provider_status)
        .Field("circuit_breaker", breaker_state)
        .Field("fault", fault)
        .EndObject();
    json.EndArray();

    json.Key("circuit_breakers").BeginArray();
    for (const auto& [name, state] : breakers) json.BeginObject().Field("name", name).Field("state", state).EndObject();
    json.EndArray().EndObject();
    return out;
}

void RegisterSystemRoute(http::Router& router, SystemSummary& summary) {
    SystemSummary* s = &summary;
    router.Add(http::Method::kGet, "/api/v1/admin/system", http::Access::kAdmin, [s](http::Request& r) {
        if (auto known = http::CheckQueryParams(r, {}); !known.ok())
            return http::ProblemResponse(known.error(), r.path);
        http::Response response;
        response.status = 200;
        response.body = s->RenderJson();
        response.SetHeader("Cache-Control", "no-store");
        return response;
    });
}

}  // namespace emporium::console

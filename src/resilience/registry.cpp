#include "resilience/registry.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "observability/metrics.hpp"

namespace emporium::resilience {

namespace {

std::string NameLabel(std::string_view name) { return "name=\"" + observability::EscapeLabel(name) + "\""; }

class BulkheadComponent final : public Component {
  public:
    explicit BulkheadComponent(const Bulkhead& bulkhead) : bulkhead_(bulkhead) {}
    std::string_view kind() const override { return "bulkhead"; }
    std::string_view name() const override { return bulkhead_.name(); }

    void WriteState(core::JsonWriter& json) const override {
        auto stats = bulkhead_.Stats();
        json.Field("max_concurrent", stats.max_concurrent)
            .Field("max_queued", stats.max_queued)
            .Field("max_wait_ms", static_cast<int64_t>(bulkhead_.settings().max_wait.count()))
            .Field("in_use", stats.in_use)
            .Field("queued", stats.queued)
            .Field("admitted", static_cast<int64_t>(stats.admitted))
            .Field("rejected", static_cast<int64_t>(stats.rejected))
            .Field("timed_out", static_cast<int64_t>(stats.timed_out));
    }

    void AppendSamples(std::vector<MetricSample>& out) const override {
        auto stats = bulkhead_.Stats();
        std::string labels = NameLabel(bulkhead_.name());
        auto add = [&](const char* family, const char* type, const char* help, double value) {
            out.push_back({family, type, help, labels, value});
        };
        add("emporium_resilience_bulkhead_max_concurrent", "gauge", "Calls a bulkhead lets run at once.",
            static_cast<double>(stats.max_concurrent));
        add("emporium_resilience_bulkhead_in_use", "gauge", "Calls running inside a bulkhead now.",
            static_cast<double>(stats.in_use));
        add("emporium_resilience_bulkhead_queued", "gauge", "Callers waiting for a place in a bulkhead now.",
            static_cast<double>(stats.queued));
        add("emporium_resilience_bulkhead_admitted_total", "counter", "Calls a bulkhead let through.",
            static_cast<double>(stats.admitted));
        add("emporium_resilience_bulkhead_rejected_total", "counter",
            "Calls a bulkhead refused at once (every place taken, queue full).", static_cast<double>(stats.rejected));
        add("emporium_resilience_bulkhead_timed_out_total", "counter",
            "Calls that waited for a place in a bulkhead and got none in time.", static_cast<double>(stats.timed_out));
    }

  private:
    const Bulkhead& bulkhead_;
};

class CircuitBreakerComponent final : public Component {
  public:
    CircuitBreakerComponent(std::string name, CircuitBreaker& breaker) : name_(std::move(name)), breaker_(breaker) {}
    std::string_view kind() const override { return "circuit_breaker"; }
    std::string_view name() const override { return name_; }

    void WriteState(core::JsonWriter& json) const override {
        auto state = breaker_.state();
        auto stats = breaker_.Stats();
        const auto& settings = breaker_.settings();
        json.Field("state", StateName(state))
            .Field("window", settings.window)
            .Key("failure_ratio")
            .Raw(JsonNumber(settings.failure_ratio))
            .Field("open_for_ms", static_cast<int64_t>(settings.open_for.count()))
            .Field("successes", static_cast<int64_t>(stats.successes))
            .Field("failures", static_cast<int64_t>(stats.failures))
            .Field("short_circuited", static_cast<int64_t>(stats.short_circuited))
            .Field("opened", static_cast<int64_t>(stats.opened));
    }

    void AppendSamples(std::vector<MetricSample>& out) const override {
        auto state = breaker_.state();
        auto stats = breaker_.Stats();
        std::string labels = NameLabel(name_);
        for (auto each :
             {CircuitBreaker::State::kClosed, CircuitBreaker::State::kOpen, CircuitBreaker::State::kHalfOpen})
            out.push_back({"emporium_resilience_circuit_breaker_state", "gauge",
                           "1 for the state a circuit breaker is in, 0 for the others.",
                           labels + ",state=\"" + StateName(each) + "\"", each == state ? 1.0 : 0.0});
        auto add = [&](const char* family, const char* help, uint64_t value) {
            out.push_back({family, "counter", help, labels, static_cast<double>(value)});
        };
        add("emporium_resilience_circuit_breaker_successes_total",
            "Calls through a circuit breaker recorded as working.", stats.successes);
        add("emporium_resilience_circuit_breaker_failures_total", "Calls through a circuit breaker recorded as failed.",
            stats.failures);
        add("emporium_resilience_circuit_breaker_short_circuited_total",
            "Calls a circuit breaker refused without trying (open).", stats.short_circuited);
        add("emporium_resilience_circuit_breaker_opened_total", "Times a circuit breaker opened.", stats.opened);
    }

  private:
    std::string name_;
    CircuitBreaker& breaker_;
};

}  // namespace

std::string JsonNumber(double value) {
    if (!std::isfinite(value)) return "0";
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%.6g", value);
    return buffer;
}

void Registry::Add(std::unique_ptr<Component> component) {
    std::lock_guard lock(mutex_);
    components_.push_back(std::move(component));
}

void Registry::AddBulkhead(const Bulkhead& bulkhead) { Add(std::make_unique<BulkheadComponent>(bulkhead)); }

void Registry::AddCircuitBreaker(std::string name, CircuitBreaker& breaker) {
    Add(std::make_unique<CircuitBreakerComponent>(std::move(name), breaker));
}

std::string Registry::RenderJson() const {
    std::string out;
    core::JsonWriter json(out);
    json.BeginObject().Key("components").BeginArray();
    {
        std::lock_guard lock(mutex_);
        for (const auto& component : components_) {
            json.BeginObject().Field("kind", component->kind()).Field("name", component->name());
            component->WriteState(json);
            json.EndObject();
        }
    }
    json.EndArray();
    json.Key("faults").BeginObject().Field("enabled", fault_injection_enabled_).Key("targets").BeginArray();
    if (faults_) {
        for (const FaultSwitch* fault : faults_->All()) {
            auto setting = fault->setting();
            auto counters = fault->counters();
            json.BeginObject()
                .Field("target", fault->target())
                .Field("description", fault->description())
                .Field("mode", FaultModeName(setting.mode))
                .Field("latency_ms", static_cast<int64_t>(setting.latency.count()))
                .Key("error_ratio")
                .Raw(JsonNumber(setting.error_ratio))
                .Field("delayed", static_cast<int64_t>(counters.delayed))
                .Field("failed", static_cast<int64_t>(counters.failed))
                .EndObject();
        }
    }
    json.EndArray().EndObject().EndObject();
    return out;
}

void Registry::RenderMetrics(std::string& out) const {
    std::vector<MetricSample> samples;
    {
        std::lock_guard lock(mutex_);
        for (const auto& component : components_) component->AppendSamples(samples);
    }
    if (faults_) {
        for (const FaultSwitch* fault : faults_->All()) {
            auto setting = fault->setting();
            auto counters = fault->counters();
            std::string labels = NameLabel(fault->target());
            samples.push_back({"emporium_resilience_fault_active", "gauge",
                               "1 while a fault is injected into a dependency (fault injection), else 0.", labels,
                               setting.mode == FaultMode::kOff ? 0.0 : 1.0});
            samples.push_back({"emporium_resilience_fault_delayed_total", "counter",
                               "Calls made to wait by an injected fault.", labels,
                               static_cast<double>(counters.delayed)});
            samples.push_back({"emporium_resilience_fault_failed_total", "counter",
                               "Calls failed by an injected fault.", labels, static_cast<double>(counters.failed)});
        }
    }
    // Families in the order first seen, each with its samples together.
    std::vector<std::string> families;
    for (const auto& sample : samples)
        if (std::find(families.begin(), families.end(), sample.family) == families.end())
            families.push_back(sample.family);
    for (const auto& family : families) {
        bool header = false;
        for (const auto& sample : samples) {
            if (sample.family != family) continue;
            if (!header) {
                observability::AppendFamilyHeader(out, sample.family, sample.type, sample.help);
                header = true;
            }
            observability::AppendSample(out, sample.family, sample.labels, sample.value);
        }
    }
}

}  // namespace emporium::resilience

#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_writer.hpp"
#include "resilience/bulkhead.hpp"
#include "resilience/circuit_breaker.hpp"
#include "resilience/fault_switches.hpp"

namespace emporium::resilience {

// One Prometheus sample of a component. Components of one kind write the same families;
// the registry groups samples by family so that each family's HELP/TYPE comes once.
struct MetricSample {
    std::string family;  // emporium_resilience_<...>
    std::string type;    // "gauge" or "counter"
    std::string help;
    std::string labels;  // `name="payment_provider"`, already escaped
    double value = 0;
};

// A piece of the resilience library whose state an operator may want to see (a bulkhead,
// a circuit breaker, a rate limiter, the load shedder). Implementations read their live
// state on every call; both calls may come from any thread at any time.
class Component {
  public:
    virtual ~Component() = default;
    virtual std::string_view kind() const = 0;  // "bulkhead", "circuit_breaker", ...
    virtual std::string_view name() const = 0;  // what it guards: "payment_provider"
    // Writes the component's own fields into the JSON object the registry has opened (after
    // "kind" and "name").
    virtual void WriteState(core::JsonWriter& json) const = 0;
    virtual void AppendSamples(std::vector<MetricSample>& out) const = 0;
};

// Every resilience component of the process and the fault switches: what
// GET /api/v1/admin/resilience shows and what /metrics exposes as emporium_resilience_*.
// Components are registered at start-up (src/app, the gateway) and must outlive the
// registry's use. Thread-safe.
class Registry {
  public:
    explicit Registry(const FaultSwitches* faults = nullptr, bool fault_injection_enabled = false)
        : faults_(faults), fault_injection_enabled_(fault_injection_enabled) {}

    void Add(std::unique_ptr<Component> component);
    void AddBulkhead(const Bulkhead& bulkhead);
    void AddCircuitBreaker(std::string name, CircuitBreaker& breaker);

    // {"components":[{"kind":..,"name":..,...}],"faults":{"enabled":..,"targets":[...]}}
    std::string RenderJson() const;
    // The samples of every component and fault switch, grouped by family.
    void RenderMetrics(std::string& out) const;

  private:
    const FaultSwitches* faults_;
    const bool fault_injection_enabled_;
    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<Component>> components_;
};

// A number as JSON (the writer has integers only); finite values only.
std::string JsonNumber(double value);

}  // namespace emporium::resilience

#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "http/router.hpp"
#include "observability/health.hpp"
#include "observability/metrics.hpp"
#include "resilience/fault_switches.hpp"
#include "resilience/registry.hpp"

namespace emporium::console {

// What the summary reads: numbers the process keeps anyway. Must outlive the summary.
struct SystemSources {
    const observability::MetricsRegistry& metrics;  // the /metrics text: requests, latency, queues, cache, bus, search
    const observability::HealthChecks& health;      // database, broker and Redis pings
    const resilience::Registry& resilience;         // circuit breakers and bulkheads
    const resilience::FaultSwitches& faults;
    const core::Clock& clock;
};

// The console's live view of the system (GET /api/v1/admin/system): per component (the
// gateway, each service's routes, database, cache, bus, search, payment provider) a status
// ok/degraded/down and what is known of it — request rate, 5xx share and p99 latency over the
// last ~10 s, circuit breakers, queue depths, cache hit ratio, search index lag.
// Rates need history: Sample() (every second, from a background task) keeps the last
// snapshots of the request counters; the first seconds of a process answer rates as null.
// Reads no table: every number comes from in-process counters and health pings. Thread-safe.
class SystemSummary {
  public:
    explicit SystemSummary(SystemSources sources) : sources_(sources) {}

    void Sample();
    std::string RenderJson();

    // Counters of one group of routes since start, cumulative histogram buckets included.
    struct Traffic {
        double requests = 0;
        double errors = 0;                 // 5xx answers
        std::map<double, double> buckets;  // upper bound (s) → requests at most that long
    };
    struct Snapshot {
        std::chrono::steady_clock::time_point at;
        std::map<std::string, Traffic> traffic;  // by group; "gateway" is every route
        std::map<std::string, double> gauges;    // family → sum of its samples
    };

  private:
    Snapshot Take() const;

    SystemSources sources_;
    std::mutex mutex_;
    std::deque<Snapshot> history_;  // oldest first, at most kKeep
};

// Registers GET /api/v1/admin/system (admins only, never cached).
void RegisterSystemRoute(http::Router& router, SystemSummary& summary);

}  // namespace emporium::console

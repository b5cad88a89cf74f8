#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/request_context.hpp"
#include "core/result.hpp"

namespace emporium::resilience {

enum class FaultMode {
    kOff,      // calls go through untouched
    kSlow,     // every call waits `latency` first
    kFailing,  // a share (`error_ratio`) of calls fails with kUnavailable; the rest wait `latency`, if any
    kDown,     // every call fails with kUnavailable at once, as a refused connection would
};

// "off", "slow", "failing", "down"; nullopt for anything else.
std::optional<FaultMode> ParseFaultMode(std::string_view text);
const char* FaultModeName(FaultMode mode);

struct FaultSetting {
    FaultMode mode = FaultMode::kOff;
    std::chrono::milliseconds latency{0};
    double error_ratio = 0;  // 0..1, kFailing only
};

struct FaultCounters {
    uint64_t delayed = 0;  // calls made to wait
    uint64_t failed = 0;   // calls failed on purpose
};

// One dependency's fault switch, for demonstrations and tests: makes the calls through the
// decorator of its port (wired in src/app) slow, failing or down, as set at run time by an
// operator (PUT /api/v1/admin/faults/{target}). Off costs one atomic load. Thread-safe.
class FaultSwitch {
  public:
    FaultSwitch(std::string target, std::string description, bool latency_only)
        : target_(std::move(target)), description_(std::move(description)), latency_only_(latency_only) {}

    const std::string& target() const { return target_; }
    const std::string& description() const { return description_; }
    // Whether only kSlow makes sense here (database latency: a failing database is the
    // engines' outage tests' business, not a switch's).
    bool latency_only() const { return latency_only_; }

    // kInvalidArgument when the setting does not fit this switch (see ValidateFaultSetting).
    core::Result<void> Set(const FaultSetting& setting);
    void Clear() { (void)Set(FaultSetting{}); }
    FaultSetting setting() const;
    FaultCounters counters() const;
    // Whether a fault is set (any mode but off); never waits.
    bool active() const { return active_.load(std::memory_order_acquire); }

    // What the fault does to one call, before it goes to the dependency: waits the latency
    // (never past `ctx`'s deadline nor `call_timeout`, the time the adapter would wait for an
    // answer; kUnavailable as a timeout when the latency is longer), or fails it with
    // kUnavailable. Ok: make the call.
    core::Result<void> Apply(const core::RequestContext& ctx,
                             std::chrono::milliseconds call_timeout = std::chrono::milliseconds::max());

  private:
    const std::string target_;
    const std::string description_;
    const bool latency_only_;
    std::atomic<bool> active_{false};
    mutable std::mutex mutex_;
    FaultSetting setting_;
    std::atomic<uint64_t> delayed_{0};
    std::atomic<uint64_t> failed_{0};
};

// Checks a setting's values: kSlow needs latency 1..60000 ms; kFailing needs error_ratio in
// (0, 1] and allows a latency 0..60000 ms; kDown and kOff take neither. `latency_only`
// switches take only kSlow and kOff.
core::Result<void> ValidateFaultSetting(const FaultSetting& setting, bool latency_only);

// Every fault switch of the process, by target name ("payment_provider", "cache", "search",
// "recommendations", "database"). Switches are added at start-up (src/app) and live as long
// as this object; lookups are then thread-safe. Faults are never persisted: a restart
// clears them all.
class FaultSwitches {
  public:
    FaultSwitch& Add(std::string target, std::string description, bool latency_only = false);
    FaultSwitch* Find(std::string_view target) const;
    // In the order they were added.
    std::vector<FaultSwitch*> All() const;

  private:
    std::vector<std::unique_ptr<FaultSwitch>> switches_;
};

}  // namespace emporium::resilience

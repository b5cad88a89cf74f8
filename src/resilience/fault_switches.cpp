#include "resilience/fault_switches.hpp"

#include <algorithm>
#include <random>
#include <thread>

namespace emporium::resilience {

namespace {
constexpr std::chrono::milliseconds kMaxLatency{60'000};

double UniformShare() {
    thread_local std::mt19937_64 random{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(random);
}
}  // namespace

std::optional<FaultMode> ParseFaultMode(std::string_view text) {
    if (text == "off") return FaultMode::kOff;
    if (text == "slow") return FaultMode::kSlow;
    if (text == "failing") return FaultMode::kFailing;
    if (text == "down") return FaultMode::kDown;
    return std::nullopt;
}

const char* FaultModeName(FaultMode mode) {
    switch (mode) {
        case FaultMode::kOff:
            return "off";
        case FaultMode::kSlow:
            return "slow";
        case FaultMode::kFailing:
            return "failing";
        case FaultMode::kDown:
            return "down";
    }
    return "off";
}

core::Result<void> ValidateFaultSetting(const FaultSetting& setting, bool latency_only) {
    if (latency_only && setting.mode != FaultMode::kSlow && setting.mode != FaultMode::kOff)
        return core::Error::Invalid("mode", "this target takes only \"slow\" (added latency)");
    bool latency_in_range = setting.latency >= std::chrono::milliseconds(0) && setting.latency <= kMaxLatency;
    switch (setting.mode) {
        case FaultMode::kSlow:
            if (setting.latency <= std::chrono::milliseconds(0) || !latency_in_range)
                return core::Error::Invalid("latency_ms", "must be 1..60000 for \"slow\"");
            if (setting.error_ratio != 0) return core::Error::Invalid("error_ratio", "is for \"failing\" only");
            return core::Ok();
        case FaultMode::kFailing:
            if (!(setting.error_ratio > 0 && setting.error_ratio <= 1))
                return core::Error::Invalid("error_ratio", "must be above 0 and at most 1 for \"failing\"");
            if (!latency_in_range) return core::Error::Invalid("latency_ms", "must be 0..60000");
            return core::Ok();
        case FaultMode::kDown:
        case FaultMode::kOff:
            if (setting.latency != std::chrono::milliseconds(0))
                return core::Error::Invalid("latency_ms", "is for \"slow\" and \"failing\" only");
            if (setting.error_ratio != 0) return core::Error::Invalid("error_ratio", "is for \"failing\" only");
            return core::Ok();
    }
    return core::Ok();
}

core::Result<void> FaultSwitch::Set(const FaultSetting& setting) {
    EMPORIUM_TRY(ValidateFaultSetting(setting, latency_only_));
    std::lock_guard lock(mutex_);
    setting_ = setting;
    active_.store(setting.mode != FaultMode::kOff, std::memory_order_release);
    return core::Ok();
}

FaultSetting FaultSwitch::setting() const {
    std::lock_guard lock(mutex_);
    return setting_;
}

FaultCounters FaultSwitch::counters() const {
    return FaultCounters{.delayed = delayed_.load(std::memory_order_relaxed),
                         .failed = failed_.load(std::memory_order_relaxed)};
}

core::Result<void> FaultSwitch::Apply(const core::RequestContext& ctx, std::chrono::milliseconds call_timeout) {
    if (!active_.load(std::memory_order_acquire)) return core::Ok();
    FaultSetting setting = this->setting();
    if (setting.mode == FaultMode::kOff) return core::Ok();
    if (setting.mode == FaultMode::kDown ||
        (setting.mode == FaultMode::kFailing && UniformShare() < setting.error_ratio)) {
        failed_.fetch_add(1, std::memory_order_relaxed);
        return core::Error::Unavailable(target_ + " is " + FaultModeName(setting.mode) + " (fault injection)");
    }
    if (setting.latency <= std::chrono::milliseconds(0)) return core::Ok();
    delayed_.fetch_add(1, std::memory_order_relaxed);
    // A caller waits no longer than it would for a real answer: its deadline, or the
    // adapter's own timeout; past either the call ends as a timeout would.
    auto now = std::chrono::steady_clock::now();
    auto wake = ctx.deadline;
    if (call_timeout < setting.latency) wake = std::min(wake, now + call_timeout);
    bool cut_short = wake < now + setting.latency;
    std::this_thread::sleep_until(cut_short ? wake : now + setting.latency);
    if (cut_short)
        return core::Error::Unavailable(target_ + " did not answer in time (fault injection: " +
                                        std::to_string(setting.latency.count()) + " ms latency)");
    return core::Ok();
}

FaultSwitch& FaultSwitches::Add(std::string target, std::string description, bool latency_only) {
    switches_.push_back(std::make_unique<FaultSwitch>(std::move(target), std::move(description), latency_only));
    return *switches_.back();
}

FaultSwitch* FaultSwitches::Find(std::string_view target) const {
    for (const auto& fault : switches_)
        if (fault->target() == target) return fault.get();
    return nullptr;
}

std::vector<FaultSwitch*> FaultSwitches::All() const {
    std::vector<FaultSwitch*> all;
    for (const auto& fault : switches_) all.push_back(fault.get());
    return all;
}

}  // namespace emporium::resilience

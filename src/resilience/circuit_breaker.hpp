#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>

namespace emporium::resilience {

struct CircuitBreakerSettings {
    int window = 10;                           // outcomes remembered
    double failure_ratio = 0.5;                // open when this share of a full window failed
    std::chrono::milliseconds open_for{5000};  // then let one probe through (half-open)
};

struct CircuitBreakerStats {
    uint64_t successes = 0;        // outcomes recorded as working
    uint64_t failures = 0;         // outcomes recorded as failed
    uint64_t short_circuited = 0;  // calls refused by Allow (open, or half-open with its probe out)
    uint64_t opened = 0;           // times it opened (from closed or after a failed probe)
};

// Stops calls to a dependency that keeps failing, so requests fail fast instead of
// waiting for timeouts, and lets a single probe test whether it has recovered.
// Closed → (failure ratio reached over a full window) → open → (open_for elapsed) →
// half-open: one call; success closes, failure opens again. Thread-safe.
class CircuitBreaker {
  public:
    enum class State { kClosed, kOpen, kHalfOpen };
    using Clock = std::chrono::steady_clock;

    explicit CircuitBreaker(CircuitBreakerSettings settings) : settings_(settings) {}

    // Whether a call may go ahead now. In half-open only the first caller gets true.
    bool Allow();
    // The outcome of an allowed call (false: it failed in a way that counts, e.g. timeout).
    void Record(bool success);
    State state();
    // The counters since start, read together with nothing else (state() is separate).
    CircuitBreakerStats Stats();
    const CircuitBreakerSettings& settings() const { return settings_; }

  private:
    void Open();

    CircuitBreakerSettings settings_;
    std::mutex mutex_;
    State state_ = State::kClosed;
    std::deque<bool> outcomes_;
    Clock::time_point opened_at_{};
    bool probe_in_flight_ = false;
    CircuitBreakerStats stats_;
};

// "closed", "open", "half_open" (the resilience view and metrics labels).
const char* StateName(CircuitBreaker::State state);

}  // namespace emporium::resilience

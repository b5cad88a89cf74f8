#include "resilience/circuit_breaker.hpp"

#include <algorithm>

namespace emporium::resilience {

bool CircuitBreaker::Allow() {
    std::lock_guard lock(mutex_);
    if (state_ == State::kOpen && Clock::now() - opened_at_ >= settings_.open_for) {
        state_ = State::kHalfOpen;
        probe_in_flight_ = false;
    }
    if (state_ == State::kClosed) return true;
    if (state_ == State::kHalfOpen && !probe_in_flight_) {
        probe_in_flight_ = true;
        return true;
    }
    ++stats_.short_circuited;
    return false;
}

void CircuitBreaker::Record(bool success) {
    std::lock_guard lock(mutex_);
    ++(success ? stats_.successes : stats_.failures);
    if (state_ == State::kHalfOpen) {
        probe_in_flight_ = false;
        if (success) {
            state_ = State::kClosed;
            outcomes_.clear();
        } else {
            Open();
        }
        return;
    }
    if (state_ == State::kOpen) return;  // a call allowed before it opened
    outcomes_.push_back(success);
    while (static_cast<int>(outcomes_.size()) > settings_.window) outcomes_.pop_front();
    auto failures = std::count(outcomes_.begin(), outcomes_.end(), false);
    if (static_cast<int>(outcomes_.size()) == settings_.window &&
        static_cast<double>(failures) >= settings_.failure_ratio * settings_.window) {
        Open();
    }
}

void CircuitBreaker::Open() {
    state_ = State::kOpen;
    opened_at_ = Clock::now();
    ++stats_.opened;
}

CircuitBreakerStats CircuitBreaker::Stats() {
    std::lock_guard lock(mutex_);
    return stats_;
}

const char* StateName(CircuitBreaker::State state) {
    switch (state) {
        case CircuitBreaker::State::kClosed:
            return "closed";
        case CircuitBreaker::State::kOpen:
            return "open";
        case CircuitBreaker::State::kHalfOpen:
            return "half_open";
    }
    return "closed";
}

CircuitBreaker::State CircuitBreaker::state() {
    std::lock_guard lock(mutex_);
    if (state_ == State::kOpen && Clock::now() - opened_at_ >= settings_.open_for) return State::kHalfOpen;
    return state_;
}

}  // namespace emporium::resilience

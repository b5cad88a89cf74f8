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
    return false;
}

void CircuitBreaker::Record(bool success) {
    std::lock_guard lock(mutex_);
    if (state_ == State::kHalfOpen) {
        probe_in_flight_ = false;
        if (success) {
            state_ = State::kClosed;
            outcomes_.clear();
        } else {
            state_ = State::kOpen;
            opened_at_ = Clock::now();
        }
        return;
    }
    if (state_ == State::kOpen) return;  // a call allowed before it opened
    outcomes_.push_back(success);
    while (static_cast<int>(outcomes_.size()) > settings_.window) outcomes_.pop_front();
    auto failures = std::count(outcomes_.begin(), outcomes_.end(), false);
    if (static_cast<int>(outcomes_.size()) == settings_.window &&
        static_cast<double>(failures) >= settings_.failure_ratio * settings_.window) {
        state_ = State::kOpen;
        opened_at_ = Clock::now();
    }
}

CircuitBreaker::State CircuitBreaker::state() {
    std::lock_guard lock(mutex_);
    if (state_ == State::kOpen && Clock::now() - opened_at_ >= settings_.open_for) return State::kHalfOpen;
    return state_;
}

}  // namespace emporium::resilience

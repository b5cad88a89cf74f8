#include "resilience/load_shedder.hpp"

#include <algorithm>
#include <cmath>

namespace emporium::resilience {

LoadShedder::LoadShedder(LoadShedderSettings settings)
    : settings_(std::move(settings)),
      limit_(std::clamp(settings_.initial_limit, settings_.min_limit, settings_.max_limit)),
      admitted_(settings_.shares.size()),
      shed_(settings_.shares.size()),
      window_start_(std::chrono::steady_clock::now()),
      classes_(settings_.shares.size()) {}

bool LoadShedder::Admit(std::size_t priority) {
    priority = std::min(priority, settings_.shares.size() - 1);
    if (settings_.shares[priority] <= 0) {
        in_flight_.fetch_add(1, std::memory_order_acq_rel);
        admitted_[priority].fetch_add(1, std::memory_order_relaxed);
        return true;
    }
    int allowed = std::max(1, static_cast<int>(limit_.load(std::memory_order_relaxed) * settings_.shares[priority]));
    int current = in_flight_.load(std::memory_order_relaxed);
    while (current < allowed) {
        if (in_flight_.compare_exchange_weak(current, current + 1, std::memory_order_acq_rel)) {
            admitted_[priority].fetch_add(1, std::memory_order_relaxed);
            return true;
        }
    }
    shed_[priority].fetch_add(1, std::memory_order_relaxed);
    return false;
}

void LoadShedder::Finish(std::size_t priority, std::chrono::nanoseconds queue_delay,
                         std::chrono::nanoseconds service_time, bool overloaded) {
    int in_service = in_flight_.fetch_sub(1, std::memory_order_acq_rel);
    auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    ClassWindow& window = classes_[std::min(priority, classes_.size() - 1)];
    window.service_sum += service_time;
    ++window.samples;
    window_peak_in_flight_ = std::max(window_peak_in_flight_, in_service);
    ++window_samples_;
    window_min_delay_ = std::min(window_min_delay_, queue_delay);
    window_overloaded_ = window_overloaded_ || overloaded;
    auto elapsed = now - window_start_;
    if (elapsed >= settings_.window &&
        (window_samples_ >= settings_.min_window_samples || window_overloaded_ || elapsed >= 10 * settings_.window))
        Adjust(now);
}

// Called with mutex_ held, once per window.
void LoadShedder::Adjust(std::chrono::steady_clock::time_point now) {
    int limit = limit_.load(std::memory_order_relaxed);
    std::chrono::nanoseconds service_sum{0};
    for (const ClassWindow& window : classes_) service_sum += window.service_sum;
    auto mean_service = service_sum / std::max(1, window_samples_);
    auto threshold = std::max<std::chrono::nanoseconds>(settings_.target_queue_delay, mean_service);
    // Each class against its own baseline, weighted by its share of the window: a mix that
    // moves towards costlier work (more product lists, fewer cart additions) is no slowdown.
    double measured = 0, expected = 0;
    for (ClassWindow& window : classes_) {
        if (window.samples == 0) continue;
        double mean = static_cast<double>(window.service_sum.count()) / window.samples;
        if (window.baseline_ns > 0) {
            measured += mean * window.samples;
            expected += window.baseline_ns * window.samples;
        }
        window.baseline_ns =
            window.baseline_ns > 0 ? std::min(window.baseline_ns * settings_.baseline_drift, mean) : mean;
        window.service_sum = std::chrono::nanoseconds(0);
        window.samples = 0;
    }
    bool contended = window_peak_in_flight_ >= settings_.contention_in_flight && expected > 0;
    last_slowdown_ = contended ? measured / expected : 0;
    slow_windows_ = last_slowdown_ > settings_.max_slowdown ? slow_windows_ + 1 : 0;
    if (window_overloaded_ || window_min_delay_ > threshold || slow_windows_ >= settings_.slowdown_windows) {
        limit = static_cast<int>(limit * settings_.decrease_factor);
    } else {
        limit += std::max(1, static_cast<int>(std::sqrt(static_cast<double>(limit))));
    }
    limit_.store(std::clamp(limit, settings_.min_limit, settings_.max_limit), std::memory_order_relaxed);
    last_min_delay_ = window_min_delay_;
    window_start_ = now;
    window_samples_ = 0;
    window_min_delay_ = std::chrono::nanoseconds::max();
    window_overloaded_ = false;
    window_peak_in_flight_ = 0;
}

LoadShedder::Stats LoadShedder::stats() const {
    Stats stats;
    stats.limit = limit_.load(std::memory_order_relaxed);
    stats.in_flight = in_flight_.load(std::memory_order_relaxed);
    {
        std::lock_guard lock(mutex_);
        stats.last_min_queue_delay_ms = static_cast<double>(last_min_delay_.count()) / 1e6;
        stats.last_slowdown = last_slowdown_;
    }
    for (std::size_t i = 0; i < admitted_.size(); ++i) {
        stats.admitted.push_back(admitted_[i].load(std::memory_order_relaxed));
        stats.shed.push_back(shed_[i].load(std::memory_order_relaxed));
    }
    return stats;
}

}  // namespace emporium::resilience

#pragma once

#include <algorithm>
#include <chrono>

namespace emporium::resilience {

// `first` × `factor`^(attempt - 1), never above `max`; attempt 1 is the first retry.
std::chrono::milliseconds GrowingDelay(std::chrono::milliseconds first, int factor, int attempt,
                                       std::chrono::milliseconds max);

// The waits between tries at something that keeps failing (a broker away): `first`, then
// doubling up to `max`, and back to `first` after a success. Not thread-safe: one per loop.
class Backoff {
  public:
    Backoff(std::chrono::milliseconds first, std::chrono::milliseconds max)
        : first_(std::min(first, max)), max_(max), next_(first_) {}

    // The wait before the next try; the one after it is longer.
    std::chrono::milliseconds Next() {
        std::chrono::milliseconds wait = next_;
        next_ = std::min(next_ * 2, max_);
        ++failures_;
        return wait;
    }
    void Reset() {
        next_ = first_;
        failures_ = 0;
    }
    // No failure since the last success (or ever): the first of a run is the one worth logging.
    bool at_start() const { return failures_ == 0; }

  private:
    std::chrono::milliseconds first_;
    std::chrono::milliseconds max_;
    std::chrono::milliseconds next_;
    int failures_ = 0;
};

}  // namespace emporium::resilience

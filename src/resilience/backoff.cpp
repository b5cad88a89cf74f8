#include "resilience/backoff.hpp"

#include <algorithm>

namespace emporium::resilience {

std::chrono::milliseconds GrowingDelay(std::chrono::milliseconds first, int factor, int attempt,
                                       std::chrono::milliseconds max) {
    // In doubles, and stopping at the cap, so that a large attempt count cannot overflow.
    auto delay = static_cast<double>(first.count());
    const auto cap = static_cast<double>(max.count());
    for (int i = 1; i < attempt && delay < cap; ++i) delay *= factor;
    return std::chrono::milliseconds(static_cast<int64_t>(std::min(delay, cap)));
}

}  // namespace emporium::resilience

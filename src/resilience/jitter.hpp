#pragma once

#include <chrono>

namespace emporium::resilience {

// `delay` scaled by a random factor in [0.75, 1.25), so that many clients retrying after
// the same failure spread out instead of arriving together. Thread-safe.
std::chrono::milliseconds Jittered(std::chrono::milliseconds delay);

}  // namespace emporium::resilience

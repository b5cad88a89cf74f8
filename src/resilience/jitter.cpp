#include "resilience/jitter.hpp"

#include <cstdint>
#include <random>

namespace emporium::resilience {

std::chrono::milliseconds Jittered(std::chrono::milliseconds delay) {
    thread_local std::mt19937_64 random{std::random_device{}()};
    std::uniform_real_distribution<double> factor(0.75, 1.25);
    return std::chrono::milliseconds(static_cast<int64_t>(static_cast<double>(delay.count()) * factor(random)));
}

}  // namespace emporium::resilience

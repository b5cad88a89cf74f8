#include "http/deadline_header.hpp"

#include <algorithm>
#include <charconv>

namespace emporium::http {

std::optional<std::chrono::milliseconds> ParseRemainingTime(std::string_view value) {
    constexpr int64_t kMaxMs = 3'600'000;
    if (value.empty() || value.size() > 7) return std::nullopt;
    if (!std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
    int64_t ms = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
    if (ec != std::errc() || end != value.data() + value.size() || ms < 1 || ms > kMaxMs) return std::nullopt;
    return std::chrono::milliseconds(ms);
}

std::string FormatRemainingTime(std::chrono::milliseconds remaining) {
    return std::to_string(std::max<int64_t>(1, remaining.count()));
}

}  // namespace emporium::http

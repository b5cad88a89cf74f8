#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace emporium::http {

// How a deadline crosses a process boundary: as the time the caller has left, in whole
// milliseconds, never as a clock value (two machines' clocks disagree). A server takes the
// sooner of its own request timeout and now + this; a client sends what it will wait.
inline constexpr std::string_view kRemainingTimeHeader = "x-request-timeout-ms";

// The remaining time a header value gives: 1 to 3,600,000 ms, digits only; nullopt for
// anything else (the header is then ignored, not an error).
std::optional<std::chrono::milliseconds> ParseRemainingTime(std::string_view value);

std::string FormatRemainingTime(std::chrono::milliseconds remaining);

}  // namespace emporium::http

#include "core/clock.hpp"

#include <cstdio>
#include <ctime>

namespace emporium::core {

std::string FormatRfc3339(int64_t unix_seconds) {
    std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buffer;
}

std::optional<int64_t> ParseRfc3339(std::string_view text) {
    if (text.size() != 20 || text[19] != 'Z') return std::nullopt;
    std::tm tm{};
    std::string copy(text);
    if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                    &tm.tm_min, &tm.tm_sec) != 6)
        return std::nullopt;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    auto seconds = static_cast<int64_t>(timegm(&tm));
    // timegm rolls fields over (month 13 is next January; "+1" and " 1" scan as 1): only a
    // text that is the canonical form of the time it names is that time.
    if (FormatRfc3339(seconds) != text) return std::nullopt;
    return seconds;
}

}  // namespace emporium::core

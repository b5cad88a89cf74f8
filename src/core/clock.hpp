#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace emporium::core {

// Wall-clock time as Unix seconds; the unit the API (RFC 3339, second precision) and the
// databases use. Services take a Clock so tests can control time.
class Clock {
  public:
    virtual ~Clock() = default;
    virtual int64_t NowSeconds() const = 0;
};

class SystemClock final : public Clock {
  public:
    int64_t NowSeconds() const override {
        return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
};

// Wall-clock Unix milliseconds: timestamps carried in events to measure lags, and retry
// times (not for durations: use steady_clock).
inline int64_t UnixMillisNow() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// "2026-11-24T10:00:00Z"
std::string FormatRfc3339(int64_t unix_seconds);
std::optional<int64_t> ParseRfc3339(std::string_view text);

}  // namespace emporium::core

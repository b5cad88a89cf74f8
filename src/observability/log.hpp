#pragma once

#include <functional>
#include <string_view>

#include "core/json_writer.hpp"

namespace emporium::observability {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

bool ParseLogLevel(std::string_view text, LogLevel& level);
void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);

// Writes one JSON object per line to stdout: {"ts":..,"level":..,"event":..,<fields>}.
// Each line goes out in a single write(2), so lines from several threads never interleave.
void Log(LogLevel level, std::string_view event, const std::function<void(core::JsonWriter&)>& fields = {});

inline void LogInfo(std::string_view event, const std::function<void(core::JsonWriter&)>& fields = {}) {
    Log(LogLevel::kInfo, event, fields);
}
inline void LogWarn(std::string_view event, const std::function<void(core::JsonWriter&)>& fields = {}) {
    Log(LogLevel::kWarn, event, fields);
}
inline void LogError(std::string_view event, const std::function<void(core::JsonWriter&)>& fields = {}) {
    Log(LogLevel::kError, event, fields);
}

}  // namespace emporium::observability

#include "observability/log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace emporium::observability {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};

const char* LevelName(LogLevel level) {
    switch (level) {
        case LogLevel::kDebug:
            return "debug";
        case LogLevel::kInfo:
            return "info";
        case LogLevel::kWarn:
            return "warn";
        case LogLevel::kError:
            return "error";
    }
    return "info";
}

void AppendTimestamp(std::string& out) {
    auto now = std::chrono::system_clock::now();
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
    std::time_t seconds = static_cast<std::time_t>(micros / 1'000'000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char buffer[80];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(micros % 1'000'000));
    out += buffer;
}

}  // namespace

bool ParseLogLevel(std::string_view text, LogLevel& level) {
    for (LogLevel candidate : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
        if (text == LevelName(candidate)) {
            level = candidate;
            return true;
        }
    }
    return false;
}

void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level), std::memory_order_relaxed); }

bool LogEnabled(LogLevel level) { return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed); }

void Log(LogLevel level, std::string_view event, const std::function<void(core::JsonWriter&)>& fields) {
    if (!LogEnabled(level)) return;
    thread_local std::string line;
    line.clear();
    line += "{\"ts\":\"";
    AppendTimestamp(line);
    line += "\"";
    core::JsonWriter json(line);
    // The writer starts a fresh comma state; the first field needs a separator.
    line += ',';
    json.Field("level", LevelName(level)).Field("event", event);
    if (fields) fields(json);
    line += "}\n";
    const char* data = line.data();
    std::size_t left = line.size();
    while (left > 0) {
        ssize_t written = ::write(STDOUT_FILENO, data, left);
        if (written <= 0) break;  // stdout closed or full: dropping a log line beats blocking a request
        data += written;
        left -= static_cast<std::size_t>(written);
    }
}

}  // namespace emporium::observability

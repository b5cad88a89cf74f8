#pragma once

#include <cstdlib>
#include <string>
#include <string_view>

namespace emporium::core {

// Crash points for recovery tests. With EMPORIUM_FAILPOINTS="a,b" in the environment,
// Failpoint("a") ends the process on the spot, as kill -9 would (no destructors, no
// flushing), so a test can prove that a crash at exactly that step loses nothing. Without
// the variable it costs one comparison.
inline void Failpoint(std::string_view name) {
    static const std::string armed = [] {
        const char* value = std::getenv("EMPORIUM_FAILPOINTS");
        return value ? "," + std::string(value) + "," : std::string();
    }();
    if (armed.empty()) return;
    if (armed.find("," + std::string(name) + ",") != std::string::npos) std::_Exit(137);
}

}  // namespace emporium::core

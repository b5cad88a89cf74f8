#include "http/security_headers.hpp"

#include <array>
#include <utility>

namespace emporium::http {

void AddSecurityHeaders(Response& response) {
    static constexpr std::array<std::pair<const char*, const char*>, 4> kDefaults = {{
        {"X-Content-Type-Options", "nosniff"},
        {"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"},
        {"X-Frame-Options", "DENY"},
        {"Referrer-Policy", "no-referrer"},
    }};
    for (const auto& [name, value] : kDefaults) {
        if (response.Header(name).empty()) response.headers.emplace_back(name, value);
    }
}

}  // namespace emporium::http

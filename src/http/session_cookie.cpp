#include "http/session_cookie.hpp"

#include <sodium.h>

#include "core/text.hpp"

namespace emporium::http {

namespace {

std::string Cookie(std::string_view name, std::string_view value, std::string_view attributes,
                   const CookieOptions& options) {
    std::string cookie;
    cookie.append(name).append("=").append(value).append("; Path=/; SameSite=Strict");
    cookie.append(attributes);
    if (options.secure) cookie.append("; Secure");
    return cookie;
}

}  // namespace

std::string_view CookieValue(const Request& request, std::string_view name) {
    // A browser sends one Cookie field ("a=1; b=2"); HTTP/2 proxies may split it in several.
    for (const auto& [field, value] : request.headers) {
        if (field != "cookie") continue;
        std::string_view rest = value;
        while (!rest.empty()) {
            auto semicolon = rest.find(';');
            std::string_view pair = core::Trim(rest.substr(0, semicolon));
            rest = semicolon == std::string_view::npos ? std::string_view() : rest.substr(semicolon + 1);
            auto equals = pair.find('=');
            if (equals == std::string_view::npos || core::Trim(pair.substr(0, equals)) != name) continue;
            std::string_view found = core::Trim(pair.substr(equals + 1));
            if (found.size() >= 2 && found.front() == '"' && found.back() == '"')
                found = found.substr(1, found.size() - 2);
            return found;
        }
    }
    return {};
}

bool NeedsCsrfProof(Method method) { return method != Method::kGet && method != Method::kHead; }

bool HasCsrfProof(const Request& request) {
    std::string_view cookie = CookieValue(request, kCsrfCookie);
    std::string_view header = request.Header(kCsrfHeader);
    // Compared in constant time: the header is the caller's guess at a secret.
    return !cookie.empty() && cookie.size() == header.size() &&
           sodium_memcmp(cookie.data(), header.data(), cookie.size()) == 0;
}

void SetSessionCookies(Response& response, std::string_view token, std::string_view csrf_token,
                       std::chrono::seconds lifetime, const CookieOptions& options) {
    std::string max_age = "; Max-Age=" + std::to_string(lifetime.count());
    response.AddHeader("Set-Cookie", Cookie(kSessionCookie, token, max_age + "; HttpOnly", options));
    response.AddHeader("Set-Cookie", Cookie(kCsrfCookie, csrf_token, max_age, options));
}

void ClearSessionCookies(Response& response, const CookieOptions& options) {
    response.AddHeader("Set-Cookie", Cookie(kSessionCookie, "", "; Max-Age=0; HttpOnly", options));
    response.AddHeader("Set-Cookie", Cookie(kCsrfCookie, "", "; Max-Age=0", options));
}

}  // namespace emporium::http

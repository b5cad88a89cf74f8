#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace emporium::http {

// Sessions for pages (issue 17): the browser keeps the session token in an HttpOnly
// cookie, out of reach of any script that finds its way into a page, instead of in
// localStorage. A cookie is sent by the browser on its own, so a request that changes
// something must also prove it comes from our pages: it repeats, in the `X-CSRF-Token`
// header, the value of a second cookie that only scripts of our origin can read (the
// double-submit pattern). Both cookies are SameSite=Strict as a second line. API clients
// that send `Authorization: Bearer` never meet either cookie.
inline constexpr std::string_view kSessionCookie = "emporium_session";
inline constexpr std::string_view kCsrfCookie = "emporium_csrf";
inline constexpr std::string_view kCsrfHeader = "x-csrf-token";

// The value of the cookie `name` in the request's Cookie fields; empty when absent.
std::string_view CookieValue(const Request& request, std::string_view name);

// Whether the request's method may change state, so a cookie alone does not authorise it.
bool NeedsCsrfProof(Method method);

// True when the request carries the CSRF cookie and the header repeats it exactly.
bool HasCsrfProof(const Request& request);

struct CookieOptions {
    bool secure = false;  // add `Secure` (the shop is served over HTTPS)
};

// Sets both cookies on a response that opens a session lasting `lifetime`.
void SetSessionCookies(Response& response, std::string_view token, std::string_view csrf_token,
                       std::chrono::seconds lifetime, const CookieOptions& options);
// Expires both cookies (logout, or a session cookie that no longer authenticates).
void ClearSessionCookies(Response& response, const CookieOptions& options);

}  // namespace emporium::http

#pragma once

#include "http/message.hpp"

namespace emporium::http {

// The response headers that tell a browser how to treat what it receives, for every
// response the server writes (a browser may render any of them, problems included):
//   X-Content-Type-Options: nosniff      — JSON is never sniffed into HTML or script
//   Content-Security-Policy: default-src 'none'; frame-ancestors 'none'
//                                         — an API answer loads nothing and is never framed
//   X-Frame-Options: DENY                 — the same for browsers without CSP
//   Referrer-Policy: no-referrer
// A header the handler set already is kept: a route that serves HTML (a storefront page)
// sets its own Content-Security-Policy, and that one is sent instead of the default.
void AddSecurityHeaders(Response& response);

}  // namespace emporium::http

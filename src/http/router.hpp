#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"
#include "observability/metrics.hpp"

namespace emporium::http {

// Who may call a route. The server authenticates before the handler runs.
// kOptionalUser: anyone, but a bearer token, when sent, must be valid (then the handler
// sees the principal).
enum class Access { kPublic, kOptionalUser, kUser, kAdmin };

// Where a handler runs: kBlocking on the bounded blocking pool (anything touching a
// database or hashing), kInline on the event-loop thread (only cheap, non-blocking work).
enum class Execution { kBlocking, kInline };

using Handler = std::function<Response(Request&)>;
// Optional fast path tried on the event-loop thread first (e.g. a cache hit); nullopt
// falls through to the handler. Must never block.
using FastPath = std::function<std::optional<Response>(Request&)>;

struct RouteMetrics {
    observability::LatencyHistogram latency;
    std::array<observability::Counter, 600> by_status;
};

struct Route {
    Method method = Method::kGet;
    std::string pattern;  // "/api/v1/products/{product_id_or_slug}"
    Access access = Access::kPublic;
    Execution execution = Execution::kBlocking;
    Handler handler;
    FastPath fast_path;
    RouteMetrics metrics;
    std::vector<std::string> segments;  // pattern split on '/'; "{name}" marks a parameter
    // The last parameter takes the rest of the path, slashes included: "/assets/{hash}/{path}"
    // answers "/assets/ab12/app/main.js" with path = "app/main.js".
    bool last_parameter_takes_rest = false;
    // Tried only when no other route knows the path under any method, so it never turns an
    // API path's 404 or 405 into a page; and never for a path whose first segment is one of
    // `last_resort_excludes` ("api": an unknown API path keeps its JSON 404).
    bool last_resort = false;
    std::vector<std::string> last_resort_excludes;
};

// Matches method + path to a route with path parameters. Registration happens before the
// server starts; lookups are then read-only and thread-safe.
class Router {
  public:
    Route& Add(Method method, std::string pattern, Access access, Handler handler,
               Execution execution = Execution::kBlocking);

    struct Match {
        const Route* route = nullptr;  // null: no route for this method
        std::vector<Method> allowed;   // when route is null: methods the path does support (405)
    };
    Match Find(Method method, std::string_view path, Request& request) const;

    const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

  private:
    static bool MatchSegments(const Route& route, const std::vector<std::string_view>& parts, Request* request);
    std::vector<std::unique_ptr<Route>> routes_;
};

}  // namespace emporium::http

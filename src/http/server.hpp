#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/request_context.hpp"
#include "core/result.hpp"
#include "http/request_policy.hpp"
#include "http/router.hpp"
#include "http/session_cookie.hpp"
#include "observability/metrics.hpp"
#include "runtime/blocking_pool.hpp"

namespace emporium::http {

struct ServerOptions {
    std::string host = "0.0.0.0";
    int port = 8080;
    int io_threads = 1;
    std::size_t max_body_bytes = 1 << 20;
    std::size_t max_header_bytes = 16 << 10;
    std::chrono::milliseconds read_timeout{10'000};    // a request body, and writing a response
    std::chrono::milliseconds idle_timeout{60'000};    // waiting for a request's first byte
    std::chrono::milliseconds header_timeout{10'000};  // the rest of its header, from the first byte
    std::size_t first_read_bytes = 4096;               // read while waiting for a request
    int64_t max_connections = 10'000;                  // open client connections in all
    int64_t max_connections_per_address = 256;         // ... from one client address
    std::chrono::milliseconds request_timeout{10'000};
    std::chrono::milliseconds shutdown_grace{10'000};
    bool access_log = true;
    int blocking_threads = 64;
    int blocking_queue_limit = 1024;
    CookieOptions session_cookies;  // pages' sessions (http/session_cookie.hpp)
};

// Checks a bearer token; runs on the blocking pool.
using Authenticator = std::function<core::Result<core::Principal>(const core::RequestContext&, std::string_view)>;

// HTTP/1.1 server on Boost.Beast with C++20 coroutines.
//
// One io_context per I/O thread, each with its own SO_REUSEPORT acceptor, so a
// connection lives on one thread for its whole life. A request runs: request id and
// trace context → size limits and timeouts → routing (404/405) → media type (415) →
// the policy's arrival check (client address, deadline, rate limit: 429) → the route's
// fast path on the I/O thread, else the policy's admission (shed: 503), authentication,
// the policy's check of the signed-in caller and the handler on the bounded blocking pool
// (full → 503) → access log and metrics. Any error becomes an
// RFC 9457 problem. SIGTERM/SIGINT stop accepting, close idle connections, let in-flight
// requests finish (answering with Connection: close) within shutdown_grace, then stop.
class Server {
  public:
    // `policy` (may be null) admits requests: rate limits, load shedding, deadlines.
    Server(ServerOptions options, const Router& router, Authenticator authenticator,
           observability::MetricsRegistry& metrics, RequestPolicy* policy = nullptr);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds every acceptor; returns the bound port (useful with port 0).
    core::Result<int> Listen();
    // Serves until shutdown completes. Installs the SIGTERM/SIGINT handlers. Blocks.
    void Run();
    // Starts a graceful shutdown; thread-safe and idempotent.
    void Shutdown();

    runtime::BlockingPoolStats PoolStats() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace emporium::http

#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace emporium::http {

struct ClientRequest {
    std::string method = "GET";
    std::string target = "/";  // path and query
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string content_type = "application/json";
};

struct ClientResponse {
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
    std::string body;
};

// A blocking HTTP/1.1 client for calls to other services and providers, meant for the
// blocking pool. Every call has a deadline covering connect, write and read; a call that
// misses it fails with kUnavailable ("timed out"), as does a refused connection.
// Connections are kept alive and reused (up to `max_idle_connections` idle ones): a fresh
// connection per call cost a name lookup, an epoll set, a handshake and a teardown, which
// was a tenth of a paid checkout's CPU. A request that fails on a reused connection before
// any answer arrived (the server closed it while idle) is sent once more on a new one, so
// only send requests that are safe to repeat that way (idempotent, or carrying an
// idempotency key). Thread-safe; copies share the pool. Beast stays inside client.cpp.
class HttpClient {
  public:
    // `base_url` like "http://127.0.0.1:9100" (http only).
    static core::Result<HttpClient> Create(const std::string& base_url, std::size_t max_idle_connections = 64);

    core::Result<ClientResponse> Send(const ClientRequest& request, std::chrono::milliseconds timeout) const;
    const std::string& base_url() const;

    struct Pool;  // defined in client.cpp

  private:
    explicit HttpClient(std::shared_ptr<Pool> pool) : pool_(std::move(pool)) {}
    std::shared_ptr<Pool> pool_;
};

}  // namespace emporium::http

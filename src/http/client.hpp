#pragma once

#include <chrono>
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
// misses it fails with kUnavailable ("timed out"), as does a refused connection. One
// connection per call: loopback connects are cheap, and no state outlives a call.
// Thread-safe (no shared state). Beast stays inside client.cpp.
class HttpClient {
  public:
    // `base_url` like "http://127.0.0.1:9100" (http only).
    static core::Result<HttpClient> Create(const std::string& base_url);

    core::Result<ClientResponse> Send(const ClientRequest& request, std::chrono::milliseconds timeout) const;
    const std::string& base_url() const { return base_url_; }

  private:
    HttpClient(std::string base_url, std::string host, std::string port)
        : base_url_(std::move(base_url)), host_(std::move(host)), port_(std::move(port)) {}
    std::string base_url_, host_, port_;
};

}  // namespace emporium::http

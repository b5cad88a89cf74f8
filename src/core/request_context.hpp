#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace emporium::core {

enum class Role { kCustomer, kAdmin };

// Who is calling, once the session token has been checked.
struct Principal {
    std::string user_id;
    Role role = Role::kCustomer;
    std::string token_hash;          // the session this request authenticated with (for logout)
    int64_t session_expires_at = 0;  // Unix seconds; a cached principal is not used past it
};

// Travels with every request into every service and port call.
struct RequestContext {
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
    std::string request_id;
    std::string trace_id;  // from W3C traceparent, when the client sent one
    std::optional<Principal> principal;
    // The caller's IP address: the peer's, or the one a trusted proxy forwarded
    // (X-Forwarded-For). Empty for work no client asked for.
    std::string client_address;

    // Set by the server while the client is still there to read the answer; true once it has
    // gone (closed or reset its connection), so work for nobody stops at its next wait.
    std::shared_ptr<const std::atomic<bool>> client_gone;

    bool Expired() const {
        return std::chrono::steady_clock::now() >= deadline ||
               (client_gone && client_gone->load(std::memory_order_relaxed));
    }

    // The same request with a fresh deadline `budget` from now, for work that must run even
    // though the request's own time is up: undoing a step half done (the stock reserved for
    // an order that could not be stored).
    RequestContext Detached(std::chrono::milliseconds budget = std::chrono::seconds(10)) const {
        RequestContext detached = *this;
        detached.deadline = std::chrono::steady_clock::now() + budget;
        detached.client_gone = nullptr;
        return detached;
    }
};

}  // namespace emporium::core

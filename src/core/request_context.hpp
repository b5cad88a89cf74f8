#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace emporium::core {

enum class Role { kCustomer, kAdmin };

// Who is calling, once the session token has been checked.
struct Principal {
    std::string user_id;
    Role role = Role::kCustomer;
    std::string token_hash;  // the session this request authenticated with (for logout)
};

// Travels with every request into every service and port call.
struct RequestContext {
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
    std::string request_id;
    std::string trace_id;  // from W3C traceparent, when the client sent one
    std::optional<Principal> principal;

    bool Expired() const { return std::chrono::steady_clock::now() >= deadline; }

    // The same request with a fresh deadline `budget` from now, for work that must run even
    // though the request's own time is up: undoing a step half done (the stock reserved for
    // an order that could not be stored).
    RequestContext Detached(std::chrono::milliseconds budget = std::chrono::seconds(10)) const {
        RequestContext detached = *this;
        detached.deadline = std::chrono::steady_clock::now() + budget;
        return detached;
    }
};

}  // namespace emporium::core

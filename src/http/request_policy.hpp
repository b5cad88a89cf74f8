#pragma once

#include <chrono>
#include <optional>

#include "http/message.hpp"
#include "http/router.hpp"

namespace emporium::http {

// What the gateway decides about a request, at the points the server reaches: the server
// runs the protocol, a RequestPolicy (src/gateway/) runs admission — rate limits, load
// shedding, deadlines — so the server knows nothing about route classes or counters.
// Called from several threads at once.
class RequestPolicy {
  public:
    virtual ~RequestPolicy() = default;

    // On the event loop once the route is known, before any work: sets the client address
    // and the class's deadline; may refuse at once (a local rate-limit bucket). Must not
    // block. The returned response is sent as is.
    virtual std::optional<Response> OnArrival(const Route& route, Request& request) = 0;
    // True when a decision is still owed that may block (a remote counter store): the
    // server then calls OnAuthenticated on the blocking pool before any fast path.
    virtual bool NeedsBlockingCheck(const Request& request) const = 0;
    // On the blocking pool, after authentication (request.context.principal is set when
    // the caller signed in). May block briefly (a counter store round trip).
    virtual std::optional<Response> OnAuthenticated(const Route& route, Request& request) = 0;
    // On the blocking pool, when a request that sent credentials failed authentication
    // (`refusal` is its 401): the answer to send, which may be a 429 instead, so that
    // guessing tokens is limited like any other anonymous calling.
    virtual Response OnAuthenticationFailed(const Route& route, Request& request, Response refusal) = 0;
    // On the event loop, before blocking-pool work is queued: false sheds the request.
    virtual bool Admit(const Route& route, Request& request) = 0;
    // The answer to a request refused by Admit.
    virtual Response Shed(const Route& route, const Request& request) = 0;
    // After admitted work is done (or was refused by the pool: `overloaded`). `queue_delay`:
    // from admission to a worker starting on it; `service_time`: the work itself.
    virtual void Finish(const Route& route, const Request& request, std::chrono::nanoseconds queue_delay,
                        std::chrono::nanoseconds service_time, bool overloaded) = 0;
};

}  // namespace emporium::http

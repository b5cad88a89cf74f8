#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "loadgen/http_message.hpp"
#include "loadgen/stats.hpp"

namespace emporium::loadgen {

// What one connection does: a user session as a state machine. The runner asks for a request,
// sends it on the script's own keep-alive connection (one request in flight, no pipelining),
// and hands back the response. Called from one thread only.
class Script {
  public:
    virtual ~Script() = default;
    // The next request, or std::nullopt when the script has nothing more to do (its connection
    // is closed; a run without a duration ends when every script is done).
    virtual std::optional<Request> Next() = 0;
    // The response to the request Next() returned last; status 0 when there was none. `stats`
    // belongs to the connection's thread; its `recording` says whether this is inside the
    // measurement window.
    virtual void OnResponse(const Request& request, const Response& response, Stats& stats) = 0;
};

// Makes the script of connection `index` (0..connections-1). Called on the calling thread,
// before any I/O starts.
using ScriptFactory = std::function<std::unique_ptr<Script>(int index)>;

// "http://host:port[/...]": the part the runner needs.
struct Target {
    std::string host;
    uint16_t port = 80;
    std::string host_header;  // "host:port"
};

// Parses an http:// URL (https is not supported); std::nullopt when malformed.
std::optional<Target> ParseUrl(const std::string& url);

struct RunOptions {
    Target target;
    int connections = 1;
    int threads = 1;                      // one event loop (io_context) per thread, connections split evenly
    int64_t duration_ns = 0;              // measured time after the warm-up; 0 = until every script is done
    int64_t warmup_ns = 0;                // responses completing in the warm-up are not recorded
    double rate = 0;                      // > 0: open loop, this many requests/s in total at fixed intended times
    int64_t timeout_ns = 30'000'000'000;  // a request not answered in this time fails (status 0)
};

struct RunResult {
    Stats stats;              // every thread's, merged
    int64_t measured_ns = 0;  // the window the stats cover
    // Open loop: requests whose intended start lay in the run but that had not been sent or
    // answered when it ended, and the largest number waiting for a free connection at once.
    int64_t unfinished = 0;
    int64_t max_backlog = 0;
    int64_t reconnects = 0;  // connections opened after the first (server closed, errors)
};

// Connects every connection first, then starts all scripts at the same instant (so a flash
// sale's buyers really race), and runs until the duration ends or all scripts are done.
// Closed loop (rate 0): each connection sends its script's next request as soon as the
// previous answer arrived; latency is measured from the send. Open loop: requests are due at
// start + i/rate; a due request takes the next free connection, or waits for one, and its
// latency is measured from when it was due, so queueing is not hidden (no coordinated omission).
RunResult Run(const RunOptions& options, const ScriptFactory& factory);

// One request on a fresh connection, outside any measurement (set-up steps).
Response Fetch(const Target& target, Request request, int64_t timeout_ns = 30'000'000'000);

// Monotonic clock in nanoseconds.
int64_t NowNs();

}  // namespace emporium::loadgen

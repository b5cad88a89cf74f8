#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/request_context.hpp"
#include "core/result.hpp"

struct redisContext;

namespace emporium::infra::redis {

// One reply of the server, copied out of hiredis. An error reply is not a Reply: the call
// that got it returns an error instead.
struct Reply {
    enum class Type { kNil, kInteger, kString, kStatus, kArray };
    Type type = Type::kNil;
    int64_t integer = 0;
    std::string text;  // kString and kStatus
    std::vector<Reply> elements;

    bool is_nil() const { return type == Type::kNil; }
};

using Command = std::vector<std::string>;

// A Lua script run with EVALSHA. Its SHA-1 is learnt from SCRIPT LOAD on first use and
// again after the server forgot it (a restart), so the text travels once per server life.
class Script {
  public:
    explicit Script(std::string source) : source_(std::move(source)) {}
    const std::string& source() const { return source_; }

  private:
    friend class Client;
    std::string source_;
    std::mutex mutex_;
    std::string sha1_;  // under mutex_; empty until loaded
};

struct ClientSettings {
    // "host:port", or the path of a Unix socket (starting with '/').
    std::string address;
    std::string name = "redis";  // in logs, metrics and errors
    int connections = 16;
    std::chrono::milliseconds connect_timeout{500};
    // After a failed connect, calls fail at once for this long instead of each waiting for
    // its own connect timeout on a server that is down.
    std::chrono::milliseconds down_rest{1000};
};

// Our client of one Redis server over hiredis's blocking API: a bounded pool of
// connections, each call on one connection with every command of the call pipelined (sent
// together, then the replies read). Every wait — for a pooled connection, for connecting,
// for the server's replies — ends at the caller's deadline with kUnavailable, and a
// connection that timed out or failed is closed, never reused (its replies would be out of
// step). Calls block: they belong on the blocking pool, never on an I/O thread. Thread-safe.
class Client {
  public:
    explicit Client(ClientSettings settings);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    const ClientSettings& settings() const { return settings_; }

    // One command. kUnavailable: the server is down, slow past the deadline, or the pool is
    // exhausted until the deadline; kInternal: the server answered with an error.
    core::Result<Reply> Run(const core::RequestContext& ctx, const Command& command);
    // Several commands sent at once on one connection; one reply each, in order. An error
    // reply to any fails the whole call (the others were still executed).
    core::Result<std::vector<Reply>> Pipeline(const core::RequestContext& ctx, const std::vector<Command>& commands);
    // EVALSHA of `script` with `keys` and `args` (loading it when the server does not know it).
    core::Result<Reply> Eval(const core::RequestContext& ctx, Script& script, const std::vector<std::string>& keys,
                             const std::vector<std::string>& args);

    // Whether the last attempt to reach the server succeeded (for health checks).
    bool up() const { return up_.load(std::memory_order_relaxed); }
    struct Stats {
        uint64_t calls = 0;
        uint64_t failures = 0;  // calls that ended in kUnavailable
        uint64_t connects = 0;
    };
    Stats stats() const;
    // Prometheus text of the stats, labelled with the client's name.
    void RenderMetrics(std::string& out) const;

    // Opens a connection of its own (not pooled) for a caller that keeps it, e.g. a
    // subscriber. The caller frees it with redisFree.
    core::Result<redisContext*> Connect(std::chrono::milliseconds timeout);

  private:
    using Deadline = std::chrono::steady_clock::time_point;
    core::Result<redisContext*> Acquire(Deadline deadline);
    void Release(redisContext* connection, bool healthy);
    core::Result<std::vector<Reply>> Exchange(redisContext* connection, Deadline deadline,
                                              const std::vector<Command>& commands, bool& healthy);
    core::Result<std::vector<Reply>> Call(const core::RequestContext& ctx, const std::vector<Command>& commands);

    ClientSettings settings_;
    std::mutex mutex_;
    std::condition_variable released_;
    std::vector<redisContext*> idle_;
    int open_ = 0;  // connections idle or in use
    Deadline down_until_{};
    std::atomic<bool> up_{true};
    std::atomic<uint64_t> calls_{0};
    std::atomic<uint64_t> failures_{0};
    std::atomic<uint64_t> connects_{0};
};

}  // namespace emporium::infra::redis

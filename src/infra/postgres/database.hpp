#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/request_context.hpp"
#include "core/result.hpp"
#include "infra/migrations.hpp"
#include "infra/postgres/connection.hpp"

namespace emporium::infra::postgres {

using Migration = infra::Migration;

struct DatabaseOptions {
    std::string name;      // label in metrics and logs, e.g. "primary", "orders-1"
    std::string conninfo;  // libpq keyword/value string
    int connections = 8;   // the pool's bound: at most this many sessions on the server
    // Applied (under an advisory lock, so processes starting together take turns) when the
    // database opens; empty for a replica, which has its primary's.
    std::vector<Migration> migrations;
    bool read_only = false;  // a streaming replica: Write refuses
    // The longest a caller waits for a pooled connection or the server, when its own
    // deadline is later (or absent).
    std::chrono::milliseconds max_wait{10'000};
};

struct DatabaseStats {
    int64_t connections_total = 0;  // the bound
    int64_t connections_open = 0;
    int64_t connections_in_use = 0;
    int64_t waiting = 0;          // callers waiting for a connection now
    int64_t transactions = 0;     // Write jobs committed
    int64_t retries = 0;          // jobs run again after a serialization failure, deadlock or lost idle connection
    int64_t failures = 0;         // calls answered kUnavailable (server down, deadline, pool exhausted)
    int64_t connects_failed = 0;  // attempts to open a connection that failed
};

// A bounded pool of connections to one PostgreSQL database.
//
// Read and Write block the calling thread: call them from the blocking pool, never from an
// event-loop thread. Every wait (for a pooled connection, for the server) ends at the
// caller's deadline, or `max_wait` from now when that is sooner, with kUnavailable.
//
// Write runs its job in a READ COMMITTED transaction: a job that reads and then writes
// must lock what it read (SELECT … FOR UPDATE) or make its write conditional, as several
// run at once (unlike SQLite's one writer). A job that fails with a serialization failure
// or a deadlock, or whose connection turns out dead before anything was committed, is run
// again (at most twice) on a fresh connection: it must touch nothing but the connection. A
// connection lost after COMMIT was sent is NOT retried — the outcome is unknown, and the
// caller gets kUnavailable (idempotency keys make its own retry safe).
// Thread-safe.
class Database {
  public:
    static core::Result<std::unique_ptr<Database>> Open(DatabaseOptions options);
    ~Database();

    // Runs `work` on a pooled connection; its statements run without a transaction (each
    // sees the latest committed data). For one snapshot across statements use Snapshot.
    template <typename T>
    core::Result<T> Read(const core::RequestContext& ctx, const std::function<core::Result<T>(Connection&)>& work);
    // Runs `work` inside a read-only REPEATABLE READ transaction: every statement sees the
    // same snapshot.
    template <typename T>
    core::Result<T> Snapshot(const core::RequestContext& ctx, const std::function<core::Result<T>(Connection&)>& work);
    // Runs `work` inside a transaction and returns once it committed (durably: the servers
    // run with fsync and synchronous_commit on). If `work` fails, its changes are rolled back.
    template <typename T>
    core::Result<T> Write(const core::RequestContext& ctx, const std::function<core::Result<T>(Connection&)>& work);

    // SELECT 1 through the pool (health checks).
    core::Result<void> Ping(const core::RequestContext& ctx);

    DatabaseStats Stats() const;
    const std::string& name() const { return options_.name; }
    const DatabaseOptions& options() const { return options_; }

    // Runs before every Read, Snapshot and Write (and Ping), before a connection is taken:
    // fault injection's added database latency (src/app). An error is returned as the
    // call's. Set it before the database is shared between threads.
    using BeforeWork = std::function<core::Result<void>(const core::RequestContext&)>;
    void SetBeforeWork(BeforeWork hook) { before_work_ = std::move(hook); }

  private:
    enum class Mode { kRead, kSnapshot, kWrite };
    explicit Database(DatabaseOptions options) : options_(std::move(options)) {}
    core::Result<void> Migrate();
    core::Result<void> Run(const core::RequestContext& ctx, Mode mode,
                           const std::function<core::Result<void>(Connection&)>& work);
    core::Result<std::unique_ptr<Connection>> Acquire(Deadline deadline);
    void Release(std::unique_ptr<Connection> connection);

    DatabaseOptions options_;
    BeforeWork before_work_;
    mutable std::mutex mutex_;
    std::condition_variable available_;
    std::vector<std::unique_ptr<Connection>> idle_;
    int64_t open_ = 0;  // idle + in use + being opened
    int64_t in_use_ = 0;
    int64_t waiting_ = 0;
    std::atomic<int64_t> transactions_{0};
    std::atomic<int64_t> retries_{0};
    std::atomic<int64_t> failures_{0};
    std::atomic<int64_t> connects_failed_{0};
};

namespace detail {
// Runs a typed job through the untyped `run`, keeping its value.
template <typename T>
core::Result<T> RunErased(
    const std::function<core::Result<void>(const std::function<core::Result<void>(Connection&)>&)>& run,
    const std::function<core::Result<T>(Connection&)>& work) {
    std::optional<core::Result<T>> out;
    auto status = run([&](Connection& connection) -> core::Result<void> {
        out.emplace(work(connection));
        if (!out->ok()) return out->error();
        return core::Ok();
    });
    if (!status.ok()) return status.error();
    return std::move(*out);
}
}  // namespace detail

template <typename T>
core::Result<T> Database::Read(const core::RequestContext& ctx,
                               const std::function<core::Result<T>(Connection&)>& work) {
    if constexpr (std::is_void_v<T>) {
        return Run(ctx, Mode::kRead, work);
    } else {
        return detail::RunErased<T>([&](const auto& erased) { return Run(ctx, Mode::kRead, erased); }, work);
    }
}

template <typename T>
core::Result<T> Database::Snapshot(const core::RequestContext& ctx,
                                   const std::function<core::Result<T>(Connection&)>& work) {
    if constexpr (std::is_void_v<T>) {
        return Run(ctx, Mode::kSnapshot, work);
    } else {
        return detail::RunErased<T>([&](const auto& erased) { return Run(ctx, Mode::kSnapshot, erased); }, work);
    }
}

template <typename T>
core::Result<T> Database::Write(const core::RequestContext& ctx,
                                const std::function<core::Result<T>(Connection&)>& work) {
    if constexpr (std::is_void_v<T>) {
        return Run(ctx, Mode::kWrite, work);
    } else {
        return detail::RunErased<T>([&](const auto& erased) { return Run(ctx, Mode::kWrite, erased); }, work);
    }
}

// Collects the migrations embedded under schemas/postgres/<schema>/, ordered by version.
std::vector<Migration> EmbeddedMigrations(std::string_view schema);
std::vector<Migration> EmbeddedMigrations(const std::vector<std::string>& schemas);

}  // namespace emporium::infra::postgres

#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "infra/migrations.hpp"
#include "infra/sqlite/connection.hpp"

namespace emporium::infra::sqlite {

using Migration = infra::Migration;

struct DatabaseOptions {
    std::string path;
    std::string name;  // label in metrics and logs, e.g. "users"
    int read_connections = 8;
    int busy_timeout_ms = 5000;
    int write_batch_max = 256;
    std::vector<Migration> migrations;
    // Page cache per connection: the readers each hold their own copy of hot pages, so
    // this times (read_connections + 1) times the databases bounds SQLite's memory.
    int cache_kib = 4096;
    // The committing writer copies the WAL back into the database file once it holds this
    // many pages (SQLite's own default is 1,000). Rarer checkpoints copy a page that many
    // commits rewrote once; the WAL file grows to about this many pages × 4 KiB.
    int wal_checkpoint_pages = 1000;
};

struct DatabaseStats {
    int64_t read_connections_total = 0;
    int64_t read_connections_in_use = 0;
    int64_t write_queue_depth = 0;
    int64_t write_batches = 0;
    int64_t write_jobs = 0;
    int64_t pages_written = 0;  // by the writer, to the WAL (what each commit costs in I/O)
};

// One SQLite database file in WAL mode: a pool of read connections, and one write
// connection used by one thread at a time.
//
// Why this shape: SQLite allows one writer at a time, and a durable commit costs an fsync
// (LIMITS.md: ~3,800 single-row commits/s). Writes are group-committed the way LevelDB's
// writers are: callers queue up; the caller at the front becomes the leader, runs every
// queued job (each in its own SAVEPOINT, so a failing job rolls back alone), commits the
// batch once with synchronous=FULL, completes the followers' jobs, and hands the front to
// the next caller. Under load one fsync covers many writes; idle, a lone write commits at
// once on its own thread, with no hand-off to a writer thread and back (two thread
// wake-ups per write, which the checkout profile showed). Durability is unchanged: no
// caller hears "done" before its data is on disk. Readers run beside the writer thanks to
// WAL.
//
// Read and Write block the calling thread: call them from the blocking pool, never from
// an event-loop thread. A write job that writes to the same database again gets an error
// (it would wait for itself). Every caller must be done before the Database is destroyed.
// Thread-safe.
class Database {
  public:
    static core::Result<std::unique_ptr<Database>> Open(DatabaseOptions options);
    ~Database();

    // Runs `work` on a read-only connection inside a read transaction (one snapshot).
    template <typename T>
    core::Result<T> Read(const std::function<core::Result<T>(Connection&)>& work);

    // Runs `work` on the writer inside a SAVEPOINT and returns once its batch is durable.
    // If `work` fails its changes are rolled back and its error returned.
    template <typename T>
    core::Result<T> Write(std::function<core::Result<T>(Connection&)> work);

    // A trivial query through the read pool, for /health/ready.
    core::Result<void> Ping();

    DatabaseStats Stats() const;
    const std::string& name() const { return options_.name; }

    // Runs before every Read and Write (and Ping), outside any lock or connection: fault
    // injection's added database latency (src/app). An error is returned as the call's.
    // Set it before the database is shared between threads.
    using BeforeWork = std::function<core::Result<void>()>;
    void SetBeforeWork(BeforeWork hook) { before_work_ = std::move(hook); }

  private:
    // One caller's write, on its stack while it waits in the queue.
    struct PendingWrite {
        std::function<core::Result<void>(Connection&)> work;
        std::optional<core::Result<void>> result;  // set (under write_mutex_) when its batch is durable
        std::condition_variable turn;              // its result is set, or it leads next
    };

    explicit Database(DatabaseOptions options) : options_(std::move(options)) {}
    core::Result<void> Migrate(Connection& connection);
    core::Result<void> ReadErased(const std::function<core::Result<void>(Connection&)>& work);
    core::Result<void> WriteErased(std::function<core::Result<void>(Connection&)> work);
    // Runs `batch` in one transaction on the writer; one outcome per job.
    std::vector<core::Result<void>> CommitBatch(const std::vector<PendingWrite*>& batch);
    std::unique_ptr<Connection> AcquireReader();
    void ReleaseReader(std::unique_ptr<Connection> connection);

    DatabaseOptions options_;
    BeforeWork before_work_;

    mutable std::mutex readers_mutex_;
    std::condition_variable readers_available_;
    std::vector<std::unique_ptr<Connection>> idle_readers_;
    int64_t readers_in_use_ = 0;

    std::unique_ptr<Connection> writer_;  // used only by the current leader
    mutable std::mutex write_mutex_;
    std::deque<PendingWrite*> write_queue_;  // the front one is the leader
    std::condition_variable write_queue_empty_;
    bool stopping_ = false;
    std::atomic<int64_t> write_batches_{0};
    std::atomic<int64_t> write_jobs_{0};
    std::atomic<int64_t> pages_written_{0};
};

template <typename T>
core::Result<T> Database::Read(const std::function<core::Result<T>(Connection&)>& work) {
    std::optional<core::Result<T>> out;
    auto status = ReadErased([&](Connection& connection) -> core::Result<void> {
        out.emplace(work(connection));
        return core::Ok();
    });
    if (!status.ok()) return status.error();
    return std::move(*out);
}

template <typename T>
core::Result<T> Database::Write(std::function<core::Result<T>(Connection&)> work) {
    std::optional<core::Result<T>> out;
    auto status = WriteErased([&](Connection& connection) -> core::Result<void> {
        out.emplace(work(connection));
        if (!out->ok()) return out->error();
        return core::Ok();
    });
    if (!status.ok()) return status.error();
    return std::move(*out);
}

template <>
inline core::Result<void> Database::Read<void>(const std::function<core::Result<void>(Connection&)>& work) {
    return ReadErased(work);
}

template <>
inline core::Result<void> Database::Write<void>(std::function<core::Result<void>(Connection&)> work) {
    return WriteErased(std::move(work));
}

// Runs `delete_sql` (a DELETE of at most ?2 rows older than ?1) in commits of `batch_rows`
// rows until fewer are left, so that clearing a large backlog never holds the writer (and
// every write queued behind it) for long. Returns the rows deleted.
core::Result<int64_t> DeleteInBatches(Database& db, std::string_view delete_sql, int64_t before,
                                      int64_t batch_rows = 1000);

// Collects the migrations embedded under schemas/sqlite/<schema>/, ordered by version.
// File names are NNNN_description.sql.
std::vector<Migration> EmbeddedMigrations(std::string_view schema);
// The migrations of several embedded schemas, in the order given (e.g. every service's and
// "bus" for the embedded shop's one database file). Each schema keeps its own numbering.
std::vector<Migration> EmbeddedMigrations(std::initializer_list<std::string_view> schemas);
std::vector<Migration> EmbeddedMigrations(const std::vector<std::string>& schemas);

}  // namespace emporium::infra::sqlite

#include "infra/postgres/database.hpp"

#include <algorithm>

namespace emporium::infra::postgres {

using core::Error;
using core::Result;

namespace {

constexpr std::string_view kSetStatementTimeout = "SELECT set_config('statement_timeout', $1, false)";
constexpr std::string_view kBegin = "BEGIN";
constexpr std::string_view kBeginSnapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
constexpr std::string_view kCommit = "COMMIT";
constexpr std::string_view kRollback = "ROLLBACK";
constexpr std::string_view kPing = "SELECT 1";

// Migrations of every process take turns on this advisory lock (a constant of ours).
constexpr std::string_view kLockMigrations = "SELECT pg_advisory_lock(7212001)";
constexpr std::string_view kUnlockMigrations = "SELECT pg_advisory_unlock(7212001)";
constexpr std::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations (schema TEXT NOT NULL, version INTEGER NOT NULL, "
    "name TEXT NOT NULL, applied_at BIGINT NOT NULL, PRIMARY KEY (schema, version))";
constexpr std::string_view kSelectMigration = "SELECT 1 FROM schema_migrations WHERE schema = $1 AND version = $2";
constexpr std::string_view kInsertMigration =
    "INSERT INTO schema_migrations (schema, version, name, applied_at) "
    "VALUES ($1, $2, $3, extract(epoch from now())::bigint)";

// A caller with less time than this left gets a statement_timeout of its own.
constexpr int64_t kShortDeadlineMs = 2000;

// A serialization failure or deadlock: the job may simply run again.
bool RetryableConflict(const std::string& sqlstate) { return sqlstate == "40001" || sqlstate == "40P01"; }

}  // namespace

std::vector<Migration> EmbeddedMigrations(std::string_view schema) {
    return infra::EmbeddedMigrations("postgres", {std::string(schema)});
}

std::vector<Migration> EmbeddedMigrations(const std::vector<std::string>& schemas) {
    return infra::EmbeddedMigrations("postgres", schemas);
}

Result<std::unique_ptr<Database>> Database::Open(DatabaseOptions options) {
    auto database = std::unique_ptr<Database>(new Database(std::move(options)));
    if (database->options_.connections < 1) return Error::Internal("postgres: a pool needs a connection");
    if (!database->options_.migrations.empty()) EMPORIUM_TRY(database->Migrate());
    return database;
}

Database::~Database() = default;

Result<void> Database::Migrate() {
    Deadline deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
    EMPORIUM_ASSIGN_OR_RETURN(auto connection, Acquire(deadline));
    connection->set_deadline(deadline);
    auto migrate = [&]() -> Result<void> {
        EMPORIUM_TRY(connection->Query(kLockMigrations));
        EMPORIUM_TRY(connection->Exec(kCreateMigrationsTable));
        for (const auto& migration : options_.migrations) {
            EMPORIUM_ASSIGN_OR_RETURN(auto applied,
                                      connection->Query(kSelectMigration, Params(migration.schema, migration.version)));
            if (!applied.empty()) continue;
            EMPORIUM_TRY(connection->Exec(kBegin));
            auto step = [&]() -> Result<void> {
                EMPORIUM_TRY(connection->ExecuteScript(migration.sql));
                EMPORIUM_TRY(
                    connection->Exec(kInsertMigration, Params(migration.schema, migration.version, migration.name)));
                EMPORIUM_TRY(connection->Exec(kCommit));
                return core::Ok();
            }();
            if (!step.ok()) {
                (void)connection->Exec(kRollback);
                return Error::Internal("postgres " + options_.name + ": migration " + migration.schema + "/" +
                                       migration.name + " failed: " + step.error().message);
            }
        }
        return core::Ok();
    }();
    (void)connection->Query(kUnlockMigrations);
    Release(std::move(connection));
    return migrate;
}

Result<std::unique_ptr<Connection>> Database::Acquire(Deadline deadline) {
    std::unique_lock lock(mutex_);
    for (;;) {
        while (!idle_.empty()) {
            auto connection = std::move(idle_.back());
            idle_.pop_back();
            // One the server closed while it sat here (a restart) is dropped now, not found
            // dead at the COMMIT of a job that only queued statements (outcome unknown).
            if (!connection->StillOpen()) {
                --open_;
                continue;
            }
            ++in_use_;
            return connection;
        }
        if (open_ < options_.connections) {
            ++open_;
            ++in_use_;
            lock.unlock();
            auto opened = Connection::Open(
                {.conninfo = options_.conninfo, .statement_timeout = std::chrono::milliseconds(options_.max_wait)});
            if (!opened.ok()) {
                connects_failed_.fetch_add(1, std::memory_order_relaxed);
                lock.lock();
                --open_;
                --in_use_;
                available_.notify_one();
                Error error = std::move(opened).error();
                error.message = "postgres " + options_.name + ": " + error.message;
                return error;
            }
            return std::move(opened).value();
        }
        ++waiting_;
        bool timed_out = available_.wait_until(lock, deadline) == std::cv_status::timeout;
        --waiting_;
        if (timed_out && idle_.empty() && open_ >= options_.connections)
            return Error::Unavailable("postgres " + options_.name + ": all " + std::to_string(options_.connections) +
                                      " connections busy");
    }
}

void Database::Release(std::unique_ptr<Connection> connection) {
    std::unique_ptr<Connection> closing;
    {
        std::lock_guard lock(mutex_);
        --in_use_;
        if (connection->reusable()) {
            idle_.push_back(std::move(connection));
        } else {
            --open_;
            closing = std::move(connection);  // closed outside the lock
        }
    }
    available_.notify_one();
}

Result<void> Database::Run(const core::RequestContext& ctx, Mode mode,
                           const std::function<Result<void>(Connection&)>& work) {
    auto now = std::chrono::steady_clock::now();
    if (now >= ctx.deadline) {
        failures_.fetch_add(1, std::memory_order_relaxed);
        return Error::Unavailable("deadline exceeded");
    }
    if (mode == Mode::kWrite && options_.read_only)
        return Error::Internal("postgres " + options_.name + ": a write sent to a read-only replica");
    if (before_work_) {
        EMPORIUM_TRY(before_work_(ctx));
        now = std::chrono::steady_clock::now();
    }
    Deadline deadline = std::min(ctx.deadline, now + options_.max_wait);
    constexpr int kAttempts = 3;
    for (int attempt = 1;; ++attempt) {
        auto acquired = Acquire(deadline);
        if (!acquired.ok()) {
            failures_.fetch_add(1, std::memory_order_relaxed);
            return acquired.error();
        }
        // Back to the pool (or closed) on every way out, an exception in `work` included.
        auto release = [this](Connection* c) { Release(std::unique_ptr<Connection>(c)); };
        std::unique_ptr<Connection, decltype(release)> connection(std::move(acquired).value().release(), release);
        connection->set_deadline(deadline);
        // BEGIN goes first: a statement before it would take the snapshot that BEGIN's
        // isolation level must precede.
        if (mode == Mode::kWrite) connection->Queue(kBegin);
        if (mode == Mode::kSnapshot) connection->Queue(kBeginSnapshot);
        // The server gives up on a statement when the caller would have. Sessions start
        // with `max_wait` (the longest any caller waits); only a caller with little time
        // left sets its own, and the next one gets `max_wait` back — a statement more per
        // call, pipelined, only then (a checkout's calls would otherwise each pay one).
        auto remaining_ms = std::max<int64_t>(
            1,
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
        int64_t wanted_ms = remaining_ms < kShortDeadlineMs ? remaining_ms : options_.max_wait.count();
        if (wanted_ms != connection->statement_timeout_ms()) {
            connection->Queue(kSetStatementTimeout, Params(std::to_string(wanted_ms)));
            connection->set_statement_timeout_ms(wanted_ms);
        }

        bool commit_sent = false;
        Result<void> outcome = core::Ok();
        try {
            outcome = work(*connection);
        } catch (const std::exception& e) {
            // A bug in the job; the connection's state is unknown, so it is not reused.
            connection->Abandon();
            outcome = Error::Internal(std::string("postgres job threw: ") + e.what());
        }
        if (outcome.ok()) {
            if (mode == Mode::kRead) {
                outcome = connection->Flush();
            } else if (connection->in_failed_transaction()) {
                // COMMIT would answer ROLLBACK without an error: never report it committed.
                outcome = Error::Internal("postgres: the job went on after a failed statement");
            } else {
                commit_sent = true;
                auto committed = connection->Exec(kCommit);
                if (!committed.ok()) outcome = committed.error();
            }
        }
        if (outcome.ok()) {
            if (mode == Mode::kWrite) transactions_.fetch_add(1, std::memory_order_relaxed);
            return core::Ok();
        }
        connection->DropQueued();
        connection->set_statement_timeout_ms(0);  // a rolled-back setting reverts: unknown now
        std::string sqlstate = connection->last_sqlstate();
        bool connection_lost = !connection->healthy();
        if (!connection_lost && mode != Mode::kRead) (void)connection->Exec(kRollback);
        // A connection found dead may be one the server dropped while it sat in the pool
        // (a restart): nothing of this job was committed, so a fresh one may run it — unless
        // COMMIT had been sent, when the outcome is unknown.
        bool retry = RetryableConflict(sqlstate) || (connection_lost && !(commit_sent && mode == Mode::kWrite));
        connection.reset();
        if (retry && attempt < kAttempts && std::chrono::steady_clock::now() < deadline) {
            retries_.fetch_add(1, std::memory_order_relaxed);
            continue;
        }
        Error error = std::move(outcome).error();
        if (error.code == core::ErrorCode::kUnavailable) failures_.fetch_add(1, std::memory_order_relaxed);
        if (connection_lost && commit_sent && mode == Mode::kWrite)
            error.message += " (connection lost while committing: the outcome is unknown)";
        return error;
    }
}

Result<void> Database::Ping(const core::RequestContext& ctx) {
    return Read<void>(ctx, [](Connection& c) -> Result<void> {
        EMPORIUM_TRY(c.Query(kPing));
        return core::Ok();
    });
}

DatabaseStats Database::Stats() const {
    std::lock_guard lock(mutex_);
    return {.connections_total = options_.connections,
            .connections_open = open_,
            .connections_in_use = in_use_,
            .waiting = waiting_,
            .transactions = transactions_.load(std::memory_order_relaxed),
            .retries = retries_.load(std::memory_order_relaxed),
            .failures = failures_.load(std::memory_order_relaxed),
            .connects_failed = connects_failed_.load(std::memory_order_relaxed)};
}

}  // namespace emporium::infra::postgres

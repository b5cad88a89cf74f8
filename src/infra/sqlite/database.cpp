#include "infra/sqlite/database.hpp"

#include <algorithm>

#include "observability/log.hpp"

namespace emporium::infra::sqlite {

using core::Error;
using core::Result;

std::vector<Migration> EmbeddedMigrations(std::string_view schema) {
    return infra::EmbeddedMigrations("sqlite", {std::string(schema)});
}

std::vector<Migration> EmbeddedMigrations(std::initializer_list<std::string_view> schemas) {
    return infra::EmbeddedMigrations("sqlite", std::vector<std::string>(schemas.begin(), schemas.end()));
}

std::vector<Migration> EmbeddedMigrations(const std::vector<std::string>& schemas) {
    return infra::EmbeddedMigrations("sqlite", schemas);
}

Result<std::unique_ptr<Database>> Database::Open(DatabaseOptions options) {
    auto database = std::unique_ptr<Database>(new Database(std::move(options)));
    const auto& opts = database->options_;
    ConnectionOptions writer_options{
        .read_only = false, .busy_timeout_ms = opts.busy_timeout_ms, .cache_kib = opts.cache_kib};
    EMPORIUM_ASSIGN_OR_RETURN(database->writer_, Connection::Open(opts.path, writer_options));
    EMPORIUM_TRY(database->writer_->Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"));
    EMPORIUM_TRY(
        database->writer_->Execute("PRAGMA wal_autocheckpoint=" + std::to_string(opts.wal_checkpoint_pages) + ";"));
    {
        EMPORIUM_ASSIGN_OR_RETURN(auto mode, database->writer_->Prepare("PRAGMA journal_mode"));
        EMPORIUM_ASSIGN_OR_RETURN(bool row, mode.Step());
        if (!row || mode.Text(0) != "wal")
            return Error::Internal(opts.path + ": cannot switch to WAL mode (is it on a network file system?)");
    }
    EMPORIUM_TRY(database->Migrate(*database->writer_));
    for (int i = 0; i < opts.read_connections; ++i) {
        ConnectionOptions reader_options{
            .read_only = true, .busy_timeout_ms = opts.busy_timeout_ms, .cache_kib = opts.cache_kib};
        EMPORIUM_ASSIGN_OR_RETURN(auto reader, Connection::Open(opts.path, reader_options));
        database->idle_readers_.push_back(std::move(reader));
    }
    return database;
}

Database::~Database() {
    // Refuse new writes and let the ones in flight finish: their callers wait for them.
    std::unique_lock lock(write_mutex_);
    stopping_ = true;
    write_queue_empty_.wait(lock, [&] { return write_queue_.empty(); });
}

namespace {

// Files written before one database held several schemas keyed schema_migrations by
// version alone (each file had one service's versions plus the bus's 1000+). Such a table
// is rewritten with each version's schema, looked up in `migrations`.
Result<void> UpgradeLegacyMigrationTable(Connection& connection, const std::vector<Migration>& migrations,
                                         const std::string& database) {
    // Each statement in its own scope: one still open would keep the table from being dropped.
    {
        EMPORIUM_ASSIGN_OR_RETURN(auto columns,
                                  connection.Prepare("SELECT count(*) FROM pragma_table_info('schema_migrations')"));
        EMPORIUM_ASSIGN_OR_RETURN(bool row, columns.Step());
        if (!row || columns.Int(0) == 0) return core::Ok();  // no table yet
    }
    {
        EMPORIUM_ASSIGN_OR_RETURN(auto schema_column,
                                  connection.Prepare("SELECT count(*) FROM pragma_table_info('schema_migrations') "
                                                     "WHERE name = 'schema'"));
        EMPORIUM_ASSIGN_OR_RETURN(bool row, schema_column.Step());
        if (row && schema_column.Int(0) > 0) return core::Ok();  // keyed by schema already
    }
    EMPORIUM_TRY(connection.Execute("BEGIN IMMEDIATE"));
    auto rewritten = [&]() -> Result<void> {
        EMPORIUM_TRY(connection.Execute(
            "CREATE TABLE schema_migrations_by_schema (schema TEXT NOT NULL, version INTEGER NOT NULL, "
            "name TEXT NOT NULL, applied_at INTEGER NOT NULL, PRIMARY KEY (schema, version))"));
        struct Applied {
            int64_t version;
            std::string name;
            int64_t applied_at;
        };
        std::vector<Applied> applied;
        {  // read to the end and let go of the statement before the table is dropped
            EMPORIUM_ASSIGN_OR_RETURN(auto old_rows,
                                      connection.Prepare("SELECT version, name, applied_at FROM schema_migrations"));
            while (true) {
                EMPORIUM_ASSIGN_OR_RETURN(bool more, old_rows.Step());
                if (!more) break;
                applied.push_back(Applied{old_rows.Int(0), old_rows.String(1), old_rows.Int(2)});
            }
        }
        for (const Applied& row : applied) {
            auto known = std::find_if(migrations.begin(), migrations.end(),
                                      [&](const Migration& m) { return m.version == row.version; });
            if (known == migrations.end())
                return Error::Internal(database + " has migration " + row.name +
                                       ", which this build does not know (was it written by a newer one?)");
            EMPORIUM_ASSIGN_OR_RETURN(auto insert,
                                      connection.Prepare("INSERT INTO schema_migrations_by_schema (schema, version, "
                                                         "name, applied_at) VALUES (?1, ?2, ?3, ?4)"));
            insert.Bind(1, known->schema).Bind(2, row.version).Bind(3, row.name).Bind(4, row.applied_at);
            EMPORIUM_TRY(insert.Run());
        }
        EMPORIUM_TRY(connection.Execute("DROP TABLE schema_migrations"));
        return connection.Execute("ALTER TABLE schema_migrations_by_schema RENAME TO schema_migrations");
    }();
    if (!rewritten.ok()) {
        (void)connection.Execute("ROLLBACK");
        return rewritten.error();
    }
    return connection.Execute("COMMIT");
}

}  // namespace

Result<void> Database::Migrate(Connection& connection) {
    EMPORIUM_TRY(UpgradeLegacyMigrationTable(connection, options_.migrations, options_.name));
    EMPORIUM_TRY(connection.Execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (schema TEXT NOT NULL, version INTEGER NOT NULL, "
        "name TEXT NOT NULL, applied_at INTEGER NOT NULL, PRIMARY KEY (schema, version))"));
    for (const auto& migration : options_.migrations) {
        EMPORIUM_TRY(connection.Execute("BEGIN IMMEDIATE"));
        auto applied = [&]() -> Result<bool> {
            EMPORIUM_ASSIGN_OR_RETURN(
                auto check, connection.Prepare("SELECT 1 FROM schema_migrations WHERE schema = ?1 AND version = ?2"));
            check.Bind(1, migration.schema).Bind(2, migration.version);
            return check.Step();
        }();
        if (!applied.ok()) {
            (void)connection.Execute("ROLLBACK");
            return applied.error();
        }
        if (*applied) {
            EMPORIUM_TRY(connection.Execute("COMMIT"));
            continue;
        }
        auto result = [&]() -> Result<void> {
            EMPORIUM_TRY(connection.Execute(migration.sql));
            EMPORIUM_ASSIGN_OR_RETURN(
                auto record, connection.Prepare("INSERT INTO schema_migrations (schema, version, name, applied_at) "
                                                "VALUES (?1, ?2, ?3, CAST(strftime('%s','now') AS INTEGER))"));
            record.Bind(1, migration.schema).Bind(2, migration.version).Bind(3, migration.name);
            return record.Run();
        }();
        if (!result.ok()) {
            (void)connection.Execute("ROLLBACK");
            return Error::Internal(options_.name + " migration " + migration.schema + "/" + migration.name +
                                   " failed: " + result.error().message);
        }
        EMPORIUM_TRY(connection.Execute("COMMIT"));
        observability::LogInfo("migration_applied", [&](core::JsonWriter& json) {
            json.Field("database", options_.name).Field("schema", migration.schema).Field("migration", migration.name);
        });
    }
    return core::Ok();
}

std::unique_ptr<Connection> Database::AcquireReader() {
    std::unique_lock lock(readers_mutex_);
    readers_available_.wait(lock, [&] { return !idle_readers_.empty(); });
    auto connection = std::move(idle_readers_.back());
    idle_readers_.pop_back();
    ++readers_in_use_;
    return connection;
}

void Database::ReleaseReader(std::unique_ptr<Connection> connection) {
    {
        std::lock_guard lock(readers_mutex_);
        idle_readers_.push_back(std::move(connection));
        --readers_in_use_;
    }
    readers_available_.notify_one();
}

Result<void> Database::ReadErased(const std::function<Result<void>(Connection&)>& work) {
    if (before_work_) EMPORIUM_TRY(before_work_());
    // Returns the connection, with its read transaction ended, however `work` exits: a
    // leaked reader would pin the WAL and, once all are gone, stall every read.
    struct Lease {
        Database& db;
        std::unique_ptr<Connection> connection;
        bool in_transaction = false;
        ~Lease() {
            if (in_transaction) (void)connection->Run("ROLLBACK");
            db.ReleaseReader(std::move(connection));
        }
    } lease{*this, AcquireReader()};
    EMPORIUM_TRY(lease.connection->Run("BEGIN"));
    lease.in_transaction = true;
    Result<void> result = work(*lease.connection);
    lease.in_transaction = false;
    auto end = lease.connection->Run("COMMIT");
    if (!end.ok()) {
        lease.in_transaction = true;
        if (result.ok()) result = end;
    }
    return result;
}

Result<void> Database::Ping() {
    return ReadErased([](Connection& connection) -> Result<void> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, connection.Prepare("SELECT 1"));
        EMPORIUM_ASSIGN_OR_RETURN(bool row, stmt.Step());
        if (!row) return Error::Internal("SELECT 1 returned no row");
        return core::Ok();
    });
}

namespace {
// The databases whose batches this thread is running, innermost first (a job of one
// database's batch may lead another's): a job that writes to any of them again would queue
// behind its own thread and wait forever.
struct Leading {
    const Database* database;
    const Leading* outer;
};
thread_local const Leading* t_leading = nullptr;

bool ThisThreadLeads(const Database* database) {
    for (const Leading* mark = t_leading; mark; mark = mark->outer)
        if (mark->database == database) return true;
    return false;
}
}  // namespace

Result<void> Database::WriteErased(std::function<Result<void>(Connection&)> work) {
    if (ThisThreadLeads(this))
        return Error::Internal("a write job of database " + options_.name + " wrote to the same database");
    if (before_work_) EMPORIUM_TRY(before_work_());
    PendingWrite self;
    self.work = std::move(work);
    std::unique_lock lock(write_mutex_);
    if (stopping_) return Error::Unavailable("database " + options_.name + " is closing");
    write_queue_.push_back(&self);
    self.turn.wait(lock, [&] { return self.result.has_value() || write_queue_.front() == &self; });
    if (self.result) return std::move(*self.result);  // a leader committed it for us

    // This caller leads: everything queued now (itself first) shares one commit. Whatever
    // happens, the batch leaves the queue with a result for each member and the next
    // caller is woken to lead, or every later writer would wait forever.
    std::vector<PendingWrite*> batch;
    std::vector<Result<void>> outcomes;
    const Leading mark{this, t_leading};
    try {
        std::size_t take =
            std::min<std::size_t>(write_queue_.size(), static_cast<std::size_t>(options_.write_batch_max));
        batch.assign(write_queue_.begin(), write_queue_.begin() + static_cast<std::ptrdiff_t>(take));
        lock.unlock();
        t_leading = &mark;
        outcomes = CommitBatch(batch);
    } catch (...) {  // out of memory: fail the batch rather than strand the queue
        if (!lock.owns_lock() && writer_->InTransaction()) (void)writer_->Run("ROLLBACK");
        outcomes.clear();
    }
    t_leading = mark.outer;
    if (!lock.owns_lock()) lock.lock();
    write_batches_.fetch_add(1, std::memory_order_relaxed);
    write_jobs_.fetch_add(static_cast<int64_t>(batch.size()), std::memory_order_relaxed);
    pages_written_.fetch_add(writer_->TakePagesWritten(), std::memory_order_relaxed);
    std::size_t done = std::max<std::size_t>(batch.size(), 1);  // at least the leader itself
    write_queue_.erase(write_queue_.begin(), write_queue_.begin() + static_cast<std::ptrdiff_t>(done));
    auto outcome = [&](std::size_t i) -> Result<void> {
        if (i < outcomes.size()) return std::move(outcomes[i]);
        return Error::Internal("database " + options_.name + " failed a write batch");
    };
    // Signalled under the lock: a follower returns (and its PendingWrite ends) as soon as
    // it sees its result, so nothing may touch it after the lock is released.
    for (std::size_t i = 1; i < batch.size(); ++i) {
        batch[i]->result.emplace(outcome(i));
        batch[i]->turn.notify_one();
    }
    if (!write_queue_.empty())
        write_queue_.front()->turn.notify_one();  // the next leader
    else
        write_queue_empty_.notify_all();
    return outcome(0);
}

std::vector<Result<void>> Database::CommitBatch(const std::vector<PendingWrite*>& batch) {
    std::vector<Result<void>> outcomes;
    outcomes.reserve(batch.size());
    Result<void> begun = writer_->Run("BEGIN IMMEDIATE");
    for (PendingWrite* job : batch) {
        if (!begun.ok()) {
            outcomes.push_back(begun.error());
            continue;
        }
        Result<void> outcome = writer_->Run("SAVEPOINT job");
        if (outcome.ok()) {
            try {
                outcome = job->work(*writer_);
            } catch (const std::exception& e) {
                outcome = Error::Internal(std::string("write job threw: ") + e.what());
            } catch (...) {
                outcome = Error::Internal("write job threw");
            }
            if (!outcome.ok()) (void)writer_->Run("ROLLBACK TO job");
            auto released = writer_->Run("RELEASE job");
            if (outcome.ok() && !released.ok()) outcome = released;
        }
        outcomes.push_back(std::move(outcome));
        if (!writer_->InTransaction()) {
            // SQLite rolled the whole batch back by itself (disk full, I/O error): the
            // jobs before this one are gone too, and the next SAVEPOINT would silently
            // start a new transaction. Fail everything in this batch; callers may retry.
            begun = Error::Unavailable("database " + options_.name + " rolled back a write batch");
            for (auto& earlier : outcomes)
                if (earlier.ok()) earlier = begun.error();
        }
    }
    if (begun.ok()) {
        auto committed = writer_->Run("COMMIT");
        if (!committed.ok()) {
            (void)writer_->Run("ROLLBACK");
            observability::LogError("commit_failed", [&](core::JsonWriter& json) {
                json.Field("database", options_.name).Field("error", committed.error().message);
            });
            for (auto& outcome : outcomes)
                if (outcome.ok()) outcome = committed.error();
        }
    }
    return outcomes;
}

Result<int64_t> DeleteInBatches(Database& db, std::string_view delete_sql, int64_t before, int64_t batch_rows) {
    int64_t total = 0;
    for (;;) {
        EMPORIUM_ASSIGN_OR_RETURN(int64_t deleted, db.Write<int64_t>([&](Connection& c) -> Result<int64_t> {
            EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(delete_sql));
            stmt.Bind(1, before).Bind(2, batch_rows);
            EMPORIUM_TRY(stmt.Run());
            return c.ChangedRows();
        }));
        total += deleted;
        if (deleted < batch_rows) return total;
    }
}

DatabaseStats Database::Stats() const {
    DatabaseStats stats;
    {
        std::lock_guard lock(readers_mutex_);
        stats.read_connections_in_use = readers_in_use_;
        stats.read_connections_total = static_cast<int64_t>(idle_readers_.size()) + readers_in_use_;
    }
    {
        std::lock_guard lock(write_mutex_);
        stats.write_queue_depth = static_cast<int64_t>(write_queue_.size());
    }
    stats.write_batches = write_batches_.load(std::memory_order_relaxed);
    stats.write_jobs = write_jobs_.load(std::memory_order_relaxed);
    stats.pages_written = pages_written_.load(std::memory_order_relaxed);
    return stats;
}

}  // namespace emporium::infra::sqlite

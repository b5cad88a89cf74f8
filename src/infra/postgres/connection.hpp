#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.hpp"

struct pg_conn;
struct pg_result;

namespace emporium::infra::postgres {

using Deadline = std::chrono::steady_clock::time_point;

// The values of one statement, in order ($1, $2, …), sent as text and never spliced into
// SQL: only prepared statements reach the server.
class Params {
  public:
    Params() = default;
    template <typename... Values>
    explicit Params(const Values&... values) {
        (Add(values), ...);
    }

    Params& Add(int64_t value);
    Params& Add(int value) { return Add(static_cast<int64_t>(value)); }
    Params& Add(bool value);
    Params& Add(std::string_view value);
    Params& Add(const std::string& value) { return Add(std::string_view(value)); }
    Params& Add(const char* value) { return Add(std::string_view(value)); }
    template <typename T>
    Params& Add(const std::optional<T>& value) {
        return value ? Add(*value) : AddNull();
    }
    Params& AddNull();

    int size() const { return static_cast<int>(values_.size()); }
    // Pointers for libpq; null entries are SQL NULLs. Valid while this object lives unchanged.
    std::vector<const char*> Pointers() const;
    std::vector<int> Lengths() const;

  private:
    std::vector<std::string> values_;
    std::vector<bool> nulls_;
};

// One row of a result, read by column index (text format).
class Row {
  public:
    Row(const pg_result* result, int row) : result_(result), row_(row) {}
    int64_t Int(int column) const;
    bool Bool(int column) const;
    std::string_view Text(int column) const;  // valid while the Rows live
    std::string String(int column) const { return std::string(Text(column)); }
    bool IsNull(int column) const;
    std::optional<int64_t> OptionalInt(int column) const {
        return IsNull(column) ? std::nullopt : std::optional<int64_t>(Int(column));
    }

  private:
    const pg_result* result_;
    int row_;
};

// The rows (or the count of rows changed) of one statement. Owns its libpq result.
class Rows {
  public:
    Rows() = default;
    explicit Rows(pg_result* result);
    Rows(Rows&& other) noexcept;
    Rows& operator=(Rows&& other) noexcept;
    Rows(const Rows&) = delete;
    Rows& operator=(const Rows&) = delete;
    ~Rows();

    int size() const;
    bool empty() const { return size() == 0; }
    Row operator[](int row) const { return Row(result_, row); }
    // Rows an INSERT, UPDATE or DELETE touched.
    int64_t affected() const;

  private:
    pg_result* result_ = nullptr;
};

struct ConnectionOptions {
    std::string conninfo;  // libpq keyword/value string, e.g. "host=127.0.0.1 port=5433 dbname=emporium"
    std::string application_name = "emporium";
    std::chrono::milliseconds connect_timeout{2000};
    std::chrono::milliseconds statement_timeout{0};  // the session's; 0: the server's default
};

// One PostgreSQL connection, always in pipeline mode. Not thread-safe: used by one thread at
// a time (the Database's pool hands it out).
//
// Statements are prepared on first use and kept for the life of the connection. Queue()
// holds a statement whose only outcome of interest is success (an INSERT, an outbox append,
// transaction control) and sends it with the next Query() or Flush(): a transaction of
// several writes then costs one round trip to the server instead of one per statement.
// Every wait on the server ends at the connection's deadline; a connection that missed
// it, or lost its server, is broken for good (the pool opens a new one).
class Connection {
  public:
    static core::Result<std::unique_ptr<Connection>> Open(const ConnectionOptions& options);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Sends everything queued and `sql`, and returns `sql`'s rows. A failed queued statement
    // fails this call (and PostgreSQL skips the rest of the pipeline, `sql` included).
    core::Result<Rows> Query(std::string_view sql, const Params& params = Params());
    // As Query, for a statement without rows: returns the number of rows it touched.
    core::Result<int64_t> Exec(std::string_view sql, const Params& params = Params());
    // Holds `sql` to be sent with the next Query, Exec or Flush.
    void Queue(std::string_view sql, Params params = Params());
    // Sends everything queued and checks that it succeeded.
    core::Result<void> Flush();
    // Forgets what was queued and not sent (a job that failed before its commit).
    void DropQueued() { queued_.clear(); }

    // Runs trusted SQL text of one or more statements (migrations); never user input.
    core::Result<void> ExecuteScript(std::string_view sql);

    // Waits on the server end at this time (the caller's deadline).
    void set_deadline(Deadline deadline) { deadline_ = deadline; }
    // False once the server went away, a wait timed out or the protocol state is unknown.
    bool healthy() const;
    // Healthy, outside any transaction and with nothing queued: fit to go back to the pool.
    bool reusable() const;
    // The SQLSTATE of the last statement that failed ("" when none or not a server error).
    const std::string& last_sqlstate() const { return last_sqlstate_; }
    // Inside a transaction that a failed statement aborted (only ROLLBACK is possible).
    bool in_failed_transaction() const;
    // Without waiting: false when the server has closed the connection or sent something
    // unasked (its termination notice) while it sat idle.
    bool StillOpen();
    // Marks the connection unfit for reuse (its protocol state is unknown).
    void Abandon() { broken_ = true; }
    // The statement_timeout (ms) last set on the session; 0 when unknown.
    int64_t statement_timeout_ms() const { return statement_timeout_ms_; }
    void set_statement_timeout_ms(int64_t ms) { statement_timeout_ms_ = ms; }

  private:
    struct QueuedStatement {
        std::string sql;
        Params params;
    };
    explicit Connection(pg_conn* conn) : conn_(conn) {}
    // Sends `statements` in one pipeline with one sync and collects one result each; the
    // first failure is returned (later statements were skipped by the server).
    core::Result<std::vector<Rows>> RunPipeline(std::vector<QueuedStatement> statements);
    core::Result<void> FlushOutput();
    core::Result<pg_result*> NextResult();
    core::Error Broken(std::string what);
    core::Error ServerError(pg_result* result);

    pg_conn* conn_;
    Deadline deadline_ = Deadline::max();
    bool broken_ = false;
    int64_t statement_timeout_ms_ = 0;
    std::string last_sqlstate_;
    std::vector<QueuedStatement> queued_;
    struct SqlHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view sql) const { return std::hash<std::string_view>{}(sql); }
    };
    std::unordered_map<std::string, std::string, SqlHash, std::equal_to<>> statement_names_;
};

}  // namespace emporium::infra::postgres

#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace emporium::infra::sqlite {

class Connection;

// A prepared statement borrowed from its connection's cache. Binds are 1-based like SQLite's.
// On destruction it is reset and its bindings cleared, ready for the next borrower.
// Only prepared statements reach SQLite: values are always bound, never spliced into SQL.
class Statement {
  public:
    Statement(Connection& connection, sqlite3_stmt* stmt) : connection_(&connection), stmt_(stmt) {}
    Statement(Statement&& other) noexcept : connection_(other.connection_), stmt_(other.stmt_) {
        other.stmt_ = nullptr;
    }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    Statement& Bind(int index, int64_t value);
    Statement& Bind(int index, std::string_view value);
    Statement& BindNull(int index);
    Statement& Bind(int index, const std::string& value) { return Bind(index, std::string_view(value)); }
    Statement& Bind(int index, const char* value) { return Bind(index, std::string_view(value)); }
    Statement& Bind(int index, int value) { return Bind(index, static_cast<int64_t>(value)); }
    Statement& Bind(int index, bool value) { return Bind(index, static_cast<int64_t>(value ? 1 : 0)); }

    // Advances to the next row: true when a row is available, false when done.
    core::Result<bool> Step();
    // Runs a statement that returns no rows.
    core::Result<void> Run();

    int64_t Int(int column) const;
    std::string_view Text(int column) const;  // valid until the next Step
    std::string String(int column) const { return std::string(Text(column)); }
    bool IsNull(int column) const;

  private:
    Connection* connection_;
    sqlite3_stmt* stmt_;
};

struct ConnectionOptions {
    bool read_only = false;
    int busy_timeout_ms = 5000;
    int cache_kib = 4096;  // SQLite's page cache of this connection (each has its own)
};

// One SQLite connection. Not thread-safe: used by one thread at a time (the pool hands it out).
class Connection {
  public:
    static core::Result<std::unique_ptr<Connection>> Open(const std::string& path, const ConnectionOptions& options);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Runs trusted SQL text (schema, pragmas, transaction control); never user input.
    core::Result<void> Execute(std::string_view sql);
    // Returns the cached prepared statement for `sql` (prepared on first use).
    core::Result<Statement> Prepare(std::string_view sql);
    // Runs one statement of trusted SQL that returns no rows through the statement cache:
    // transaction control on hot paths (BEGIN, SAVEPOINT, COMMIT … around every read and
    // write), which Execute would parse and compile again each time.
    core::Result<void> Run(std::string_view sql);
    int64_t ChangedRows() const;
    // True while a transaction is open (SQLite is not in autocommit mode).
    bool InTransaction() const;
    // Pages this connection wrote to the database or its WAL since the last call.
    int64_t TakePagesWritten();
    int64_t LastInsertRowId() const;

    // Maps the connection's last error to an Error (unique violations → kConflict, busy → kUnavailable).
    core::Error LastError(std::string_view what) const;

  private:
    explicit Connection(sqlite3* db) : db_(db) {}
    struct SqlHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view sql) const { return std::hash<std::string_view>{}(sql); }
    };
    sqlite3* db_;
    std::unordered_map<std::string, sqlite3_stmt*, SqlHash, std::equal_to<>> statements_;
};

// Process-wide SQLite set-up (memory statistics off: they take a global lock per allocation).
void InitializeSqlite();

}  // namespace emporium::infra::sqlite

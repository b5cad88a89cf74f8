#include "infra/sqlite/connection.hpp"

#include <sqlite3.h>

#include <mutex>

namespace emporium::infra::sqlite {

using core::Error;
using core::Result;

void InitializeSqlite() {
    static std::once_flag once;
    std::call_once(once, [] {
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        sqlite3_initialize();
    });
}

Statement::~Statement() {
    if (stmt_) {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
}

Statement& Statement::Bind(int index, int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
}

Statement& Statement::Bind(int index, std::string_view value) {
    sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::BindNull(int index) {
    sqlite3_bind_null(stmt_, index);
    return *this;
}

Result<bool> Statement::Step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return connection_->LastError("step");
}

Result<void> Statement::Run() {
    auto stepped = Step();
    if (!stepped.ok()) return stepped.error();
    return core::Ok();
}

int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string_view Statement::Text(int column) const {
    const unsigned char* text = sqlite3_column_text(stmt_, column);
    if (!text) return {};
    return {reinterpret_cast<const char*>(text), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

bool Statement::IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, const ConnectionOptions& options) {
    InitializeSqlite();
    sqlite3* db = nullptr;
    int flags =
        SQLITE_OPEN_NOMUTEX | (options.read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
    int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string message = db ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close(db);
        return Error::Internal("cannot open " + path + ": " + message);
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, options.busy_timeout_ms);
    auto connection = std::unique_ptr<Connection>(new Connection(db));
    EMPORIUM_TRY(connection->Execute("PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-" +
                                     std::to_string(options.cache_kib) + ";"));
    if (options.read_only) EMPORIUM_TRY(connection->Execute("PRAGMA query_only=ON;"));
    return connection;
}

Connection::~Connection() {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
}

Result<void> Connection::Execute(std::string_view sql) {
    std::string text(sql);
    char* message = nullptr;
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        std::string detail = message ? message : sqlite3_errstr(rc);
        sqlite3_free(message);
        auto error = LastError("execute");
        error.message = "sqlite: " + detail;
        return error;
    }
    return core::Ok();
}

Result<Statement> Connection::Prepare(std::string_view sql) {
    auto found = statements_.find(sql);
    if (found != statements_.end()) return Statement(*this, found->second);
    sqlite3_stmt* stmt = nullptr;
    int rc =
        sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return LastError("prepare");
    statements_.emplace(std::string(sql), stmt);
    return Statement(*this, stmt);
}

Result<void> Connection::Run(std::string_view sql) {
    EMPORIUM_ASSIGN_OR_RETURN(auto stmt, Prepare(sql));
    return stmt.Run();
}

int64_t Connection::ChangedRows() const { return sqlite3_changes64(db_); }

int64_t Connection::TakePagesWritten() {
    int current = 0;
    int highwater = 0;
    sqlite3_db_status(db_, SQLITE_DBSTATUS_CACHE_WRITE, &current, &highwater, /*reset=*/1);
    return current;
}

bool Connection::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

int64_t Connection::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

Error Connection::LastError(std::string_view what) const {
    int code = sqlite3_extended_errcode(db_);
    std::string message = std::string("sqlite ") + std::string(what) + ": " + sqlite3_errmsg(db_);
    if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY) return Error::Conflict(message);
    if ((code & 0xFF) == SQLITE_BUSY || (code & 0xFF) == SQLITE_LOCKED) return Error::Unavailable(message);
    return Error::Internal(message);
}

}  // namespace emporium::infra::sqlite

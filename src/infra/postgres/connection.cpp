#include "infra/postgres/connection.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <charconv>

#include "core/text.hpp"

namespace emporium::infra::postgres {

using core::Error;
using core::Result;

// ---- Params ----

Params& Params::Add(int64_t value) {
    values_.push_back(std::to_string(value));
    nulls_.push_back(false);
    return *this;
}

Params& Params::Add(bool value) {
    values_.emplace_back(value ? "t" : "f");
    nulls_.push_back(false);
    return *this;
}

Params& Params::Add(std::string_view value) {
    values_.emplace_back(value);
    nulls_.push_back(false);
    return *this;
}

Params& Params::AddNull() {
    values_.emplace_back();
    nulls_.push_back(true);
    return *this;
}

std::vector<const char*> Params::Pointers() const {
    std::vector<const char*> pointers(values_.size());
    for (std::size_t i = 0; i < values_.size(); ++i) pointers[i] = nulls_[i] ? nullptr : values_[i].c_str();
    return pointers;
}

std::vector<int> Params::Lengths() const {
    std::vector<int> lengths(values_.size());
    for (std::size_t i = 0; i < values_.size(); ++i) lengths[i] = static_cast<int>(values_[i].size());
    return lengths;
}

// ---- Rows ----

int64_t Row::Int(int column) const {
    std::string_view text = Text(column);
    int64_t value = 0;
    if (text == "t") return 1;  // a boolean column read as a number
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
}

bool Row::Bool(int column) const {
    std::string_view text = Text(column);
    return text == "t" || text == "true" || text == "1";
}

std::string_view Row::Text(int column) const {
    auto* result = const_cast<PGresult*>(result_);
    if (PQgetisnull(result, row_, column)) return {};
    return {PQgetvalue(result, row_, column), static_cast<std::size_t>(PQgetlength(result, row_, column))};
}

bool Row::IsNull(int column) const { return PQgetisnull(const_cast<PGresult*>(result_), row_, column) != 0; }

Rows::Rows(pg_result* result) : result_(result) {}
Rows::Rows(Rows&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
Rows& Rows::operator=(Rows&& other) noexcept {
    if (this != &other) {
        if (result_) PQclear(result_);
        result_ = other.result_;
        other.result_ = nullptr;
    }
    return *this;
}
Rows::~Rows() {
    if (result_) PQclear(result_);
}

int Rows::size() const { return result_ ? PQntuples(result_) : 0; }

int64_t Rows::affected() const {
    if (!result_) return 0;
    std::string_view text = PQcmdTuples(result_);
    int64_t value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
}

// ---- Connection ----

namespace {

std::string Trimmed(const char* message) { return std::string(core::Trim(message ? message : "")); }

// Waits until the socket is ready for `events` or `deadline` passes (false).
bool WaitSocket(int socket, short events, Deadline deadline) {
    for (;;) {
        auto now = std::chrono::steady_clock::now();
        if (now >= deadline) return false;
        auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
        pollfd fd{socket, events, 0};
        int ready = poll(&fd, 1, static_cast<int>(std::min<int64_t>(remaining, 60'000)));
        if (ready > 0) return true;
        if (ready < 0 && errno != EINTR) return false;
    }
}

}  // namespace

Result<std::unique_ptr<Connection>> Connection::Open(const ConnectionOptions& options) {
    std::string conninfo = options.conninfo;
    // libpq rounds connect_timeout up to whole seconds (at least 2).
    auto seconds = std::max<int64_t>(2, (options.connect_timeout.count() + 999) / 1000);
    conninfo += " connect_timeout=" + std::to_string(seconds) + " application_name=" + options.application_name;
    // A server that vanished without closing the connection is noticed by the deadlines
    // of our own waits; keepalives also clear it from idle pooled connections.
    conninfo += " keepalives=1 keepalives_idle=10 keepalives_interval=3 keepalives_count=3";
    if (options.statement_timeout.count() > 0)
        conninfo += " options='-c statement_timeout=" + std::to_string(options.statement_timeout.count()) + "'";
    PGconn* conn = PQconnectdb(conninfo.c_str());
    if (!conn) return Error::Unavailable("postgres: out of memory connecting");
    if (PQstatus(conn) != CONNECTION_OK) {
        auto message = Trimmed(PQerrorMessage(conn));
        PQfinish(conn);
        return Error::Unavailable("postgres: cannot connect: " + message);
    }
    auto connection = std::unique_ptr<Connection>(new Connection(conn));
    connection->statement_timeout_ms_ = options.statement_timeout.count();
    // Notices ("relation … already exists, skipping") are not errors; libpq would print them.
    PQsetNoticeProcessor(
        conn, [](void*, const char*) {}, nullptr);
    if (PQsetnonblocking(conn, 1) != 0 || PQenterPipelineMode(conn) != 1)
        return Error::Internal("postgres: cannot enter pipeline mode: " + Trimmed(PQerrorMessage(conn)));
    return connection;
}

Connection::~Connection() {
    if (conn_) PQfinish(conn_);
}

bool Connection::healthy() const { return !broken_ && PQstatus(conn_) == CONNECTION_OK; }

bool Connection::in_failed_transaction() const { return PQtransactionStatus(conn_) == PQTRANS_INERROR; }

bool Connection::StillOpen() {
    if (!healthy()) return false;
    pollfd fd{PQsocket(conn_), POLLIN, 0};
    // Nothing arrived: the usual case. An idle session is sent nothing unasked but its end
    // (a termination notice, or the close), so anything readable means it is gone.
    return poll(&fd, 1, 0) == 0;
}

bool Connection::reusable() const { return healthy() && queued_.empty() && PQtransactionStatus(conn_) == PQTRANS_IDLE; }

Error Connection::Broken(std::string what) {
    broken_ = true;
    last_sqlstate_.clear();
    return Error::Unavailable("postgres: " + what + ": " + Trimmed(PQerrorMessage(conn_)));
}

Error Connection::ServerError(pg_result* result) {
    const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    last_sqlstate_ = state ? state : "";
    std::string message = "postgres: " + Trimmed(PQresultErrorMessage(result));
    std::string_view sqlstate = last_sqlstate_;
    if (sqlstate == "23505") return Error::Conflict(message);  // unique_violation
    if (sqlstate.substr(0, 2) == "08" || sqlstate.substr(0, 2) == "53" || sqlstate.substr(0, 3) == "57P") {
        broken_ = sqlstate.substr(0, 2) == "08" || sqlstate.substr(0, 3) == "57P";
        return Error::Unavailable(message);  // connection, resources, server shutting down
    }
    // Serialization failure, deadlock, statement timeout / cancel, read-only replica in recovery
    if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "57014" || sqlstate == "25006")
        return Error::Unavailable(message);
    return Error::Internal(message);
}

Result<void> Connection::FlushOutput() {
    for (;;) {
        int rc = PQflush(conn_);
        if (rc == 0) return core::Ok();
        if (rc < 0) return Broken("send failed");
        if (!WaitSocket(PQsocket(conn_), POLLIN | POLLOUT, deadline_)) return Broken("send timed out");
        if (PQconsumeInput(conn_) == 0) return Broken("connection lost");
    }
}

Result<pg_result*> Connection::NextResult() {
    while (PQisBusy(conn_)) {
        if (!WaitSocket(PQsocket(conn_), POLLIN, deadline_)) {
            broken_ = true;
            return Error::Unavailable("postgres: no answer before the deadline");
        }
        if (PQconsumeInput(conn_) == 0) return Broken("connection lost");
    }
    return PQgetResult(conn_);
}

Result<std::vector<Rows>> Connection::RunPipeline(std::vector<QueuedStatement> statements) {
    if (!healthy()) return Error::Unavailable("postgres: connection is broken");
    last_sqlstate_.clear();
    // What was sent, in order: a Parse (prepare) or an Execute of statement i.
    struct Sent {
        std::size_t statement;
        bool is_prepare;
        std::string name;
    };
    std::vector<Sent> sent;
    std::unordered_map<std::string, std::string> preparing;  // sql → name, within this pipeline
    for (std::size_t i = 0; i < statements.size(); ++i) {
        const auto& statement = statements[i];
        std::string name;
        if (auto known = statement_names_.find(statement.sql); known != statement_names_.end()) {
            name = known->second;
        } else if (auto in_flight = preparing.find(statement.sql); in_flight != preparing.end()) {
            name = in_flight->second;
        } else {
            name = "s" + std::to_string(statement_names_.size() + preparing.size());
            if (!PQsendPrepare(conn_, name.c_str(), statement.sql.c_str(), 0, nullptr))
                return Broken("cannot send a prepare");
            preparing.emplace(statement.sql, name);
            sent.push_back({i, true, name});
        }
        auto values = statement.params.Pointers();
        auto lengths = statement.params.Lengths();
        if (!PQsendQueryPrepared(conn_, name.c_str(), statement.params.size(), values.data(), lengths.data(), nullptr,
                                 0))
            return Broken("cannot send a statement");
        sent.push_back({i, false, name});
    }
    if (PQpipelineSync(conn_) != 1) return Broken("cannot send a sync");
    EMPORIUM_TRY(FlushOutput());

    std::vector<Rows> rows(statements.size());
    std::optional<Error> first_error;
    for (const auto& item : sent) {
        EMPORIUM_ASSIGN_OR_RETURN(pg_result * result, NextResult());
        if (!result) return Broken("result missing in pipeline");
        ExecStatusType status = PQresultStatus(result);
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
            if (item.is_prepare) {
                statement_names_.emplace(statements[item.statement].sql, item.name);
                PQclear(result);
            } else {
                rows[item.statement] = Rows(result);
            }
        } else if (status == PGRES_PIPELINE_ABORTED) {
            PQclear(result);
        } else {
            if (!first_error) first_error = ServerError(result);
            PQclear(result);
        }
        // Each command's results end with a null.
        EMPORIUM_ASSIGN_OR_RETURN(pg_result * end, NextResult());
        if (end) {
            PQclear(end);
            return Broken("unexpected extra result in pipeline");
        }
    }
    EMPORIUM_ASSIGN_OR_RETURN(pg_result * sync, NextResult());
    if (!sync || PQresultStatus(sync) != PGRES_PIPELINE_SYNC) {
        if (sync) PQclear(sync);
        return Broken("pipeline out of step");
    }
    PQclear(sync);
    if (first_error) return *first_error;
    return rows;
}

void Connection::Queue(std::string_view sql, Params params) {
    queued_.push_back({std::string(sql), std::move(params)});
}

Result<Rows> Connection::Query(std::string_view sql, const Params& params) {
    std::vector<QueuedStatement> statements = std::move(queued_);
    queued_.clear();
    statements.push_back({std::string(sql), params});
    EMPORIUM_ASSIGN_OR_RETURN(auto rows, RunPipeline(std::move(statements)));
    return std::move(rows.back());
}

Result<int64_t> Connection::Exec(std::string_view sql, const Params& params) {
    EMPORIUM_ASSIGN_OR_RETURN(auto rows, Query(sql, params));
    return rows.affected();
}

Result<void> Connection::Flush() {
    if (queued_.empty()) return core::Ok();
    std::vector<QueuedStatement> statements = std::move(queued_);
    queued_.clear();
    EMPORIUM_ASSIGN_OR_RETURN(auto rows, RunPipeline(std::move(statements)));
    return core::Ok();
}

Result<void> Connection::ExecuteScript(std::string_view sql) {
    EMPORIUM_TRY(Flush());
    if (!healthy()) return Error::Unavailable("postgres: connection is broken");
    // Scripts of several statements need the simple protocol, which pipeline mode refuses.
    if (PQexitPipelineMode(conn_) != 1) return Broken("cannot leave pipeline mode");
    PQsetnonblocking(conn_, 0);
    std::string text(sql);
    PGresult* result = PQexec(conn_, text.c_str());
    std::optional<Error> error;
    ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        error = result ? ServerError(result) : Broken("script failed");
    if (result) PQclear(result);
    PQsetnonblocking(conn_, 1);
    if (PQenterPipelineMode(conn_) != 1) return Broken("cannot enter pipeline mode");
    if (error) return *error;
    return core::Ok();
}

}  // namespace emporium::infra::postgres

#include "app/data_dir_layout.hpp"

#include <filesystem>
#include <set>

#include "core/clock.hpp"
#include "infra/sqlite/connection.hpp"

namespace emporium::app {

using core::Error;
using core::Result;
namespace fs = std::filesystem;

namespace {

// A database file of the earlier layout and the schemas its migrations came from.
struct LegacyFile {
    std::string name;  // "catalog", "orders_2"
    std::vector<std::string> schemas;
};

// The earlier layout: which services had a file, and which also had the bus tables.
std::vector<LegacyFile> LegacyFilesIn(const fs::path& dir) {
    static const std::vector<LegacyFile> kServices = {
        {"users", {"users"}},
        {"catalog", {"catalog", "bus"}},
        {"inventory", {"inventory", "bus"}},
        {"payments", {"payments", "bus"}},
        {"shipping", {"shipping"}},
        {"notifications", {"notifications", "bus"}},
        {"recommendations", {"recommendations", "bus"}},
    };
    std::vector<LegacyFile> found;
    for (const auto& file : kServices)
        if (fs::exists(dir / (file.name + ".db"))) found.push_back(file);
    for (int shard = 0;; ++shard) {
        std::string name = "orders_" + std::to_string(shard);
        if (!fs::exists(dir / (name + ".db"))) break;
        found.push_back({name, {"orders", "bus"}});
    }
    return found;
}

// The bus's tables, merged by rule rather than copied as they are.
const std::set<std::string> kBusTables = {"outbox", "outbox_consumers", "dead_letters", "handled_events"};

std::string QuoteIdentifier(std::string_view name) {
    std::string quoted = "\"";
    for (char c : name) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

Result<std::vector<std::string>> Column(infra::sqlite::Connection& c, const std::string& sql) {
    EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql));
    std::vector<std::string> out;
    while (true) {
        EMPORIUM_ASSIGN_OR_RETURN(bool row, stmt.Step());
        if (!row) return out;
        out.push_back(stmt.String(0));
    }
}

Result<int64_t> Count(infra::sqlite::Connection& c, const std::string& sql) {
    EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql));
    EMPORIUM_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return Error::Internal("no row from: " + sql);
    return stmt.Int(0);
}

// Copies every table of the attached `old` into main, inside the caller's transaction.
// Orders shards share table names: their rows get new `seq` values, in each shard's order
// (a user's orders all live in one shard, so each user's order stays the same).
Result<int64_t> CopyTables(infra::sqlite::Connection& c, const LegacyFile& file, int64_t& events) {
    bool shard = file.name.starts_with("orders_");
    EMPORIUM_ASSIGN_OR_RETURN(
        auto tables, Column(c,
                            "SELECT name FROM old.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                            "AND name <> 'schema_migrations' ORDER BY name"));
    int64_t copied = 0;
    for (const auto& table : tables) {
        if (table == "outbox_consumers") continue;  // every consumer starts over on the one outbox
        EMPORIUM_ASSIGN_OR_RETURN(auto columns, Column(c, "SELECT name FROM pragma_table_info(" +
                                                              QuoteIdentifier(table) + ", 'main') ORDER BY cid"));
        if (columns.empty())
            return Error::Internal(file.name + ".db has a table " + table + " that this build does not know");
        bool new_sequence = table == "outbox" || (shard && (table == "orders" || table == "order_status_history"));
        std::string order_by = table == "outbox" ? "sequence" : (new_sequence ? "seq" : "rowid");
        std::string list;
        for (const auto& column : columns) {
            if (new_sequence && (column == "seq" || column == "sequence")) continue;
            list += (list.empty() ? "" : ", ") + QuoteIdentifier(column);
        }
        std::string verb = table == "handled_events" ? "INSERT OR IGNORE" : "INSERT";
        // WITHOUT ROWID tables have no rowid to keep the order by; their key orders them.
        EMPORIUM_ASSIGN_OR_RETURN(int64_t without_rowid,
                                  Count(c, "SELECT count(*) FROM old.sqlite_master WHERE name = '" + table +
                                               "' AND sql LIKE '%WITHOUT ROWID%'"));
        std::string sql = verb + " INTO main." + QuoteIdentifier(table) + " (" + list + ") SELECT " + list +
                          " FROM old." + QuoteIdentifier(table) + (without_rowid ? "" : " ORDER BY " + order_by);
        EMPORIUM_TRY(c.Execute(sql));
        int64_t changed = c.ChangedRows();
        EMPORIUM_ASSIGN_OR_RETURN(int64_t expected, Count(c, "SELECT count(*) FROM old." + QuoteIdentifier(table)));
        if (table != "handled_events" && changed != expected)
            return Error::Internal(file.name + ".db: copied " + std::to_string(changed) + " of " +
                                   std::to_string(expected) + " rows of " + table);
        if (table == "outbox") events += changed;
        copied += changed;
    }
    return copied;
}

}  // namespace

const std::vector<std::string>& EmbeddedSchemas() {
    static const std::vector<std::string> kSchemas = {
        "users", "catalog", "inventory", "orders", "payments", "shipping", "notifications", "recommendations", "bus"};
    return kSchemas;
}

Result<std::unique_ptr<infra::sqlite::Database>> OpenEmbeddedDatabase(const config::Settings& settings) {
    infra::sqlite::DatabaseOptions options;
    options.name = "emporium";
    options.path = (fs::path(settings.storage.data_dir) / kDatabaseFile).string();
    options.read_connections = settings.storage.read_connections;
    options.busy_timeout_ms = settings.storage.busy_timeout_ms;
    options.write_batch_max = settings.storage.write_batch_max;
    options.wal_checkpoint_pages = settings.storage.wal_checkpoint_pages;
    options.cache_kib = settings.storage.page_cache_kib;
    options.migrations = infra::sqlite::EmbeddedMigrations(EmbeddedSchemas());
    return infra::sqlite::Database::Open(std::move(options));
}

std::string FindLegacyLayout(const std::string& data_dir) {
    auto files = LegacyFilesIn(data_dir);
    return files.empty() ? std::string() : files.front().name + ".db";
}

Result<LegacyMigrationReport> MigrateLegacyDataDir(const config::Settings& settings) {
    fs::path dir = settings.storage.data_dir;
    auto files = LegacyFilesIn(dir);
    if (files.empty()) return Error::Conflict("no database file of the earlier layout in " + dir.string());
    if (fs::exists(dir / kDatabaseFile))
        return Error::Conflict((dir / kDatabaseFile).string() +
                               " exists already: move it away (or the earlier files) before migrating");

    // Each old file at its last migration first, so that its tables match the new ones.
    for (const auto& file : files) {
        infra::sqlite::DatabaseOptions options;
        options.name = file.name;
        options.path = (dir / (file.name + ".db")).string();
        options.read_connections = 0;
        options.migrations = infra::sqlite::EmbeddedMigrations(file.schemas);
        auto opened = infra::sqlite::Database::Open(std::move(options));
        if (!opened.ok()) return Error::Internal(file.name + ".db: " + opened.error().message);
    }

    // The new file is built beside the old ones under a temporary name, and renamed once
    // complete: a crash part-way leaves the old layout as it was.
    fs::path building = dir / (std::string(kDatabaseFile) + ".migrating");
    std::error_code ignored;
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(building.string() + suffix, ignored);
    {
        infra::sqlite::DatabaseOptions options;
        options.name = "emporium";
        options.path = building.string();
        options.read_connections = 0;
        options.migrations = infra::sqlite::EmbeddedMigrations(EmbeddedSchemas());
        auto created = infra::sqlite::Database::Open(std::move(options));
        if (!created.ok()) return created.error();
    }

    // Until the new file is in place, a failure removes it (declared before the connection,
    // so it runs after the connection has closed the file).
    struct RemoveUnlessDone {
        fs::path file;
        bool done = false;
        ~RemoveUnlessDone() {
            if (done) return;
            std::error_code ignored;
            for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(file.string() + suffix, ignored);
        }
    } unfinished{building};
    LegacyMigrationReport report;
    {
        EMPORIUM_ASSIGN_OR_RETURN(auto c, infra::sqlite::Connection::Open(building.string(), {}));
        // Tables are copied in name order, children before parents: references are checked
        // once everything is in (foreign_key_check below), not row by row.
        EMPORIUM_TRY(c->Execute("PRAGMA foreign_keys=OFF"));
        for (const auto& file : files) {
            EMPORIUM_ASSIGN_OR_RETURN(auto attach, c->Prepare("ATTACH DATABASE ?1 AS old"));
            attach.Bind(1, (dir / (file.name + ".db")).string());
            EMPORIUM_TRY(attach.Run());
            EMPORIUM_TRY(c->Execute("BEGIN IMMEDIATE"));
            auto copied = CopyTables(*c, file, report.events);
            if (!copied.ok()) {
                (void)c->Execute("ROLLBACK");
                (void)c->Execute("DETACH DATABASE old");
                return Error::Internal("migrating " + file.name + ".db: " + copied.error().message);
            }
            EMPORIUM_TRY(c->Execute("COMMIT"));
            EMPORIUM_TRY(c->Execute("DETACH DATABASE old"));
            report.rows += *copied;
            report.files.push_back(file.name + ".db");
        }
        EMPORIUM_ASSIGN_OR_RETURN(auto dangling, Column(*c, "SELECT \"table\" FROM pragma_foreign_key_check"));
        if (!dangling.empty())
            return Error::Internal("the new database has rows of " + dangling.front() +
                                   " whose references are missing");
        EMPORIUM_TRY(c->Execute("PRAGMA wal_checkpoint(TRUNCATE)"));
        EMPORIUM_ASSIGN_OR_RETURN(auto check, Column(*c, "PRAGMA integrity_check"));
        if (check.empty() || check.front() != "ok")
            return Error::Internal("the new database failed its integrity check: " +
                                   (check.empty() ? std::string("no answer") : check.front()));
    }

    // In place: the old files go aside first (the server refuses to start beside them),
    // then the new file takes its name. From here on the new file is complete and checked:
    // it stays whatever happens, for the operator to finish by hand if a move fails.
    unfinished.done = true;
    fs::path kept = dir / ("before-single-file-" + std::to_string(core::UnixMillisNow() / 1000));
    std::error_code ec;
    fs::create_directories(kept, ec);
    if (ec) return Error::Internal("cannot create " + kept.string() + ": " + ec.message());
    for (const auto& file : files)
        for (const char* suffix : {"", "-wal", "-shm"}) {
            fs::path from = dir / (file.name + ".db" + suffix);
            if (!fs::exists(from)) continue;
            fs::rename(from, kept / from.filename(), ec);
            if (ec)
                return Error::Internal("cannot move " + from.string() + " into " + kept.string() + ": " + ec.message() +
                                       " (move the earlier files there by hand, then rename " + building.string() +
                                       " to " + std::string(kDatabaseFile) + ")");
        }
    for (const char* suffix : {"-wal", "-shm"}) fs::remove(building.string() + suffix, ignored);
    fs::rename(building, dir / kDatabaseFile, ec);
    if (ec)
        return Error::Internal("cannot rename " + building.string() + " to " + std::string(kDatabaseFile) + ": " +
                               ec.message());
    report.kept_in = kept.string();
    return report;
}

}  // namespace emporium::app

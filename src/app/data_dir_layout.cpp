#include "app/data_dir_layout.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

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
    // Every orders_<n>.db, whichever shards there were (a gap must not hide the later ones).
    std::vector<int> shards;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        std::string name = entry.path().filename().string();
        if (!name.starts_with("orders_") || !name.ends_with(".db")) continue;
        std::string number = name.substr(7, name.size() - 10);
        if (number.empty() || number.size() > 4 ||
            !std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; }))
            continue;
        shards.push_back(std::stoi(number));
    }
    std::sort(shards.begin(), shards.end());
    for (int shard : shards) found.push_back({"orders_" + std::to_string(shard), {"orders", "bus"}});
    return found;
}

// Moves the earlier layout's files (with their -wal and -shm) into a new folder of `dir`.
Result<std::string> SetAside(const fs::path& dir, const std::vector<LegacyFile>& files) {
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
                                       "; run emporium migrate-data-dir again to finish");
        }
    return kept.string();
}

// Makes renames in `dir` durable (a crash after a rename must not undo it).
void SyncDirectory(const fs::path& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd < 0) return;
    (void)::fsync(fd);
    ::close(fd);
}

// The table that marks a database file made by MigrateLegacyDataDir, written once the copy
// is complete and checked.
constexpr std::string_view kMigrationMark = "data_dir_migrated_from";

Result<bool> IsCompleteMigration(const fs::path& database) {
    EMPORIUM_ASSIGN_OR_RETURN(auto c, infra::sqlite::Connection::Open(database.string(), {.read_only = true}));
    EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c->Prepare("SELECT count(*) FROM sqlite_master WHERE name = ?1"));
    stmt.Bind(1, kMigrationMark);
    EMPORIUM_ASSIGN_OR_RETURN(bool row, stmt.Step());
    return row && stmt.Int(0) > 0;
}

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

namespace {

// The embedded database at `path` with every schema and the storage settings.
infra::sqlite::DatabaseOptions EmbeddedDatabaseOptions(const config::Settings& settings, const fs::path& path) {
    infra::sqlite::DatabaseOptions options;
    options.name = "emporium";
    options.path = path.string();
    options.read_connections = settings.storage.read_connections;
    options.busy_timeout_ms = settings.storage.busy_timeout_ms;
    options.write_batch_max = settings.storage.write_batch_max;
    options.wal_checkpoint_pages = settings.storage.wal_checkpoint_pages;
    options.cache_kib = settings.storage.page_cache_kib;
    options.migrations = infra::sqlite::EmbeddedMigrations(EmbeddedSchemas());
    return options;
}

}  // namespace

Result<std::unique_ptr<infra::sqlite::Database>> OpenEmbeddedDatabase(const config::Settings& settings) {
    return infra::sqlite::Database::Open(
        EmbeddedDatabaseOptions(settings, fs::path(settings.storage.data_dir) / kDatabaseFile));
}

std::string FindLegacyLayout(const std::string& data_dir) {
    auto files = LegacyFilesIn(data_dir);
    return files.empty() ? std::string() : files.front().name + ".db";
}

Result<LegacyMigrationReport> MigrateLegacyDataDir(const config::Settings& settings) {
    fs::path dir = settings.storage.data_dir;
    auto files = LegacyFilesIn(dir);
    if (files.empty()) return Error::Conflict("no database file of the earlier layout in " + dir.string());
    if (fs::exists(dir / kDatabaseFile)) {
        // A run that put the new file in place but did not get to move every old file aside
        // (a crash, a failed rename): finish it.
        EMPORIUM_ASSIGN_OR_RETURN(bool complete, IsCompleteMigration(dir / kDatabaseFile));
        if (!complete)
            return Error::Conflict((dir / kDatabaseFile).string() +
                                   " exists already and was not made from these files: move it away (or the "
                                   "earlier files) before migrating");
        LegacyMigrationReport report;
        for (const auto& file : files) report.files.push_back(file.name + ".db");
        EMPORIUM_ASSIGN_OR_RETURN(report.kept_in, SetAside(dir, files));
        SyncDirectory(dir);
        return report;
    }

    // A server still running on the old files would go on writing where nobody reads
    // after the move: each old file's write lock is held from before the copy until the end.
    std::vector<std::unique_ptr<infra::sqlite::Connection>> locks;
    auto hold_write_locks = [&]() -> Result<void> {
        for (const auto& file : files) {
            EMPORIUM_ASSIGN_OR_RETURN(auto lock, infra::sqlite::Connection::Open((dir / (file.name + ".db")).string(),
                                                                                 {.busy_timeout_ms = 0}));
            if (!lock->Execute("BEGIN IMMEDIATE").ok())
                return Error::Conflict(file.name + ".db is being written to: stop the server before migrating");
            locks.push_back(std::move(lock));
        }
        return core::Ok();
    };

    // Refuse before changing anything when a server still writes to them.
    EMPORIUM_TRY(hold_write_locks());
    locks.clear();

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
    EMPORIUM_TRY(hold_write_locks());

    // The new file is built beside the old ones under a temporary name, and renamed once
    // complete: a crash part-way leaves the old layout as it was.
    fs::path building = dir / (std::string(kDatabaseFile) + ".migrating");
    std::error_code ignored;
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(building.string() + suffix, ignored);
    {
        auto options = EmbeddedDatabaseOptions(settings, building);
        options.read_connections = 0;  // created and migrated only; the copy uses its own connection
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
            // Deferred: the old file is only read (its write lock is held above).
            EMPORIUM_TRY(c->Execute("BEGIN"));
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
        {
            std::string mark = "CREATE TABLE " + std::string(kMigrationMark) +
                               " (file TEXT PRIMARY KEY, migrated_at INTEGER NOT NULL)";
            EMPORIUM_TRY(c->Execute(mark));
            for (const auto& file : report.files) {
                EMPORIUM_ASSIGN_OR_RETURN(
                    auto record, c->Prepare("INSERT INTO " + std::string(kMigrationMark) + " VALUES (?1, ?2)"));
                record.Bind(1, file).Bind(2, core::UnixMillisNow() / 1000);
                EMPORIUM_TRY(record.Run());
            }
        }
        EMPORIUM_TRY(c->Execute("PRAGMA wal_checkpoint(TRUNCATE)"));
        EMPORIUM_ASSIGN_OR_RETURN(auto check, Column(*c, "PRAGMA integrity_check"));
        if (check.empty() || check.front() != "ok")
            return Error::Internal("the new database failed its integrity check: " +
                                   (check.empty() ? std::string("no answer") : check.front()));
    }

    // In place: the new file takes its name first (the server still refuses to start while
    // the old files are there), then the old files go aside. A crash in between leaves both,
    // and running the command again finishes the move (the mark says the copy is complete).
    unfinished.done = true;
    locks.clear();  // their transactions end: nothing was written through them
    std::error_code ec;
    for (const char* suffix : {"-wal", "-shm"}) fs::remove(building.string() + suffix, ignored);
    fs::rename(building, dir / kDatabaseFile, ec);
    if (ec)
        return Error::Internal("cannot rename " + building.string() + " to " + std::string(kDatabaseFile) + ": " +
                               ec.message());
    SyncDirectory(dir);
    EMPORIUM_ASSIGN_OR_RETURN(report.kept_in, SetAside(dir, files));
    SyncDirectory(dir);
    return report;
}

}  // namespace emporium::app

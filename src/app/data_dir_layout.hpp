#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/settings.hpp"
#include "core/result.hpp"
#include "infra/sqlite/database.hpp"

// What the embedded deployment keeps in its data directory, and the move from the layout
// before it. Today: emporium.db (every service's tables and the event bus's, one file, one
// writer), search/ (the Xapian index) and mail/ (the Maildir spool). Before: a database file
// per service (users.db, catalog.db, ..., orders_0.db ... orders_N.db), each with its own
// outbox.
namespace emporium::app {

inline constexpr std::string_view kDatabaseFile = "emporium.db";

// Every schema the embedded database holds (schemas/sqlite/<name>/), the bus's last.
const std::vector<std::string>& EmbeddedSchemas();

// Opens (creating and migrating) data_dir/emporium.db with the storage settings.
core::Result<std::unique_ptr<infra::sqlite::Database>> OpenEmbeddedDatabase(const config::Settings& settings);

// The first file of the earlier layout in `data_dir` ("catalog.db", say), or "" when there
// is none.
std::string FindLegacyLayout(const std::string& data_dir);

struct LegacyMigrationReport {
    std::vector<std::string> files;  // the earlier layout's files that were read
    int64_t rows = 0;                // rows copied (events included)
    int64_t events = 0;              // outbox events copied; every consumer reads them again
    std::string kept_in;             // where the earlier files were moved
};

// Moves a data directory of the earlier layout into emporium.db: brings each old file to
// its last migration (in place), holds each old file's write lock (kConflict while a server
// writes to it), copies every table into a new file (a transaction per old file), checks
// each table's row count, the references and the new file's integrity, marks it complete,
// puts it in place and then moves the old files (never deleted) into
// data_dir/before-single-file-<unix time>/. A crash before the new file is in place leaves
// the old layout; after, running it again finishes the move. Outbox events are copied with
// new sequence numbers and every consumer's position starts over, so each retained event
// is delivered again once (consumers are idempotent). kConflict when data_dir/emporium.db
// exists and was not made from these files, or there is nothing to move.
core::Result<LegacyMigrationReport> MigrateLegacyDataDir(const config::Settings& settings);

}  // namespace emporium::app

#include "app/data_dir_layout.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "app/application.hpp"
#include "core/random.hpp"
#include "infra/sqlite/connection.hpp"
#include "temp_dir.hpp"

namespace emporium::app {
namespace {

namespace fs = std::filesystem;
using infra::sqlite::Connection;

// A database file as the earlier layout wrote it: the migrations of `schemas` applied,
// recorded in a schema_migrations table keyed by version alone. `without` leaves one
// migration out (a file an older build wrote).
void MakeLegacyFile(const fs::path& dir, const std::string& name, std::initializer_list<std::string_view> schemas,
                    const std::string& without = "") {
    auto c = Connection::Open((dir / (name + ".db")).string(), {});
    ASSERT_TRUE(c.ok()) << c.error().message;
    ASSERT_TRUE((*c)->Execute("PRAGMA journal_mode=WAL").ok());
    ASSERT_TRUE((*c)->Execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                              "applied_at INTEGER NOT NULL)")
                    .ok());
    for (const auto& migration : infra::sqlite::EmbeddedMigrations(schemas)) {
        if (migration.name == without) continue;
        ASSERT_TRUE((*c)->Execute(migration.sql).ok()) << migration.name;
        ASSERT_TRUE((*c)->Execute("INSERT INTO schema_migrations VALUES (" + std::to_string(migration.version) + ", '" +
                                  migration.name + "', 1)")
                        .ok());
    }
}

void RunSql(const fs::path& file, const std::string& sql) {
    auto c = Connection::Open(file.string(), {});
    ASSERT_TRUE(c.ok()) << c.error().message;
    auto done = (*c)->Execute(sql);
    ASSERT_TRUE(done.ok()) << done.error().message << "\n" << sql;
}

int64_t Count(infra::sqlite::Database& db, const std::string& sql) {
    auto count = db.Read<int64_t>([&](Connection& c) -> core::Result<int64_t> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql));
        EMPORIUM_ASSIGN_OR_RETURN(bool row, stmt.Step());
        if (!row) return core::Error::Internal("no row");
        return stmt.Int(0);
    });
    EXPECT_TRUE(count.ok()) << (count.ok() ? "" : count.error().message);
    return count.ok() ? *count : -1;
}

std::string OrderSql(const std::string& id, const std::string& user) {
    return "INSERT INTO orders (id, user_id, status, currency, subtotal, total, item_count, reservation_expires_at, "
           "created_at, updated_at) VALUES ('" +
           id + "', '" + user +
           "', 'PAID', 'EUR', 500, 500, 1, 0, 1, 1);"
           "INSERT INTO order_items VALUES ('" +
           id +
           "', 0, 'SKU-1', 'prd_1', 'Mug', '', 1, 500, 500);"
           "INSERT INTO order_status_history (order_id, status, reason, at) VALUES ('" +
           id + "', 'PAID', 'paid', 1);";
}

std::string EventSql(const std::string& id, const std::string& type) {
    return "INSERT INTO outbox (id, type, aggregate_id, payload, occurred_at) VALUES ('" + id + "', '" + type +
           "', 'agg', '{}', 1);";
}

class DataDirLayoutTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(core::InitCrypto());
        settings_.storage.data_dir = dir_.path().string();
        settings_.storage.read_connections = 1;
    }

    testing::TempDir dir_{"emporium-data-dir-test-"};
    config::Settings settings_;
};

TEST_F(DataDirLayoutTest, MovesEveryFileOfTheEarlierLayoutIntoOneAndKeepsTheOldFiles) {
    const fs::path& dir = dir_.path();
    MakeLegacyFile(dir, "users", {"users"});
    MakeLegacyFile(dir, "catalog", {"catalog", "bus"}, "0002_product_version.sql");  // an older build's file
    MakeLegacyFile(dir, "inventory", {"inventory", "bus"});
    MakeLegacyFile(dir, "payments", {"payments", "bus"});
    MakeLegacyFile(dir, "shipping", {"shipping"});
    MakeLegacyFile(dir, "notifications", {"notifications", "bus"});
    MakeLegacyFile(dir, "recommendations", {"recommendations", "bus"});
    MakeLegacyFile(dir, "orders_0", {"orders", "bus"});
    MakeLegacyFile(dir, "orders_2", {"orders", "bus"});  // a gap in the shard numbers hides nothing
    RunSql(dir / "users.db",
           "INSERT INTO users (id, email, password_hash, role, created_at, updated_at) "
           "VALUES ('usr_1', 'ann@example.com', 'x', 'customer', 1, 1)");
    RunSql(dir / "catalog.db",
           "INSERT INTO products (id, slug, name, status, currency, price_from, created_at, updated_at) "
           "VALUES ('prd_1', 'mug', 'Mug', 'active', 'EUR', 500, 1, 1);" +
               EventSql("evt_c1", "ProductChanged"));
    // Both shards numbered their rows from 1: the merged tables must keep both orders.
    RunSql(dir / "orders_0.db",
           OrderSql("ord_0_a", "usr_1") + EventSql("evt_o1", "OrderPlaced") + EventSql("evt_o2", "OrderStatusChanged") +
               "INSERT INTO outbox_consumers (consumer, position) VALUES ('shipping.order_paid', 2);");
    RunSql(
        dir / "orders_2.db",
        OrderSql("ord_2_b", "usr_2") + EventSql("evt_o3", "OrderPlaced") +
            "INSERT INTO dead_letters VALUES ('dlq_1', 'mails', 'evt_x', 'T', 'agg', '{}', 1, 7, 8, 'boom', 1, NULL);");
    RunSql(dir / "notifications.db",
           "INSERT INTO handled_events VALUES ('notifications.order_mail', 'evt_o2', 1);"
           "INSERT INTO sent_mail VALUES ('evt_o2.order_confirmation', 'evt_o2', 'order_confirmation', "
           "'ann@example.com', 'Thanks', 1);");
    RunSql(dir / "recommendations.db", "INSERT INTO handled_events VALUES ('recommendations.orders', 'evt_o1', 1);");

    ASSERT_EQ(FindLegacyLayout(dir.string()), "users.db");
    auto refused = OpenApplication(settings_);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message.find("emporium migrate-data-dir --data-dir " + dir.string()), std::string::npos)
        << refused.error().message;

    auto report = MigrateLegacyDataDir(settings_);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->files.size(), 9u);
    EXPECT_EQ(report->events, 4);
    EXPECT_EQ(FindLegacyLayout(dir.string()), "");
    for (const auto& file : report->files) EXPECT_TRUE(fs::exists(fs::path(report->kept_in) / file)) << file;

    auto db = OpenEmbeddedDatabase(settings_);
    ASSERT_TRUE(db.ok()) << db.error().message;
    auto& merged = **db;
    EXPECT_EQ(Count(merged, "SELECT count(*) FROM users WHERE email = 'ann@example.com'"), 1);
    EXPECT_EQ(Count(merged, "SELECT version FROM products WHERE id = 'prd_1'"), 1);  // migrated on the way
    EXPECT_EQ(Count(merged, "SELECT count(DISTINCT seq) FROM orders WHERE id IN ('ord_0_a', 'ord_2_b')"), 2);
    EXPECT_EQ(Count(merged, "SELECT count(*) FROM order_items"), 2);
    EXPECT_EQ(Count(merged, "SELECT count(DISTINCT seq) FROM order_status_history"), 2);
    EXPECT_EQ(Count(merged, "SELECT count(*) FROM sent_mail"), 1);
    EXPECT_EQ(Count(merged, "SELECT count(*) FROM handled_events"), 2);
    EXPECT_EQ(Count(merged, "SELECT count(*) FROM dead_letters WHERE id = 'dlq_1'"), 1);
    // Every event once, each with its own sequence; every consumer starts over.
    EXPECT_EQ(Count(merged, "SELECT count(DISTINCT sequence) FROM outbox"), 4);
    EXPECT_EQ(Count(merged, "SELECT count(*) FROM outbox_consumers"), 0);
    // One shard's events keep their order.
    EXPECT_EQ(Count(merged,
                    "SELECT (SELECT sequence FROM outbox WHERE id = 'evt_o1') < "
                    "(SELECT sequence FROM outbox WHERE id = 'evt_o2')"),
              1);
    db->reset();

    // Done once: a second run has nothing to move.
    auto again = MigrateLegacyDataDir(settings_);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, core::ErrorCode::kConflict);
}

TEST_F(DataDirLayoutTest, ARunThatStoppedAfterPuttingTheNewFileInPlaceIsFinishedByTheNext) {
    const fs::path& dir = dir_.path();
    MakeLegacyFile(dir, "users", {"users"});
    MakeLegacyFile(dir, "shipping", {"shipping"});
    RunSql(dir / "users.db",
           "INSERT INTO users (id, email, password_hash, role, created_at, updated_at) "
           "VALUES ('usr_1', 'ann@example.com', 'x', 'customer', 1, 1)");
    auto report = MigrateLegacyDataDir(settings_);
    ASSERT_TRUE(report.ok()) << report.error().message;
    // As if the process had died before moving the old files aside: one is back.
    fs::rename(fs::path(report->kept_in) / "users.db", dir / "users.db");
    EXPECT_FALSE(OpenApplication(settings_).ok());  // still refused beside an old file
    auto finished = MigrateLegacyDataDir(settings_);
    ASSERT_TRUE(finished.ok()) << finished.error().message;
    EXPECT_EQ(finished->rows, 0);  // nothing copied twice
    EXPECT_EQ(FindLegacyLayout(dir.string()), "");
    auto db = OpenEmbeddedDatabase(settings_);
    ASSERT_TRUE(db.ok());
    EXPECT_EQ(Count(**db, "SELECT count(*) FROM users"), 1);
}

TEST_F(DataDirLayoutTest, ADatabaseFileNotMadeFromTheOldFilesIsLeftAlone) {
    const fs::path& dir = dir_.path();
    {
        auto db = OpenEmbeddedDatabase(settings_);  // a fresh emporium.db, then an old file beside it
        ASSERT_TRUE(db.ok());
    }
    MakeLegacyFile(dir, "users", {"users"});
    auto report = MigrateLegacyDataDir(settings_);
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.error().code, core::ErrorCode::kConflict);
    EXPECT_TRUE(fs::exists(dir / "users.db"));
}

TEST_F(DataDirLayoutTest, OldFilesAServerStillWritesToAreNotMoved) {
    const fs::path& dir = dir_.path();
    MakeLegacyFile(dir, "users", {"users"});
    auto server = Connection::Open((dir / "users.db").string(), {});
    ASSERT_TRUE(server.ok());
    ASSERT_TRUE((*server)->Execute("BEGIN IMMEDIATE").ok());  // a write in progress
    auto report = MigrateLegacyDataDir(settings_);
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.error().code, core::ErrorCode::kConflict);
    EXPECT_NE(report.error().message.find("stop the server"), std::string::npos) << report.error().message;
    EXPECT_TRUE(fs::exists(dir / "users.db"));
    EXPECT_FALSE(fs::exists(dir / kDatabaseFile));
    ASSERT_TRUE((*server)->Execute("ROLLBACK").ok());
}

TEST_F(DataDirLayoutTest, AFailedCopyLeavesTheEarlierLayoutAsItWas) {
    const fs::path& dir = dir_.path();
    MakeLegacyFile(dir, "users", {"users"});
    // A table this build does not know: the copy cannot put it anywhere, so nothing moves.
    RunSql(dir / "users.db", "CREATE TABLE surprise (x INTEGER)");
    auto report = MigrateLegacyDataDir(settings_);
    ASSERT_FALSE(report.ok());
    EXPECT_NE(report.error().message.find("surprise"), std::string::npos) << report.error().message;
    EXPECT_TRUE(fs::exists(dir / "users.db"));
    EXPECT_FALSE(fs::exists(dir / kDatabaseFile));
}

TEST_F(DataDirLayoutTest, AFreshDataDirectoryHoldsOneDatabaseFile) {
    {
        auto app = OpenApplication(settings_);
        ASSERT_TRUE(app.ok()) << app.error().message;
    }
    std::vector<std::string> databases;
    for (const auto& entry : fs::directory_iterator(dir_.path()))
        if (entry.path().extension() == ".db") databases.push_back(entry.path().filename().string());
    EXPECT_EQ(databases, std::vector<std::string>{std::string(kDatabaseFile)});
}

}  // namespace
}  // namespace emporium::app

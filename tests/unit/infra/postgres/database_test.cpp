#include "infra/postgres/database.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "test_postgres.hpp"

namespace emporium::infra::postgres {
namespace {

using core::ErrorCode;
using core::Result;
using testing::TestPostgresDatabase;

class PostgresDatabaseTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto database = TestPostgresDatabase::Create();
        ASSERT_TRUE(database.ok()) << database.error().message;
        database_ = std::move(database).value();
        db_ = Open(4);
        ASSERT_TRUE(db_);
        auto created = db_->Write<void>(ctx_, [](Connection& c) -> Result<void> {
            EMPORIUM_TRY(c.Exec("CREATE TABLE items (id TEXT PRIMARY KEY, n BIGINT NOT NULL, note TEXT)"));
            return core::Ok();
        });
        ASSERT_TRUE(created.ok()) << created.error().message;
    }

    std::unique_ptr<Database> Open(int connections, std::vector<Migration> migrations = {}) {
        DatabaseOptions options;
        options.name = "test";
        options.conninfo = database_->conninfo();
        options.connections = connections;
        options.migrations = std::move(migrations);
        auto db = Database::Open(std::move(options));
        EXPECT_TRUE(db.ok()) << db.error().message;
        return db.ok() ? std::move(db).value() : nullptr;
    }

    Result<int64_t> Count(Database& db) {
        return db.Read<int64_t>(ctx_, [](Connection& c) -> Result<int64_t> {
            EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT count(*) FROM items"));
            return rows[0].Int(0);
        });
    }

    core::RequestContext ctx_;
    std::unique_ptr<TestPostgresDatabase> database_;
    std::unique_ptr<Database> db_;
};

TEST_F(PostgresDatabaseTest, ValuesRoundTripAsBoundParameters) {
    std::string tricky = "it's \"quoted\"; DROP TABLE items; -- ünïcødé";
    auto written = db_->Write<void>(ctx_, [&](Connection& c) -> Result<void> {
        c.Queue("INSERT INTO items (id, n, note) VALUES ($1, $2, $3)", Params("a", int64_t{-42}, tricky));
        c.Queue("INSERT INTO items (id, n, note) VALUES ($1, $2, $3)", Params().Add("b").Add(7).AddNull());
        return c.Flush();
    });
    ASSERT_TRUE(written.ok()) << written.error().message;
    auto rows = db_->Read<std::vector<std::string>>(ctx_, [](Connection& c) -> Result<std::vector<std::string>> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT id, n, note FROM items ORDER BY id"));
        std::vector<std::string> out;
        for (int i = 0; i < rows.size(); ++i)
            out.push_back(rows[i].String(0) + "|" + std::to_string(rows[i].Int(1)) + "|" +
                          (rows[i].IsNull(2) ? "NULL" : rows[i].String(2)));
        return out;
    });
    ASSERT_TRUE(rows.ok()) << rows.error().message;
    EXPECT_EQ(*rows, (std::vector<std::string>{"a|-42|" + tricky, "b|7|NULL"}));
}

TEST_F(PostgresDatabaseTest, AFailedJobCommitsNothingAndADuplicateIsAConflict) {
    ASSERT_TRUE(db_->Write<void>(ctx_,
                                 [](Connection& c) -> Result<void> {
                                     EMPORIUM_TRY(c.Exec("INSERT INTO items (id, n) VALUES ('a', 1)"));
                                     return core::Ok();
                                 })
                    .ok());
    auto duplicate = db_->Write<void>(ctx_, [](Connection& c) -> Result<void> {
        c.Queue("INSERT INTO items (id, n) VALUES ('b', 2)");
        c.Queue("INSERT INTO items (id, n) VALUES ('a', 3)");
        return c.Flush();
    });
    ASSERT_FALSE(duplicate.ok());
    EXPECT_EQ(duplicate.error().code, ErrorCode::kConflict);
    EXPECT_EQ(*Count(*db_), 1);  // 'b' was rolled back with the job

    auto refused = db_->Write<void>(ctx_, [](Connection& c) -> Result<void> {
        EMPORIUM_TRY(c.Exec("INSERT INTO items (id, n) VALUES ('c', 3)"));
        return core::Error::Invalid("n", "the job changed its mind");
    });
    EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(*Count(*db_), 1);
    // The pool's connections are still good after the failures.
    EXPECT_TRUE(db_->Ping(ctx_).ok());
}

TEST_F(PostgresDatabaseTest, ABadStatementIsAnInternalErrorAndTheConnectionRecovers) {
    auto bad = db_->Read<void>(ctx_, [](Connection& c) -> Result<void> {
        EMPORIUM_TRY(c.Query("SELECT no_such_column FROM items"));
        return core::Ok();
    });
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, ErrorCode::kInternal);
    EXPECT_EQ(*Count(*db_), 0);
}

TEST_F(PostgresDatabaseTest, ConcurrentReadModifyWriteUnderRowLocksAddsUp) {
    ASSERT_TRUE(db_->Write<void>(ctx_,
                                 [](Connection& c) -> Result<void> {
                                     EMPORIUM_TRY(c.Exec("INSERT INTO items (id, n) VALUES ('counter', 0)"));
                                     return core::Ok();
                                 })
                    .ok());
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 25; ++i) {
                auto done = db_->Write<void>(ctx_, [](Connection& c) -> Result<void> {
                    EMPORIUM_ASSIGN_OR_RETURN(auto rows,
                                              c.Query("SELECT n FROM items WHERE id = 'counter' FOR UPDATE"));
                    EMPORIUM_TRY(c.Exec("UPDATE items SET n = $1 WHERE id = 'counter'", Params(rows[0].Int(0) + 1)));
                    return core::Ok();
                });
                if (!done.ok()) ++failures;
            }
        });
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(failures.load(), 0);
    auto n = db_->Read<int64_t>(ctx_, [](Connection& c) -> Result<int64_t> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT n FROM items WHERE id = 'counter'"));
        return rows[0].Int(0);
    });
    EXPECT_EQ(*n, 100);
}

TEST_F(PostgresDatabaseTest, AFullPoolAnswersUnavailableAtTheCallersDeadline) {
    auto db = Open(1);
    std::atomic<bool> holding{false};
    std::thread holder([&] {
        (void)db->Read<void>(ctx_, [&](Connection& c) -> Result<void> {
            holding = true;
            EMPORIUM_TRY(c.Query("SELECT pg_sleep(0.5)"));
            return core::Ok();
        });
    });
    while (!holding) std::this_thread::yield();
    core::RequestContext hurried;
    hurried.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
    auto started = std::chrono::steady_clock::now();
    auto refused = db->Ping(hurried);
    auto waited = std::chrono::steady_clock::now() - started;
    holder.join();
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
    EXPECT_LT(waited, std::chrono::milliseconds(400));
    EXPECT_TRUE(db->Ping(ctx_).ok());
}

TEST_F(PostgresDatabaseTest, AStatementPastTheDeadlineIsCutShort) {
    core::RequestContext hurried;
    hurried.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
    auto started = std::chrono::steady_clock::now();
    auto slow = db_->Read<void>(hurried, [](Connection& c) -> Result<void> {
        EMPORIUM_TRY(c.Query("SELECT pg_sleep(5)"));
        return core::Ok();
    });
    ASSERT_FALSE(slow.ok());
    EXPECT_EQ(slow.error().code, ErrorCode::kUnavailable);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
    EXPECT_TRUE(db_->Ping(ctx_).ok());
}

TEST_F(PostgresDatabaseTest, AConnectionTheServerDroppedIsReplacedWithoutTheCallerNoticing) {
    auto db = Open(1);
    auto pid = db->Read<int64_t>(ctx_, [](Connection& c) -> Result<int64_t> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT pg_backend_pid()"));
        return rows[0].Int(0);
    });
    ASSERT_TRUE(pid.ok());
    ASSERT_TRUE(db_->Read<void>(ctx_,
                                [&](Connection& c) -> Result<void> {
                                    EMPORIUM_TRY(c.Query("SELECT pg_terminate_backend($1)", Params(*pid)));
                                    return core::Ok();
                                })
                    .ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    // A job that only queues its statements meets the server first at its COMMIT: the dead
    // connection must be noticed before, where the job can still run on another.
    auto written = db->Write<void>(ctx_, [](Connection& c) -> Result<void> {
        c.Queue("INSERT INTO items (id, n) VALUES ('after', 1)");
        return core::Ok();
    });
    EXPECT_TRUE(written.ok()) << written.error().message;
    EXPECT_EQ(*Count(*db), 1);
}

TEST_F(PostgresDatabaseTest, MigrationsRunOnceEvenWhenTwoProcessesStartTogether) {
    std::vector<Migration> migrations = {
        {"demo", 1, "0001_init.sql", "CREATE TABLE demo (id INTEGER PRIMARY KEY); INSERT INTO demo VALUES (1);"},
        {"demo", 2, "0002_more.sql", "INSERT INTO demo VALUES (2);"}};
    std::unique_ptr<Database> first, second;
    std::thread a([&] { first = Open(1, migrations); });
    std::thread b([&] { second = Open(1, migrations); });
    a.join();
    b.join();
    ASSERT_TRUE(first && second);
    auto rows = first->Read<int64_t>(ctx_, [](Connection& c) -> Result<int64_t> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT count(*) FROM demo"));
        return rows[0].Int(0);
    });
    EXPECT_EQ(*rows, 2);
}

TEST_F(PostgresDatabaseTest, AFailedMigrationLeavesNothingBehind) {
    std::vector<Migration> migrations = {
        {"broken", 1, "0001_init.sql", "CREATE TABLE half (id INTEGER); SELECT no_such_function();"}};
    DatabaseOptions options;
    options.name = "test";
    options.conninfo = database_->conninfo();
    options.migrations = migrations;
    auto db = Database::Open(std::move(options));
    ASSERT_FALSE(db.ok());
    auto exists = db_->Read<int64_t>(ctx_, [](Connection& c) -> Result<int64_t> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT count(*) FROM pg_tables WHERE tablename = 'half'"));
        return rows[0].Int(0);
    });
    EXPECT_EQ(*exists, 0);
}

TEST_F(PostgresDatabaseTest, ASnapshotSeesOneStateAcrossStatements) {
    for (int run = 0; run < 3; ++run) {  // the first use of a connection and later ones
        auto counts =
            db_->Snapshot<std::pair<int64_t, int64_t>>(ctx_, [&](Connection& c) -> Result<std::pair<int64_t, int64_t>> {
                EMPORIUM_ASSIGN_OR_RETURN(auto before, c.Query("SELECT count(*) FROM items"));
                // Another session commits a row in between: the snapshot does not see it.
                EMPORIUM_TRY(db_->Write<void>(ctx_, [&](Connection& w) -> Result<void> {
                    EMPORIUM_TRY(w.Exec("INSERT INTO items (id, n) VALUES ($1, 1)", Params("r" + std::to_string(run))));
                    return core::Ok();
                }));
                EMPORIUM_ASSIGN_OR_RETURN(auto after, c.Query("SELECT count(*) FROM items"));
                return std::make_pair(before[0].Int(0), after[0].Int(0));
            });
        ASSERT_TRUE(counts.ok()) << counts.error().message;
        EXPECT_EQ(counts->first, counts->second);
    }
    EXPECT_EQ(*Count(*db_), 3);
}

TEST_F(PostgresDatabaseTest, AJobThatThrowsGivesItsConnectionBack) {
    auto db = Open(1);
    for (int i = 0; i < 3; ++i) {
        auto thrown = db->Write<void>(ctx_, [](Connection& c) -> Result<void> {
            EMPORIUM_TRY(c.Exec("INSERT INTO items (id, n) VALUES ('thrown', 1)"));
            throw std::out_of_range("a bug in a job");
        });
        ASSERT_FALSE(thrown.ok());
        EXPECT_EQ(thrown.error().code, ErrorCode::kInternal);
    }
    EXPECT_TRUE(db->Ping(ctx_).ok());  // the one connection came back each time
    EXPECT_EQ(*Count(*db), 0);         // and nothing of the jobs was committed
}

TEST_F(PostgresDatabaseTest, AJobThatGoesOnAfterAFailedStatementDoesNotReportACommit) {
    auto swallowed = db_->Write<void>(ctx_, [](Connection& c) -> Result<void> {
        (void)c.Exec("INSERT INTO items (id, n) VALUES (NULL, 1)");  // fails; the job ignores it
        return core::Ok();
    });
    ASSERT_FALSE(swallowed.ok());
    EXPECT_TRUE(db_->Ping(ctx_).ok());
}

TEST_F(PostgresDatabaseTest, AnUnreachableServerIsUnavailable) {
    DatabaseOptions options;
    options.name = "nowhere";
    options.conninfo = "host=127.0.0.1 port=1 dbname=postgres user=postgres";
    auto db = Database::Open(std::move(options));
    ASSERT_TRUE(db.ok());  // connections open on first use
    auto ping = (*db)->Ping(ctx_);
    ASSERT_FALSE(ping.ok());
    EXPECT_EQ(ping.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace emporium::infra::postgres

#include "infra/postgres/replica_reads.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "test_postgres.hpp"

namespace emporium::infra::postgres {
namespace {

using core::Result;
using testing::TestPostgresDatabase;

std::unique_ptr<Database> OpenPool(std::string conninfo, std::string name) {
    DatabaseOptions options;
    options.name = std::move(name);
    options.conninfo = std::move(conninfo);
    options.connections = 2;
    auto db = Database::Open(std::move(options));
    EXPECT_TRUE(db.ok()) << db.error().message;
    return db.ok() ? std::move(db).value() : nullptr;
}

class ReplicaReadsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto database = TestPostgresDatabase::Create();
        ASSERT_TRUE(database.ok()) << database.error().message;
        database_ = std::move(database).value();
        ASSERT_TRUE(database_->replica_conninfo()) << "EMPORIUM_TEST_POSTGRES_REPLICA is not set";
        primary_ = OpenPool(database_->conninfo(), "primary");
        replica_ = OpenPool(*database_->replica_conninfo(), "replica");
        ASSERT_TRUE(primary_ && replica_);
        ASSERT_TRUE(primary_
                        ->Write<void>(ctx_,
                                      [](Connection& c) -> Result<void> {
                                          EMPORIUM_TRY(
                                              c.Exec("CREATE TABLE prices (sku TEXT PRIMARY KEY, cents BIGINT)"));
                                          EMPORIUM_TRY(c.Exec("INSERT INTO prices VALUES ('sku-1', 100)"));
                                          return core::Ok();
                                      })
                        .ok());
        // The new database and its table reach the replica within moments.
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < deadline && !ReadPrice(*replica_).ok())
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        ASSERT_TRUE(ReadPrice(*replica_).ok());
    }

    Result<int64_t> ReadPrice(Database& db) {
        return db.Read<int64_t>(ctx_, [](Connection& c) -> Result<int64_t> { return Price(c); });
    }
    static Result<int64_t> Price(Connection& c) {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT cents FROM prices WHERE sku = 'sku-1'"));
        if (rows.empty()) return core::Error::NotFound("no price");
        return rows[0].Int(0);
    }
    static Result<void> SetPrice(Connection& c, int64_t cents) {
        EMPORIUM_TRY(c.Exec("UPDATE prices SET cents = $1 WHERE sku = 'sku-1'", Params(cents)));
        return core::Ok();
    }

    core::RequestContext ctx_;
    std::unique_ptr<TestPostgresDatabase> database_;
    std::unique_ptr<Database> primary_;
    std::unique_ptr<Database> replica_;
};

TEST_F(ReplicaReadsTest, TheWriterReadsItsOwnWriteAtOnceAndTheReplicaServesOnceCaughtUp) {
    ReplicaReads reads(*primary_, replica_.get(), std::chrono::milliseconds(1000));
    for (int64_t cents = 101; cents <= 120; ++cents) {
        ASSERT_TRUE(reads.Write<void>(ctx_, [&](Connection& c) { return SetPrice(c, cents); }).ok());
        auto seen = reads.Read<int64_t>(ctx_, [](Connection& c) { return Price(c); });
        ASSERT_TRUE(seen.ok()) << seen.error().message;
        EXPECT_EQ(*seen, cents) << "a read right after the write saw an older price";
    }
    // (A read in the loop may have gone to the replica, when it had already replayed the
    // write: what matters is that each saw the new price.) Given a moment, the replica has
    // replayed this process's writes and takes the reads (other tests write to the same
    // server meanwhile, so it need not be idle).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (reads.Stats().replica_reads == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        ASSERT_TRUE(reads.Refresh(ctx_).ok());
        auto seen = reads.Read<int64_t>(ctx_, [](Connection& c) { return Price(c); });
        ASSERT_TRUE(seen.ok());
        EXPECT_EQ(*seen, 120);
    }
    EXPECT_GE(reads.Stats().replica_reads, 1);
    EXPECT_FALSE(reads.Stats().lagging);
}

TEST_F(ReplicaReadsTest, ADeadReplicaFallsBackToThePrimary) {
    auto dead = OpenPool("host=127.0.0.1 port=1 user=postgres dbname=postgres", "dead-replica");
    ReplicaReads reads(*primary_, dead.get(), std::chrono::milliseconds(1000));
    auto seen = reads.Read<int64_t>(ctx_, [](Connection& c) { return Price(c); });
    ASSERT_TRUE(seen.ok()) << seen.error().message;
    EXPECT_EQ(*seen, 100);
    EXPECT_GE(reads.Stats().replica_failures, 1);
    EXPECT_FALSE(reads.Refresh(ctx_).ok());
    EXPECT_FALSE(reads.Stats().replica_up);
}

TEST_F(ReplicaReadsTest, AReplicaThatStopsReplayingIsSkippedOnceBehindTheBound) {
    ReplicaReads reads(*primary_, replica_.get(), std::chrono::milliseconds(100));
    ASSERT_TRUE(reads.Refresh(ctx_).ok());
    // Pause replay on the replica, then change the price behind this process's back (as
    // another process would): the replica is now behind and stays so.
    auto replay = [&](std::string_view sql) {
        return replica_->Read<void>(ctx_, [sql](Connection& c) -> Result<void> {
            EMPORIUM_TRY(c.Query(sql));
            return core::Ok();
        });
    };
    ASSERT_TRUE(replay("SELECT pg_wal_replay_pause()").ok());
    // Whatever fails below, the shared replica replays again.
    struct Resume {
        decltype(replay)& resume;
        ~Resume() { (void)resume("SELECT pg_wal_replay_resume()"); }
    } resume{replay};
    ASSERT_TRUE(primary_->Write<void>(ctx_, [](Connection& c) { return SetPrice(c, 555); }).ok());
    ASSERT_TRUE(reads.Refresh(ctx_).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    ASSERT_TRUE(reads.Refresh(ctx_).ok());
    EXPECT_TRUE(reads.Stats().lagging);
    EXPECT_GT(reads.Stats().lag_bytes, 0);
    auto seen = reads.Read<int64_t>(ctx_, [](Connection& c) { return Price(c); });
    ASSERT_TRUE(seen.ok());
    EXPECT_EQ(*seen, 555) << "a lagging replica answered";
}

TEST(LsnTest, ParsesPostgresPositions) {
    EXPECT_EQ(ParseLsn("0/0"), 0u);
    EXPECT_EQ(ParseLsn("16/B374D848"), (uint64_t{0x16} << 32) | 0xB374D848);
    EXPECT_LT(ParseLsn("0/FFFFFFFF"), ParseLsn("1/0"));
    EXPECT_EQ(ParseLsn("garbage"), 0u);
}

}  // namespace
}  // namespace emporium::infra::postgres

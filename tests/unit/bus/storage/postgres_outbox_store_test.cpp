// What only the PostgreSQL outbox does: transactions commit in another order than they
// appended, and the relay numbers events in the order they committed, so a consumer never
// passes an event that commits later. (What every store does runs in local_event_bus_test.)
#include "bus/storage/postgres_outbox_store.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bus/storage/local_event_bus.hpp"
#include "core/clock.hpp"
#include "core/random.hpp"
#include "infra/postgres/outbox.hpp"
#include "test_postgres.hpp"

namespace emporium::bus {
namespace {

using infra::postgres::Connection;

class PostgresOutboxStoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(core::InitCrypto());
        auto database = testing::TestPostgresDatabase::Create();
        ASSERT_TRUE(database.ok()) << database.error().message;
        database_ = std::move(database).value();
        auto db = testing::OpenTestPostgres(*database_, {"bus"});
        ASSERT_TRUE(db.ok()) << db.error().message;
        db_ = std::move(db).value();
        store_ = std::make_unique<PostgresOutboxStore>(*db_);
        bus_ = std::make_unique<LocalEventBus>(LocalEventBusSettings{.handler_threads = 0}, clock_);
        bus_->AddSource("source", *store_);
        bus_->Subscribe({.name = "recorder", .types = {"A"}},
                        [this](const core::RequestContext&, const Event& e) -> core::Result<void> {
                            seen_.push_back(e.payload);
                            sequences_.push_back(e.sequence);
                            return core::Ok();
                        });
    }
    void TearDown() override {
        bus_.reset();
        store_.reset();
        db_.reset();
        database_.reset();
    }
    void Publish(const std::string& payload) {
        auto written = db_->Write<void>(ctx_, [&](Connection& c) -> core::Result<void> {
            infra::postgres::AppendToOutbox(c, NewEvent("A", "agg", payload, 1));
            return core::Ok();
        });
        ASSERT_TRUE(written.ok()) << written.error().message;
    }

    core::RequestContext ctx_;
    core::SystemClock clock_;
    std::unique_ptr<testing::TestPostgresDatabase> database_;
    std::unique_ptr<infra::postgres::Database> db_;
    std::unique_ptr<PostgresOutboxStore> store_;
    std::unique_ptr<LocalEventBus> bus_;
    std::vector<std::string> seen_;
    std::vector<int64_t> sequences_;
};

TEST_F(PostgresOutboxStoreTest, AnEventCommittedAfterALaterAppendedOneIsStillDelivered) {
    // "early" is appended first, but its transaction stays open while "late" is appended
    // and committed, and the consumer passes "late".
    std::mutex mutex;
    std::condition_variable changed;
    bool appended = false;
    bool release = false;
    std::thread slow([&] {
        auto written = db_->Write<void>(ctx_, [&](Connection& c) -> core::Result<void> {
            infra::postgres::AppendToOutbox(c, NewEvent("A", "agg-early", "\"early\"", 1));
            EMPORIUM_TRY(c.Flush());  // the row exists (uncommitted), its `appended` taken
            std::unique_lock lock(mutex);
            appended = true;
            changed.notify_all();
            changed.wait(lock, [&] { return release; });
            return core::Ok();
        });
        EXPECT_TRUE(written.ok()) << written.error().message;
    });
    {
        std::unique_lock lock(mutex);
        ASSERT_TRUE(changed.wait_for(lock, std::chrono::seconds(10), [&] { return appended; }));
    }
    Publish("\"late\"");
    bus_->DeliverPending();
    EXPECT_EQ(seen_, (std::vector<std::string>{"\"late\""}));

    {
        std::lock_guard lock(mutex);
        release = true;
    }
    changed.notify_all();
    slow.join();
    bus_->DeliverPending();
    // Numbered when it committed, after the position the consumer had reached: not skipped.
    EXPECT_EQ(seen_, (std::vector<std::string>{"\"late\"", "\"early\""}));
    ASSERT_EQ(sequences_.size(), 2u);
    EXPECT_LT(sequences_[0], sequences_[1]);
    bus_->DeliverPending();
    EXPECT_EQ(seen_.size(), 2u);  // and each once
}

TEST_F(PostgresOutboxStoreTest, ABacklogLargerThanARelayBatchIsNumberedInAppendOrder) {
    // One transaction appends more events than one relay numbers (1,000): they come out in
    // the order they were appended, over several relays, none lost.
    constexpr int kEvents = 2500;
    auto written = db_->Write<void>(ctx_, [&](Connection& c) -> core::Result<void> {
        for (int i = 0; i < kEvents; ++i)
            infra::postgres::AppendToOutbox(c, NewEvent("A", "agg", std::to_string(i), 1));
        return core::Ok();
    });
    ASSERT_TRUE(written.ok()) << written.error().message;
    bus_->DeliverPending();
    ASSERT_EQ(seen_.size(), static_cast<std::size_t>(kEvents));
    for (int i = 0; i < kEvents; ++i) {
        EXPECT_EQ(seen_[static_cast<std::size_t>(i)], std::to_string(i));
        EXPECT_EQ(sequences_[static_cast<std::size_t>(i)], i + 1);  // from 1, without gaps
    }
}

TEST_F(PostgresOutboxStoreTest, ReadingEventsNumbersTheCommittedOnesFirst) {
    Publish("\"x\"");
    // Straight in the table: committed, but not numbered until a reader's relay runs.
    auto unnumbered = db_->Read<int64_t>(ctx_, [](Connection& c) -> core::Result<int64_t> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT count(*) FROM outbox WHERE sequence IS NULL"));
        return rows[0].Int(0);
    });
    ASSERT_TRUE(unnumbered.ok()) << unnumbered.error().message;
    EXPECT_EQ(*unnumbered, 1);
    auto events = store_->ReadEvents(ctx_, 0, 10);
    ASSERT_TRUE(events.ok()) << events.error().message;
    ASSERT_EQ(events->size(), 1u);
    EXPECT_EQ(events->front().sequence, 1);
    EXPECT_EQ(events->front().payload, "\"x\"");
}

}  // namespace
}  // namespace emporium::bus

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include "core/random.hpp"
#include "infra/postgres/database.hpp"
#include "infra/sqlite/database.hpp"
#include "services/payments/storage/postgres_payments_repository.hpp"
#include "services/payments/storage/sqlite_payments_repository.hpp"
#include "temp_dir.hpp"
#include "test_database.hpp"
#include "test_postgres.hpp"

namespace emporium::payments {
namespace {

class KeyedRequestsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(core::InitCrypto());
        auto db = testing::OpenTestDatabase(dir_.path(), "payments",
                                            infra::sqlite::EmbeddedMigrations({"payments", "bus"}), 2, 256);
        ASSERT_TRUE(db.ok()) << db.error().message;
        db_ = std::move(db).value();
        repository_ = std::make_unique<SqlitePaymentsRepository>(*db_);
    }
    void TearDown() override {
        repository_.reset();
        db_.reset();
    }

    // nullopt when the claim was taken, else the stored request.
    std::optional<KeyedRequest> Claim(const std::string& key, int64_t now, const std::string& fingerprint = "f") {
        auto claimed = repository_->ClaimKeyedRequest(ctx_, "usr_1", key, fingerprint, now, now - 60);
        EXPECT_TRUE(claimed.ok()) << claimed.error().message;
        return claimed.ok() ? *claimed : std::nullopt;
    }

    core::RequestContext ctx_;  // no deadline
    testing::TempDir dir_{"emporium-payments-test-"};
    std::unique_ptr<infra::sqlite::Database> db_;
    std::unique_ptr<SqlitePaymentsRepository> repository_;
};

// Finishes the claim made at `claimed_at` with `status`; true when it was still that claim.
bool Finish(SqlitePaymentsRepository& repository, const std::string& key, int64_t claimed_at, int status,
            bool forget = false) {
    auto finished = repository.FinishKeyedRequest(
        core::RequestContext{}, "usr_1",
        KeyedRequest{key, "f", status, "application/json", std::to_string(claimed_at), claimed_at}, forget);
    EXPECT_TRUE(finished.ok()) << finished.error().message;
    return finished.ok() && *finished;
}

TEST_F(KeyedRequestsTest, AClaimIsHeldUntilFinishedAndTakenOverOnlyWhenStale) {
    EXPECT_FALSE(Claim("k", 1000));   // claimed at 1000
    auto running = Claim("k", 1010);  // the first request still runs
    ASSERT_TRUE(running);
    EXPECT_EQ(running->status, 0);
    EXPECT_FALSE(Claim("k", 1061, "g"));  // a minute on: the first process died; claimed at 1061
    // The first request turns up late: its answer must not land under the new claim.
    EXPECT_FALSE(Finish(*repository_, "k", 1000, 200));
    EXPECT_FALSE(Finish(*repository_, "k", 1000, 503, true));
    EXPECT_TRUE(Finish(*repository_, "k", 1061, 201));
    auto done = Claim("k", 5000);
    ASSERT_TRUE(done);
    EXPECT_EQ((std::tuple{done->fingerprint, done->status, done->body}), (std::tuple{"g", 201, "1061"}));
}

TEST_F(KeyedRequestsTest, AnAnswerOf5xxGivesTheKeyUp) {
    EXPECT_FALSE(Claim("k", 1000));
    EXPECT_TRUE(Finish(*repository_, "k", 1000, 503, true));
    EXPECT_FALSE(Claim("k", 1001));  // free again: the retry runs
}

TEST_F(KeyedRequestsTest, PruningForgetsEverythingOlderThanTheRetention) {
    EXPECT_FALSE(Claim("old", 1000));
    EXPECT_TRUE(Finish(*repository_, "old", 1000, 200));
    EXPECT_FALSE(Claim("old-abandoned", 1000));  // its process died; nobody retried
    EXPECT_FALSE(Claim("new", 9000));
    EXPECT_TRUE(Finish(*repository_, "new", 9000, 200));
    auto pruned = repository_->PruneKeyedRequests(ctx_, 5000);
    ASSERT_TRUE(pruned.ok()) << pruned.error().message;
    EXPECT_EQ(*pruned, 2);
    EXPECT_FALSE(Claim("old", 9001));  // forgotten: a new request
    EXPECT_TRUE(Claim("new", 9001));   // still answered
}

TEST(PostgresPaymentsOutboxTest, OnlyTheSettlerThatWinsASuccessPublishesPaymentSucceeded) {
    ASSERT_TRUE(core::InitCrypto());
    core::RequestContext ctx;
    auto database = testing::TestPostgresDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.error().message;
    auto pool = testing::OpenTestPostgres(**database, {"payments", "bus"});
    ASSERT_TRUE(pool.ok()) << pool.error().message;
    PostgresPaymentsRepository repository(**pool);
    auto events = [&] {
        auto found = (*pool)->Read<std::vector<std::string>>(
            ctx, [](infra::postgres::Connection& c) -> core::Result<std::vector<std::string>> {
                EMPORIUM_ASSIGN_OR_RETURN(auto rows,
                                          c.Query("SELECT type, aggregate_id FROM outbox ORDER BY appended"));
                std::vector<std::string> out;
                for (int i = 0; i < rows.size(); ++i) out.push_back(rows[i].String(0) + " " + rows[i].String(1));
                return out;
            });
        EXPECT_TRUE(found.ok()) << found.error().message;
        return found.ok() ? *found : std::vector<std::string>{};
    };
    for (const char* order : {"ord_0_a", "ord_0_b"}) {
        Payment p;
        p.id = std::string("pay_") + order;
        p.order_id = order;
        p.user_id = "usr_1";
        p.amount = 100;
        p.currency = "EUR";
        p.card_token = "tok";
        p.card_last4 = "4242";
        p.card_brand = "visa";
        ASSERT_TRUE(repository.Insert(ctx, p).ok());
    }
    Payment succeeded = *repository.FindByOrder(ctx, "ord_0_a");
    succeeded.status = PaymentStatus::kSucceeded;
    ASSERT_TRUE(*repository.Update(ctx, succeeded, PaymentStatus::kProcessing));
    EXPECT_FALSE(*repository.Update(ctx, succeeded, PaymentStatus::kProcessing));  // lost: no second event
    Payment failed = *repository.FindByOrder(ctx, "ord_0_b");
    failed.status = PaymentStatus::kFailed;
    ASSERT_TRUE(*repository.Update(ctx, failed, PaymentStatus::kProcessing));
    EXPECT_EQ(events(), std::vector<std::string>{"PaymentSucceeded ord_0_a"});
}

}  // namespace
}  // namespace emporium::payments

// The contract every RecommendationsRepository adapter passes
// (services/recommendations/recommendations_repository.hpp). Today: SQLite, PostgreSQL and
// the in-memory fake; each adapter's factory is in the list below.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "contract_harness.hpp"
#include "core/random.hpp"
#include "fakes/memory_recommendations_repository.hpp"
#include "infra/sqlite/database.hpp"
#include "services/recommendations/recommendations_repository.hpp"
#include "services/recommendations/storage/postgres_recommendations_repository.hpp"
#include "services/recommendations/storage/sqlite_recommendations_repository.hpp"

namespace emporium::recommendations {
namespace {

using Subject = testing::ContractSubject<RecommendationsRepository>;
using RecommendationsAdapter = testing::ContractAdapter<RecommendationsRepository>;
using testing::CodeOf;

std::vector<RecommendationsAdapter> Adapters() {
    return {testing::SqliteContractAdapter<RecommendationsRepository, SqliteRecommendationsRepository>(
                "recommendations", {"recommendations", "bus"}),
            testing::PostgresContractAdapter<RecommendationsRepository, PostgresRecommendationsRepository>(
                {"recommendations", "bus"}),
            testing::MemoryContractAdapter<RecommendationsRepository, MemoryRecommendationsRepository>()};
}

class RecommendationsRepositoryContract : public ::testing::TestWithParam<RecommendationsAdapter> {
  protected:
    void SetUp() override {
        subject_ = GetParam().make();
        ASSERT_TRUE(subject_.repository);
        repo_ = subject_.repository.get();
    }

    static OrderSales Order(const std::string& event_id, std::vector<std::pair<std::string, int64_t>> lines,
                            int64_t hour = 10) {
        return OrderSales{event_id, std::move(lines), hour};
    }
    void Record(const std::vector<OrderSales>& orders) {
        auto recorded = repo_->RecordOrders(ctx_, orders, 1000);
        ASSERT_TRUE(recorded.ok()) << recorded.error().message;
    }
    // Scored products as "id:score", in the order answered.
    static std::vector<std::string> Scores(const core::Result<std::vector<ScoredProduct>>& scored) {
        EXPECT_TRUE(scored.ok()) << scored.error().message;
        std::vector<std::string> out;
        if (scored.ok())
            for (const auto& p : *scored) out.push_back(p.product_id + ":" + std::to_string(p.score));
        return out;
    }
    std::vector<std::string> Together(const std::string& product_id, int limit = 10) {
        return Scores(repo_->BoughtTogether(ctx_, product_id, limit));
    }
    std::vector<std::string> Trending(int64_t since_hour, int limit = 10) {
        return Scores(repo_->Trending(ctx_, since_hour, limit));
    }

    core::RequestContext ctx_;
    Subject subject_;
    RecommendationsRepository* repo_ = nullptr;
};

TEST_P(RecommendationsRepositoryContract, ProductsOrderedTogetherAreCountedInBothDirectionsMostOftenFirst) {
    Record({Order("evt_1", {{"prd_a", 1}, {"prd_b", 1}, {"prd_c", 1}})});
    Record({Order("evt_2", {{"prd_a", 5}, {"prd_c", 1}})});
    Record({Order("evt_3", {{"prd_d", 1}, {"prd_c", 2}, {"prd_a", 1}})});
    Record({Order("evt_4", {{"prd_b", 1}, {"prd_d", 1}})});
    // Orders, not units, and ties by product id.
    EXPECT_EQ(Together("prd_a"), (std::vector<std::string>{"prd_c:3", "prd_b:1", "prd_d:1"}));
    EXPECT_EQ(Together("prd_c"), (std::vector<std::string>{"prd_a:3", "prd_b:1", "prd_d:1"}));
    EXPECT_EQ(Together("prd_d"), (std::vector<std::string>{"prd_a:1", "prd_b:1", "prd_c:1"}));
    EXPECT_EQ(Together("prd_b"), (std::vector<std::string>{"prd_a:1", "prd_c:1", "prd_d:1"}));
}

TEST_P(RecommendationsRepositoryContract, TheLimitKeepsTheBestScored) {
    Record({Order("evt_1", {{"prd_a", 1}, {"prd_b", 1}, {"prd_c", 1}}, 10),
            Order("evt_2", {{"prd_a", 1}, {"prd_c", 1}}, 10)});
    EXPECT_EQ(Together("prd_a", 1), std::vector<std::string>{"prd_c:2"});
    EXPECT_EQ(Together("prd_a", 0), std::vector<std::string>{});
    EXPECT_EQ(Trending(0, 2), (std::vector<std::string>{"prd_a:2", "prd_c:2"}));
}

TEST_P(RecommendationsRepositoryContract, AnUnknownOrLoneProductHasNothingBoughtWithIt) {
    EXPECT_EQ(Together("prd_a"), std::vector<std::string>{});
    EXPECT_EQ(Trending(0), std::vector<std::string>{});
    Record({Order("evt_1", {{"prd_lone", 4}}), Order("evt_2", {{"prd_a", 1}, {"prd_b", 1}})});
    EXPECT_EQ(Together("prd_lone"), std::vector<std::string>{});
    EXPECT_EQ(Together("prd_none"), std::vector<std::string>{});
    EXPECT_EQ(Trending(0), (std::vector<std::string>{"prd_lone:4", "prd_a:1", "prd_b:1"}));
}

TEST_P(RecommendationsRepositoryContract, TrendingSumsTheUnitsOfTheHoursSinceMostFirst) {
    Record({Order("evt_1", {{"prd_a", 5}, {"prd_b", 1}}, 10), Order("evt_2", {{"prd_b", 3}, {"prd_c", 2}}, 11),
            Order("evt_3", {{"prd_a", 1}, {"prd_c", 2}}, 12), Order("evt_4", {{"prd_c", 1}}, 12)});
    EXPECT_EQ(Trending(10), (std::vector<std::string>{"prd_a:6", "prd_c:5", "prd_b:4"}));
    EXPECT_EQ(Trending(11), (std::vector<std::string>{"prd_c:5", "prd_b:3", "prd_a:1"}));
    EXPECT_EQ(Trending(12), (std::vector<std::string>{"prd_c:3", "prd_a:1"}));
    EXPECT_EQ(Trending(13), std::vector<std::string>{});
}

TEST_P(RecommendationsRepositoryContract, ARedeliveredEventIsCountedOnce) {
    Record({Order("evt_1", {{"prd_a", 2}, {"prd_b", 1}})});
    Record({Order("evt_1", {{"prd_a", 2}, {"prd_b", 1}}), Order("evt_2", {{"prd_a", 1}, {"prd_b", 1}})});
    // The same event twice in one batch, even with other lines: the first recording stands.
    Record({Order("evt_3", {{"prd_a", 1}, {"prd_c", 1}}), Order("evt_3", {{"prd_b", 9}, {"prd_c", 9}})});
    EXPECT_EQ(Together("prd_a"), (std::vector<std::string>{"prd_b:2", "prd_c:1"}));
    EXPECT_EQ(Together("prd_b"), std::vector<std::string>{"prd_a:2"});
    EXPECT_EQ(Trending(0), (std::vector<std::string>{"prd_a:4", "prd_b:2", "prd_c:1"}));
}

// Batches recorded at once (on PostgreSQL, in concurrent transactions) lose no increment, and
// an event delivered to several of them counts once.
TEST_P(RecommendationsRepositoryContract, ConcurrentBatchesLoseNoCountAndCountASharedEventOnce) {
    constexpr int kThreads = 8;
    constexpr int kBatches = 5;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < kBatches; ++i) {
                auto own = Order("evt_" + std::to_string(t) + "_" + std::to_string(i), {{"prd_a", 1}, {"prd_b", 2}});
                auto shared = Order("evt_shared_" + std::to_string(i), {{"prd_c", 1}, {"prd_a", 1}});
                auto recorded =
                    repo_->RecordOrders(ctx_, t % 2 ? std::vector{own, shared} : std::vector{shared, own}, 1000);
                EXPECT_TRUE(recorded.ok()) << recorded.error().message;
            }
        });
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(Together("prd_a"), (std::vector<std::string>{"prd_b:40", "prd_c:5"}));
    EXPECT_EQ(Together("prd_c"), std::vector<std::string>{"prd_a:5"});
    EXPECT_EQ(Trending(0), (std::vector<std::string>{"prd_b:80", "prd_a:45", "prd_c:5"}));
}

TEST_P(RecommendationsRepositoryContract, AnExpiredDeadlineIsRefusedAndTouchesNothing) {
    if (!GetParam().checks_deadline) GTEST_SKIP() << GetParam().name << " does not check deadlines";
    core::RequestContext expired;
    expired.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    auto recorded = repo_->RecordOrders(expired, {Order("evt_1", {{"prd_a", 1}, {"prd_b", 1}})}, 1000);
    ASSERT_FALSE(recorded.ok());
    EXPECT_EQ(CodeOf(recorded), core::ErrorCode::kUnavailable);
    EXPECT_EQ(Trending(0), std::vector<std::string>{});
    // Not marked handled either: the redelivery counts.
    Record({Order("evt_1", {{"prd_a", 1}, {"prd_b", 1}})});
    EXPECT_EQ(Together("prd_a"), std::vector<std::string>{"prd_b:1"});
    EXPECT_EQ(CodeOf(repo_->BoughtTogether(expired, "prd_a", 10)), core::ErrorCode::kUnavailable);
    EXPECT_EQ(CodeOf(repo_->Trending(expired, 0, 10)), core::ErrorCode::kUnavailable);
}

INSTANTIATE_TEST_SUITE_P(Adapters, RecommendationsRepositoryContract, ::testing::ValuesIn(Adapters()),
                         [](const ::testing::TestParamInfo<RecommendationsAdapter>& info) { return info.param.name; });

}  // namespace
}  // namespace emporium::recommendations

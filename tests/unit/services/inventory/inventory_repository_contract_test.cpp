// The contract every InventoryRepository adapter passes
// (services/inventory/inventory_repository.hpp). Every adapter in Adapters() below passes
// the same cases: SQLite, PostgreSQL and the in-memory fake.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
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
#include "fakes/memory_inventory_repository.hpp"
#include "infra/sqlite/database.hpp"
#include "services/inventory/inventory_repository.hpp"
#include "services/inventory/storage/postgres_inventory_repository.hpp"
#include "services/inventory/storage/sqlite_inventory_repository.hpp"

namespace emporium::inventory {
namespace {

using Subject = testing::ContractSubject<InventoryRepository>;
using InventoryAdapter = testing::ContractAdapter<InventoryRepository>;
using testing::CodeOf;

std::vector<InventoryAdapter> Adapters() {
    return {testing::SqliteContractAdapter<InventoryRepository, SqliteInventoryRepository>("inventory",
                                                                                           {"inventory", "bus"}),
            testing::PostgresContractAdapter<InventoryRepository, PostgresInventoryRepository>({"inventory", "bus"}),
            testing::MemoryContractAdapter<InventoryRepository, MemoryInventoryRepository>()};
}

class InventoryRepositoryContract : public ::testing::TestWithParam<InventoryAdapter> {
  protected:
    void SetUp() override {
        subject_ = GetParam().make();
        ASSERT_TRUE(subject_.repository);
        repo_ = subject_.repository.get();
    }

    static Adjustment NewAdjustment(const std::string& id, const std::string& sku, int64_t delta,
                                    int64_t created_at = 100) {
        return Adjustment{id, sku, delta, "restock", "usr_admin", 0, created_at};
    }
    core::Result<Stock> Adjust(const std::string& id, const std::string& sku, int64_t delta, int64_t at = 100) {
        Adjustment adjustment = NewAdjustment(id, sku, delta, at);
        return repo_->ApplyAdjustment(ctx_, adjustment);
    }
    void Stocked(const std::string& sku, int64_t units) {
        auto stocked = Adjust("adj_" + sku, sku, units);
        ASSERT_TRUE(stocked.ok()) << stocked.error().message;
    }
    // {available, reserved, sold} of `sku`.
    std::vector<int64_t> Counts(const std::string& sku) {
        auto stock = repo_->FindStock(ctx_, sku);
        EXPECT_TRUE(stock.ok());
        if (!stock.ok()) return {};
        return {stock->available, stock->reserved, stock->sold};
    }
    std::vector<std::string> AdjustmentIds(const std::string& sku, std::optional<int64_t> before = std::nullopt,
                                           int limit = 100) {
        std::vector<std::string> ids;
        auto listed = repo_->ListAdjustments(ctx_, sku, before, limit);
        EXPECT_TRUE(listed.ok());
        if (listed.ok())
            for (const auto& [adjustment, seq] : *listed) ids.push_back(adjustment.id);
        return ids;
    }
    core::Result<void> Reserve(const std::string& id, std::vector<ReservationLine> lines, int64_t expires_at = 1000) {
        return repo_->Reserve(ctx_, id, lines, expires_at, 100);
    }
    core::Result<void> Finish(const std::string& id, ReservationStatus to) {
        return repo_->Finish(ctx_, id, to, 200, std::nullopt);
    }

    core::RequestContext ctx_;
    Subject subject_;
    InventoryRepository* repo_ = nullptr;
};

using Units = std::vector<int64_t>;

TEST_P(InventoryRepositoryContract, ASkuNeverStockedHasZeroCountsAndFindStocksAnswersInTheOrderAsked) {
    auto none = repo_->FindStock(ctx_, "SKU-NONE");
    ASSERT_TRUE(none.ok()) << none.error().message;
    EXPECT_EQ(none->sku, "SKU-NONE");
    EXPECT_EQ(Counts("SKU-NONE"), (Units{0, 0, 0}));
    Stocked("SKU-A", 3);
    Stocked("SKU-B", 5);
    auto stocks = repo_->FindStocks(ctx_, {"SKU-B", "SKU-NONE", "SKU-A", "SKU-B"});
    ASSERT_TRUE(stocks.ok()) << stocks.error().message;
    ASSERT_EQ(stocks->size(), 4u);
    EXPECT_EQ((*stocks)[0].sku, "SKU-B");
    EXPECT_EQ((*stocks)[0].available, 5);
    EXPECT_EQ((*stocks)[1].sku, "SKU-NONE");
    EXPECT_EQ((*stocks)[1].available, 0);
    EXPECT_EQ((*stocks)[2].sku, "SKU-A");
    EXPECT_EQ((*stocks)[2].available, 3);
    EXPECT_EQ((*stocks)[3].available, 5);
    EXPECT_TRUE(repo_->FindStocks(ctx_, {}).value().empty());
}

TEST_P(InventoryRepositoryContract, AnAdjustmentChangesAvailableAndIsListedNewestFirstByCursor) {
    Adjustment first = NewAdjustment("adj_1", "SKU-A", 10, 100);
    auto stock = repo_->ApplyAdjustment(ctx_, first);
    ASSERT_TRUE(stock.ok()) << stock.error().message;
    EXPECT_EQ(stock->available, 10);
    EXPECT_EQ(stock->updated_at, 100);
    EXPECT_EQ(first.available_after, 10);
    ASSERT_TRUE(Adjust("adj_2", "SKU-B", 7, 110).ok());
    auto taken = Adjust("adj_3", "SKU-A", -4, 120);
    ASSERT_TRUE(taken.ok());
    EXPECT_EQ(taken->available, 6);
    ASSERT_TRUE(Adjust("adj_4", "SKU-A", 1, 130).ok());
    EXPECT_EQ(repo_->FindStock(ctx_, "SKU-A")->updated_at, 130);

    auto listed = repo_->ListAdjustments(ctx_, "SKU-A", std::nullopt, 2);
    ASSERT_TRUE(listed.ok()) << listed.error().message;
    ASSERT_EQ(listed->size(), 2u);
    const auto& [newest, newest_seq] = (*listed)[0];
    EXPECT_EQ(newest.id, "adj_4");
    EXPECT_EQ(newest.sku, "SKU-A");
    EXPECT_EQ(newest.delta, 1);
    EXPECT_EQ(newest.reason, "restock");
    EXPECT_EQ(newest.actor_id, "usr_admin");
    EXPECT_EQ(newest.available_after, 7);
    EXPECT_EQ(newest.created_at, 130);
    EXPECT_EQ((*listed)[1].first.id, "adj_3");
    EXPECT_EQ((*listed)[1].first.available_after, 6);
    EXPECT_GT(newest_seq, (*listed)[1].second);
    EXPECT_EQ(AdjustmentIds("SKU-A", (*listed)[1].second), std::vector<std::string>{"adj_1"});
    EXPECT_EQ(AdjustmentIds("SKU-A", newest_seq), (std::vector<std::string>{"adj_3", "adj_1"}));
    EXPECT_EQ(AdjustmentIds("SKU-B"), std::vector<std::string>{"adj_2"});
    EXPECT_EQ(AdjustmentIds("SKU-NONE"), std::vector<std::string>{});
}

TEST_P(InventoryRepositoryContract, AnAdjustmentBelowZeroOrWithATakenIdIsAConflictAndChangesNothing) {
    Stocked("SKU-A", 3);
    auto below = Adjust("adj_2", "SKU-A", -4);
    EXPECT_EQ(CodeOf(below), core::ErrorCode::kConflict);
    ASSERT_FALSE(below.ok());
    ASSERT_EQ(below.error().fields.size(), 1u);
    EXPECT_EQ(below.error().fields[0].field, "delta");
    EXPECT_EQ(CodeOf(Adjust("adj_3", "SKU-NEW", -1)), core::ErrorCode::kConflict);
    EXPECT_EQ(CodeOf(Adjust("adj_SKU-A", "SKU-A", 5)), core::ErrorCode::kConflict);  // the id of Stocked's
    EXPECT_EQ(Counts("SKU-A"), (Units{3, 0, 0}));
    EXPECT_EQ(AdjustmentIds("SKU-A"), std::vector<std::string>{"adj_SKU-A"});
    EXPECT_EQ(AdjustmentIds("SKU-NEW"), std::vector<std::string>{});
    ASSERT_TRUE(Adjust("adj_4", "SKU-A", -3).ok());  // down to exactly zero is fine
    EXPECT_EQ(Counts("SKU-A"), (Units{0, 0, 0}));
}

TEST_P(InventoryRepositoryContract, ApplyAdjustmentsIsAllOrNothing) {
    std::vector<Adjustment> good = {NewAdjustment("adj_1", "SKU-A", 5), NewAdjustment("adj_2", "SKU-B", 2),
                                    NewAdjustment("adj_3", "SKU-A", -1)};
    ASSERT_TRUE(repo_->ApplyAdjustments(ctx_, good).ok());
    EXPECT_EQ(good[2].available_after, 4);
    std::vector<Adjustment> bad = {NewAdjustment("adj_4", "SKU-A", 10), NewAdjustment("adj_5", "SKU-B", -3)};
    EXPECT_EQ(CodeOf(repo_->ApplyAdjustments(ctx_, bad)), core::ErrorCode::kConflict);
    EXPECT_EQ(Counts("SKU-A"), (Units{4, 0, 0}));
    EXPECT_EQ(Counts("SKU-B"), (Units{2, 0, 0}));
    EXPECT_EQ(AdjustmentIds("SKU-A"), (std::vector<std::string>{"adj_3", "adj_1"}));
}

TEST_P(InventoryRepositoryContract, AReservationMovesUnitsToReservedAllOrNothing) {
    Stocked("SKU-A", 5);
    Stocked("SKU-B", 1);
    auto short_b = Reserve("ord_1", {{"SKU-A", 2}, {"SKU-B", 2}});
    EXPECT_EQ(CodeOf(short_b), core::ErrorCode::kConflict);
    ASSERT_FALSE(short_b.ok());
    ASSERT_EQ(short_b.error().fields.size(), 1u);
    EXPECT_EQ(short_b.error().fields[0].field, "sku");
    EXPECT_EQ(short_b.error().fields[0].message, "SKU-B");
    EXPECT_EQ(Counts("SKU-A"), (Units{5, 0, 0}));  // the first line was undone
    EXPECT_EQ(Counts("SKU-B"), (Units{1, 0, 0}));
    EXPECT_EQ(CodeOf(Finish("ord_1", ReservationStatus::kReleased)), core::ErrorCode::kNotFound);  // not kept
    EXPECT_EQ(CodeOf(Reserve("ord_2", {{"SKU-NONE", 1}})), core::ErrorCode::kConflict);

    ASSERT_TRUE(Reserve("ord_1", {{"SKU-A", 2}, {"SKU-B", 1}, {"SKU-A", 1}}).ok());
    EXPECT_EQ(Counts("SKU-A"), (Units{2, 3, 0}));
    EXPECT_EQ(Counts("SKU-B"), (Units{0, 1, 0}));
    EXPECT_EQ(repo_->FindStock(ctx_, "SKU-A")->updated_at, 100);
    ASSERT_TRUE(Finish("ord_1", ReservationStatus::kReleased).ok());  // every line comes back, repeats too
    EXPECT_EQ(Counts("SKU-A"), (Units{5, 0, 0}));
    EXPECT_EQ(Counts("SKU-B"), (Units{1, 0, 0}));
}

TEST_P(InventoryRepositoryContract, ConcurrentReservationsNeverOversell) {
    Stocked("SKU-A", 10);
    constexpr int kBuyers = 16;
    std::atomic<int> reserved{0}, short_of_stock{0}, failed{0};
    std::vector<std::thread> buyers;
    for (int b = 0; b < kBuyers; ++b)
        buyers.emplace_back([&, b] {
            auto result = repo_->Reserve(ctx_, "ord_" + std::to_string(b), {{"SKU-A", 1}}, 1000, 100);
            if (result.ok())
                reserved.fetch_add(1);
            else if (result.error().code == core::ErrorCode::kConflict)
                short_of_stock.fetch_add(1);
            else
                failed.fetch_add(1);
        });
    for (auto& buyer : buyers) buyer.join();
    EXPECT_EQ(failed.load(), 0);
    EXPECT_EQ(reserved.load(), 10);
    EXPECT_EQ(short_of_stock.load(), kBuyers - 10);
    EXPECT_EQ(Counts("SKU-A"), (Units{0, 10, 0}));
}

// A flash sale: many buyers at once, each order taking two SKUs (listed in either order, so
// an adapter that locked rows in the order given would deadlock), then paid, cancelled or
// left pending. Whatever the interleaving, no unit is sold twice and none goes missing:
// per SKU, reserved and sold are exactly what the successful reservations hold, and the
// three counts still add up to the stock loaded.
TEST_P(InventoryRepositoryContract, AFlashSaleNeitherOversellsNorLosesAUnit) {
    constexpr int64_t kUnits = 100;
    Stocked("SKU-A", kUnits);
    Stocked("SKU-B", kUnits);
    constexpr int kBuyers = 24;
    constexpr int kOrdersEach = 6;
    struct Outcome {
        int64_t a = 0, b = 0;  // units of each SKU the order holds
        ReservationStatus status = ReservationStatus::kActive;
    };
    std::vector<std::vector<Outcome>> outcomes(kBuyers);  // one vector per buyer thread
    std::atomic<int> short_of_stock{0}, failed{0};
    std::vector<std::thread> buyers;
    for (int b = 0; b < kBuyers; ++b)
        buyers.emplace_back([&, b] {
            for (int o = 0; o < kOrdersEach; ++o) {
                std::string id = "ord_" + std::to_string(b) + "_" + std::to_string(o);
                Outcome outcome{1 + (b + o) % 2, 1};
                std::vector<ReservationLine> lines = {{"SKU-A", outcome.a}, {"SKU-B", outcome.b}};
                if (b % 2) std::swap(lines[0], lines[1]);
                auto reserved = repo_->Reserve(ctx_, id, lines, 1000, 100);
                if (!reserved.ok()) {
                    (reserved.error().code == core::ErrorCode::kConflict ? short_of_stock : failed).fetch_add(1);
                    continue;
                }
                if (o % 3 != 2) {
                    outcome.status = o % 3 == 0 ? ReservationStatus::kCommitted : ReservationStatus::kReleased;
                    if (!repo_->Finish(ctx_, id, outcome.status, 200, std::nullopt).ok()) failed.fetch_add(1);
                }
                outcomes[b].push_back(outcome);
            }
        });
    for (auto& buyer : buyers) buyer.join();
    EXPECT_EQ(failed.load(), 0);
    EXPECT_GT(short_of_stock.load(), 0);  // demand exceeded the stock: the sale sold out
    Units a{0, 0, 0}, b{0, 0, 0};         // expected {available, reserved, sold}
    for (const auto& mine : outcomes)
        for (const auto& outcome : mine) {
            std::size_t held = outcome.status == ReservationStatus::kActive ? 1 : 2;
            if (outcome.status == ReservationStatus::kReleased) continue;
            a[held] += outcome.a;
            b[held] += outcome.b;
        }
    a[0] = kUnits - a[1] - a[2];
    b[0] = kUnits - b[1] - b[2];
    EXPECT_EQ(Counts("SKU-A"), a);
    EXPECT_EQ(Counts("SKU-B"), b);
    EXPECT_GE(a[0], 0);
    EXPECT_GE(b[0], 0);
}

// Retries of one checkout and a payment racing the expiry sweeper: calls on one
// reservation that run at once take effect once.
TEST_P(InventoryRepositoryContract, ConcurrentCallsOnOneReservationTakeEffectOnce) {
    Stocked("SKU-A", 10);
    constexpr int kCallers = 8;
    std::atomic<int> failed{0};
    std::vector<std::thread> callers;
    for (int i = 0; i < kCallers; ++i)
        callers.emplace_back([&] {
            if (!repo_->Reserve(ctx_, "ord_1", {{"SKU-A", 2}}, 1000, 100).ok()) failed.fetch_add(1);
        });
    for (auto& caller : callers) caller.join();
    EXPECT_EQ(failed.load(), 0);
    EXPECT_EQ(Counts("SKU-A"), (Units{8, 2, 0}));

    callers.clear();
    std::atomic<int> committed{0}, released{0}, refused{0};
    for (int i = 0; i < kCallers; ++i)
        callers.emplace_back([&, i] {
            auto to = i % 2 ? ReservationStatus::kCommitted : ReservationStatus::kReleased;
            auto finished = repo_->Finish(ctx_, "ord_1", to, 200, std::nullopt);
            if (finished.ok())
                (to == ReservationStatus::kCommitted ? committed : released).fetch_add(1);
            else if (finished.error().code == core::ErrorCode::kConflict)
                refused.fetch_add(1);
        });
    for (auto& caller : callers) caller.join();
    // One way won: all its calls succeed (the first acted, the rest were no-ops) and every
    // call the other way is refused.
    EXPECT_EQ(committed.load() + released.load(), kCallers / 2);
    EXPECT_EQ(refused.load(), kCallers / 2);
    EXPECT_EQ(Counts("SKU-A"), committed.load() ? (Units{8, 0, 2}) : (Units{10, 0, 0}));
}

TEST_P(InventoryRepositoryContract, ReservingAnIdAgainIsANoOp) {
    Stocked("SKU-A", 5);
    ASSERT_TRUE(Reserve("ord_1", {{"SKU-A", 2}}).ok());
    ASSERT_TRUE(Reserve("ord_1", {{"SKU-A", 2}}).ok());
    ASSERT_TRUE(Reserve("ord_1", {{"SKU-A", 4}}).ok());  // whatever the retry carries
    EXPECT_EQ(Counts("SKU-A"), (Units{3, 2, 0}));
    ASSERT_TRUE(Finish("ord_1", ReservationStatus::kCommitted).ok());
    ASSERT_TRUE(Reserve("ord_1", {{"SKU-A", 1}}).ok());  // an ended reservation is not reopened
    EXPECT_EQ(Counts("SKU-A"), (Units{3, 0, 2}));
}

TEST_P(InventoryRepositoryContract, CommitAndReleaseEndAReservationOnceAndOneWayOnly) {
    Stocked("SKU-A", 5);
    ASSERT_TRUE(Reserve("ord_paid", {{"SKU-A", 2}}).ok());
    ASSERT_TRUE(Reserve("ord_cancelled", {{"SKU-A", 1}}).ok());
    EXPECT_EQ(CodeOf(Finish("ord_none", ReservationStatus::kCommitted)), core::ErrorCode::kNotFound);

    ASSERT_TRUE(Finish("ord_paid", ReservationStatus::kCommitted).ok());
    EXPECT_EQ(Counts("SKU-A"), (Units{2, 1, 2}));
    ASSERT_TRUE(Finish("ord_paid", ReservationStatus::kCommitted).ok());  // again: no-op
    EXPECT_EQ(CodeOf(Finish("ord_paid", ReservationStatus::kReleased)), core::ErrorCode::kConflict);
    EXPECT_EQ(Counts("SKU-A"), (Units{2, 1, 2}));

    ASSERT_TRUE(repo_->Finish(ctx_, "ord_cancelled", ReservationStatus::kReleased, 200, "cancelled").ok());
    EXPECT_EQ(Counts("SKU-A"), (Units{3, 0, 2}));
    ASSERT_TRUE(Finish("ord_cancelled", ReservationStatus::kReleased).ok());  // again: no-op
    EXPECT_EQ(CodeOf(Finish("ord_cancelled", ReservationStatus::kCommitted)), core::ErrorCode::kConflict);
    EXPECT_EQ(Counts("SKU-A"), (Units{3, 0, 2}));
    EXPECT_EQ(repo_->FindStock(ctx_, "SKU-A")->updated_at, 200);
}

TEST_P(InventoryRepositoryContract, FindExpiredListsActiveReservationsPastExpirySoonestFirst) {
    Stocked("SKU-A", 10);
    ASSERT_TRUE(Reserve("ord_late", {{"SKU-A", 1}}, 500).ok());
    ASSERT_TRUE(Reserve("ord_early", {{"SKU-A", 1}}, 300).ok());
    ASSERT_TRUE(Reserve("ord_future", {{"SKU-A", 1}}, 900).ok());
    ASSERT_TRUE(Reserve("ord_paid", {{"SKU-A", 1}}, 200).ok());
    ASSERT_TRUE(Reserve("ord_edge", {{"SKU-A", 1}}, 600).ok());
    ASSERT_TRUE(Finish("ord_paid", ReservationStatus::kCommitted).ok());

    EXPECT_EQ(repo_->FindExpired(ctx_, 299, 10).value(), std::vector<std::string>{});
    EXPECT_EQ(repo_->FindExpired(ctx_, 600, 10).value(),
              (std::vector<std::string>{"ord_early", "ord_late", "ord_edge"}));  // expires_at <= now
    EXPECT_EQ(repo_->FindExpired(ctx_, 600, 2).value(), (std::vector<std::string>{"ord_early", "ord_late"}));
    // Releasing the expired ones (what the sweeper does) takes them off the list.
    ASSERT_TRUE(repo_->Finish(ctx_, "ord_early", ReservationStatus::kReleased, 600, "expired").ok());
    EXPECT_EQ(repo_->FindExpired(ctx_, 600, 10).value(), (std::vector<std::string>{"ord_late", "ord_edge"}));
    EXPECT_EQ(Counts("SKU-A"), (Units{6, 3, 1}));
}

TEST_P(InventoryRepositoryContract, RestockPutsTheUnitsOfACommittedReservationBackOnSaleOnce) {
    Stocked("SKU-A", 5);
    Stocked("SKU-B", 5);
    ASSERT_TRUE(Reserve("ord_1", {{"SKU-A", 2}, {"SKU-B", 1}}).ok());
    EXPECT_EQ(CodeOf(repo_->Restock(ctx_, "ord_none", 300)), core::ErrorCode::kNotFound);
    EXPECT_EQ(CodeOf(repo_->Restock(ctx_, "ord_1", 300)), core::ErrorCode::kConflict);  // still active
    ASSERT_TRUE(Finish("ord_1", ReservationStatus::kCommitted).ok());
    EXPECT_EQ(Counts("SKU-A"), (Units{3, 0, 2}));

    ASSERT_TRUE(repo_->Restock(ctx_, "ord_1", 300).ok());
    EXPECT_EQ(Counts("SKU-A"), (Units{5, 0, 0}));
    EXPECT_EQ(Counts("SKU-B"), (Units{5, 0, 0}));
    EXPECT_EQ(repo_->FindStock(ctx_, "SKU-A")->updated_at, 300);
    ASSERT_TRUE(repo_->Restock(ctx_, "ord_1", 400).ok());  // again: no-op
    EXPECT_EQ(Counts("SKU-A"), (Units{5, 0, 0}));
    EXPECT_EQ(AdjustmentIds("SKU-A"), std::vector<std::string>{"adj_SKU-A"});  // not an adjustment

    ASSERT_TRUE(Reserve("ord_2", {{"SKU-A", 1}}).ok());
    ASSERT_TRUE(Finish("ord_2", ReservationStatus::kReleased).ok());
    EXPECT_EQ(CodeOf(repo_->Restock(ctx_, "ord_2", 300)), core::ErrorCode::kConflict);  // released, never sold
}

TEST_P(InventoryRepositoryContract, AnExpiredDeadlineIsRefusedAndTouchesNothing) {
    if (!GetParam().checks_deadline) GTEST_SKIP() << GetParam().name << " does not check deadlines";
    Stocked("SKU-A", 5);
    core::RequestContext expired;
    expired.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    Adjustment adjustment = NewAdjustment("adj_2", "SKU-A", 3);
    EXPECT_EQ(CodeOf(repo_->ApplyAdjustment(expired, adjustment)), core::ErrorCode::kUnavailable);
    EXPECT_EQ(CodeOf(repo_->Reserve(expired, "ord_1", {{"SKU-A", 1}}, 1000, 100)), core::ErrorCode::kUnavailable);
    EXPECT_EQ(CodeOf(repo_->FindStock(expired, "SKU-A")), core::ErrorCode::kUnavailable);
    EXPECT_EQ(Counts("SKU-A"), (Units{5, 0, 0}));
    EXPECT_EQ(CodeOf(Finish("ord_1", ReservationStatus::kReleased)), core::ErrorCode::kNotFound);
    ASSERT_TRUE(Reserve("ord_1", {{"SKU-A", 1}}).ok());
    EXPECT_EQ(CodeOf(repo_->Finish(expired, "ord_1", ReservationStatus::kCommitted, 200, std::nullopt)),
              core::ErrorCode::kUnavailable);
    EXPECT_EQ(Counts("SKU-A"), (Units{4, 1, 0}));
}

INSTANTIATE_TEST_SUITE_P(Adapters, InventoryRepositoryContract, ::testing::ValuesIn(Adapters()),
                         [](const ::testing::TestParamInfo<InventoryAdapter>& info) { return info.param.name; });

}  // namespace
}  // namespace emporium::inventory

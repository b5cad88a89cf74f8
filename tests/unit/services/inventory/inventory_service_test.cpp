#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "core/random.hpp"
#include "infra/sqlite/database.hpp"
#include "services/catalog/catalog_service_impl.hpp"
#include "services/catalog/storage/sqlite_catalog_repository.hpp"
#include "services/inventory/inventory_service_impl.hpp"
#include "services/inventory/storage/sqlite_inventory_repository.hpp"
#include "temp_dir.hpp"
#include "test_database.hpp"

namespace emporium::inventory {
namespace {

class SteppedClock final : public core::Clock {
  public:
    int64_t NowSeconds() const override { return now.load(); }
    std::atomic<int64_t> now{1'800'000'000};
};

class InventoryServiceTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(core::InitCrypto());
        auto open = [&](const char* name, std::vector<infra::sqlite::Migration> migrations) {
            auto db = testing::OpenTestDatabase(dir_.path(), name, std::move(migrations), 2, 256);
            EXPECT_TRUE(db.ok()) << db.error().message;
            return std::move(db).value();
        };
        catalog_db_ = open("catalog", infra::sqlite::EmbeddedMigrations({"catalog", "bus"}));
        inventory_db_ = open("inventory", infra::sqlite::EmbeddedMigrations({"inventory", "bus"}));
        catalog_repository_ = std::make_unique<catalog::SqliteCatalogRepository>(*catalog_db_);
        catalog_ = std::make_unique<catalog::CatalogServiceImpl>(*catalog_repository_, clock_);
        repository_ = std::make_unique<SqliteInventoryRepository>(*inventory_db_);
        service_ = std::make_unique<InventoryServiceImpl>(*repository_, *catalog_, clock_);
        catalog::ProductInput input;
        input.name = "Widget";
        input.variants = std::vector<catalog::VariantInput>{
            catalog::VariantInput{std::string("W-1"), {}, int64_t{100}, std::string("USD"), {}},
            catalog::VariantInput{std::string("W-2"), {}, int64_t{200}, std::string("USD"), {}}};
        ASSERT_TRUE(catalog_->CreateProduct(ctx_, input).ok());
    }
    void TearDown() override {
        service_.reset();
        repository_.reset();
        catalog_.reset();
        catalog_repository_.reset();
        inventory_db_.reset();
        catalog_db_.reset();
    }

    Stock StockOf(const std::string& sku) { return *service_->GetStock(ctx_, sku); }

    SteppedClock clock_;
    core::RequestContext ctx_;
    testing::TempDir dir_{"emporium-inventory-test-"};
    std::unique_ptr<infra::sqlite::Database> catalog_db_, inventory_db_;
    std::unique_ptr<catalog::SqliteCatalogRepository> catalog_repository_;
    std::unique_ptr<catalog::CatalogServiceImpl> catalog_;
    std::unique_ptr<SqliteInventoryRepository> repository_;
    std::unique_ptr<InventoryServiceImpl> service_;
};

TEST_F(InventoryServiceTest, AdjustmentsNeverMakeStockNegative) {
    EXPECT_EQ(service_->GetStock(ctx_, "NOPE").error().code, core::ErrorCode::kNotFound);
    ASSERT_TRUE(service_->Adjust(ctx_, "W-1", 5, "delivery").ok());
    auto short_of = service_->Adjust(ctx_, "W-1", -6, "count");
    ASSERT_FALSE(short_of.ok());
    EXPECT_EQ(short_of.error().code, core::ErrorCode::kConflict);
    EXPECT_EQ(StockOf("W-1").available, 5);
    EXPECT_EQ(service_->Adjust(ctx_, "W-1", 0, "x").error().code, core::ErrorCode::kInvalidArgument);
    EXPECT_EQ(service_->Adjust(ctx_, "W-1", 1, "  ").error().code, core::ErrorCode::kInvalidArgument);
    auto page = service_->ListAdjustments(ctx_, "W-1", 10, "");
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page->items.size(), 1u);
    EXPECT_EQ(page->items[0].available_after, 5);
}

TEST_F(InventoryServiceTest, ConcurrentReservationsNeverOversell) {
    ASSERT_TRUE(service_->Adjust(ctx_, "W-1", 50, "stock").ok());
    std::atomic<int> reserved{0}, refused{0};
    std::vector<std::thread> buyers;
    for (int i = 0; i < 200; ++i) {
        buyers.emplace_back([&, i] {
            auto result = service_->Reserve(ctx_, "order-" + std::to_string(i), {{"W-1", 1}}, clock_.now + 900);
            if (result.ok())
                ++reserved;
            else if (result.error().code == core::ErrorCode::kConflict)
                ++refused;
        });
    }
    for (auto& buyer : buyers) buyer.join();
    EXPECT_EQ(reserved.load(), 50);
    EXPECT_EQ(refused.load(), 150);
    Stock stock = StockOf("W-1");
    EXPECT_EQ(stock.available, 0);
    EXPECT_EQ(stock.reserved, 50);
}

TEST_F(InventoryServiceTest, ReservationIsAllOrNothingAndIdempotent) {
    ASSERT_TRUE(service_->Adjust(ctx_, "W-1", 3, "stock").ok());
    ASSERT_TRUE(service_->Adjust(ctx_, "W-2", 1, "stock").ok());
    auto short_of = service_->Reserve(ctx_, "o1", {{"W-1", 2}, {"W-2", 2}}, clock_.now + 900);
    ASSERT_FALSE(short_of.ok());
    EXPECT_EQ(short_of.error().fields.at(0).message, "W-2");
    EXPECT_EQ(StockOf("W-1").available, 3);  // W-1's part was rolled back
    ASSERT_TRUE(service_->Reserve(ctx_, "o2", {{"W-1", 2}}, clock_.now + 900).ok());
    ASSERT_TRUE(service_->Reserve(ctx_, "o2", {{"W-1", 2}}, clock_.now + 900).ok());  // retried: no second hold
    EXPECT_EQ(StockOf("W-1").reserved, 2);
}

TEST_F(InventoryServiceTest, CommitReleaseAndExpiryKeepTheTotal) {
    ASSERT_TRUE(service_->Adjust(ctx_, "W-1", 10, "stock").ok());
    ASSERT_TRUE(service_->Reserve(ctx_, "paid", {{"W-1", 2}}, clock_.now + 900).ok());
    ASSERT_TRUE(service_->Reserve(ctx_, "cancelled", {{"W-1", 3}}, clock_.now + 900).ok());
    ASSERT_TRUE(service_->Reserve(ctx_, "abandoned", {{"W-1", 4}}, clock_.now + 60).ok());
    ASSERT_TRUE(service_->Commit(ctx_, "paid").ok());
    ASSERT_TRUE(service_->Commit(ctx_, "paid").ok());  // idempotent
    ASSERT_TRUE(service_->Release(ctx_, "cancelled").ok());
    EXPECT_EQ(service_->Commit(ctx_, "cancelled").error().code, core::ErrorCode::kConflict);
    EXPECT_EQ(*service_->ReleaseExpired(ctx_, 100), 0);
    clock_.now += 61;
    EXPECT_EQ(*service_->ReleaseExpired(ctx_, 100), 1);
    Stock stock = StockOf("W-1");
    EXPECT_EQ(stock.available, 8);
    EXPECT_EQ(stock.reserved, 0);
    EXPECT_EQ(stock.sold, 2);
    EXPECT_EQ(stock.available + stock.reserved + stock.sold, 10);
    EXPECT_EQ(service_->Commit(ctx_, "abandoned").error().code, core::ErrorCode::kConflict);
}

}  // namespace
}  // namespace emporium::inventory

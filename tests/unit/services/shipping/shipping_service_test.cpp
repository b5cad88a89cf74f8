#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "core/random.hpp"
#include "fakes/fake_orders_service.hpp"
#include "infra/sqlite/database.hpp"
#include "services/shipping/shipping_service_impl.hpp"
#include "services/shipping/storage/sqlite_shipping_repository.hpp"
#include "temp_dir.hpp"
#include "test_database.hpp"

namespace emporium::shipping {
namespace {

using orders::OrderStatus;

class ShippingServiceTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(core::InitCrypto());
        auto db = testing::OpenTestDatabase(dir_.path(), "shipping", infra::sqlite::EmbeddedMigrations("shipping"));
        ASSERT_TRUE(db.ok()) << db.error().message;
        db_ = std::move(db).value();
        repository_ = std::make_unique<SqliteShippingRepository>(*db_);
        service_ = std::make_unique<ShippingServiceImpl>(*repository_, orders_, clock_);
    }
    void TearDown() override {
        service_.reset();
        repository_.reset();
        db_.reset();
    }

    testing::FakeOrdersService orders_;
    core::SystemClock clock_;
    testing::TempDir dir_{"emporium-shipping-test-"};
    std::unique_ptr<infra::sqlite::Database> db_;
    std::unique_ptr<SqliteShippingRepository> repository_;
    std::unique_ptr<ShippingServiceImpl> service_;
};

TEST_F(ShippingServiceTest, ABatchShipsEachPaidOrderOnceAndAnswersForEachOrder) {
    orders_.Add("ord_0_a", "usr_1", OrderStatus::kPaid);
    orders_.Add("ord_1_b", "usr_3", OrderStatus::kPaid);
    orders_.Add("ord_2_c", "usr_4", OrderStatus::kRefunded);  // refunded before its label
    std::vector<PaidOrder> batch = {
        {"ord_0_a", "usr_1"}, {"ord_9_missing", "usr_2"}, {"ord_1_b", "usr_3"}, {"ord_2_c", "usr_4"}};

    auto created = service_->CreateShipments(core::RequestContext{}, batch);
    ASSERT_TRUE(created.ok()) << created.error().message;
    ASSERT_EQ(created->size(), 4u);
    ASSERT_TRUE((*created)[0].ok());
    EXPECT_EQ((*created)[0]->order_id, "ord_0_a");
    EXPECT_EQ((*created)[0]->status, ShipmentStatus::kLabelCreated);
    // The order that cannot be found fails alone, so the bus retries only it.
    EXPECT_EQ((*created)[1].error().code, core::ErrorCode::kNotFound);
    EXPECT_TRUE((*created)[2].ok());
    EXPECT_TRUE((*created)[3].ok());  // an order that can no longer move is left alone
    EXPECT_EQ(orders_.orders["ord_0_a"].status, OrderStatus::kFulfilling);
    EXPECT_EQ(orders_.orders["ord_1_b"].status, OrderStatus::kFulfilling);
    EXPECT_EQ(orders_.orders["ord_2_c"].status, OrderStatus::kRefunded);

    // Delivered again (at least once): the same shipments, no second label.
    auto again = service_->CreateShipments(core::RequestContext{}, {batch[0], batch[2]});
    ASSERT_TRUE(again.ok());
    ASSERT_TRUE((*again)[0].ok());
    EXPECT_EQ((*again)[0]->tracking_number, (*created)[0]->tracking_number);
    EXPECT_EQ((*again)[1]->tracking_number, (*created)[2]->tracking_number);
    auto tracking = repository_->FindByOrder(core::RequestContext{}, "ord_0_a");
    ASSERT_TRUE(tracking.ok());
    EXPECT_EQ(tracking->events.size(), 1u);
}

}  // namespace
}  // namespace emporium::shipping

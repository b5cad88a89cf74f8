#include <gtest/gtest.h>

#include <chrono>

#include "core/random.hpp"
#include "infra/sqlite/database.hpp"
#include "services/orders/storage/sqlite_orders_repository.hpp"
#include "temp_dir.hpp"
#include "test_database.hpp"

namespace emporium::orders {
namespace {

class OrdersRepositoryTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(core::InitCrypto());
        auto db =
            testing::OpenTestDatabase(dir_.path(), "orders_0", infra::sqlite::EmbeddedMigrations({"orders", "bus"}));
        ASSERT_TRUE(db.ok()) << db.error().message;
        db_ = std::move(db).value();
        repository_ = std::make_unique<SqliteOrdersRepository>(std::vector<infra::sqlite::Database*>{db_.get()});
    }
    void TearDown() override {
        repository_.reset();
        db_.reset();
    }

    static Order NewOrder(const std::string& id) {
        Order order;
        order.id = id;
        order.user_id = "usr_1";
        order.status = OrderStatus::kPendingPayment;
        order.subtotal = order.total = catalog::Money{500, "EUR"};
        order.items.push_back(OrderLine{"SKU-1", "prd_1", "Mug", "", 1, {500, "EUR"}, {500, "EUR"}});
        order.item_count = 1;
        return order;
    }
    void Place(const std::string& id, OrderStatus status) {
        Order order = NewOrder(id);
        ASSERT_TRUE(repository_->CreateOrder(ctx_, 0, order, std::nullopt).ok());
        // Along the state machine: PENDING_PAYMENT → PAID → FULFILLING, or straight to CANCELLED.
        std::vector<OrderStatus> path;
        if (status == OrderStatus::kPaid || status == OrderStatus::kFulfilling) path.push_back(OrderStatus::kPaid);
        if (status == OrderStatus::kFulfilling || status == OrderStatus::kCancelled) path.push_back(status);
        for (OrderStatus step : path) {
            ASSERT_TRUE(repository_->Transition(ctx_, 0, id, step, "set up", 2).ok());
        }
    }
    OrderStatus StatusOf(const std::string& id) {
        auto order = repository_->FindOrder(ctx_, 0, id);
        EXPECT_TRUE(order.ok());
        return order.ok() ? order->status : OrderStatus::kPendingPayment;
    }
    int64_t OutboxSize() {
        auto count = db_->Read<int64_t>([](infra::sqlite::Connection& c) -> core::Result<int64_t> {
            EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare("SELECT count(*) FROM outbox"));
            EMPORIUM_TRY(stmt.Step());
            return stmt.Int(0);
        });
        EXPECT_TRUE(count.ok());
        return count.ok() ? *count : -1;
    }

    core::RequestContext ctx_;  // no deadline
    testing::TempDir dir_{"emporium-orders-test-"};
    std::unique_ptr<infra::sqlite::Database> db_;
    std::unique_ptr<SqliteOrdersRepository> repository_;
};

TEST_F(OrdersRepositoryTest, TransitionEachAnswersPerOrderAndMovesOnlyTheLegalOnes) {
    Place("ord_0_a", OrderStatus::kPaid);
    Place("ord_0_b", OrderStatus::kFulfilling);  // there already
    Place("ord_0_c", OrderStatus::kCancelled);   // cannot ship
    Place("ord_0_d", OrderStatus::kPaid);
    int64_t events_before = OutboxSize();

    auto moved = repository_->TransitionEach(ctx_, 0, {"ord_0_a", "ord_0_b", "ord_0_c", "ord_0_missing", "ord_0_d"},
                                             OrderStatus::kFulfilling, "shipping label created", 3);
    ASSERT_TRUE(moved.ok()) << moved.error().message;
    ASSERT_EQ(moved->size(), 5u);
    EXPECT_TRUE((*moved)[0].ok());
    EXPECT_TRUE((*moved)[1].ok());
    EXPECT_EQ((*moved)[2].error().code, core::ErrorCode::kConflict);
    EXPECT_EQ((*moved)[3].error().code, core::ErrorCode::kNotFound);
    ASSERT_TRUE((*moved)[4].ok());
    EXPECT_EQ((*moved)[4]->status, OrderStatus::kFulfilling);

    EXPECT_EQ(StatusOf("ord_0_a"), OrderStatus::kFulfilling);
    EXPECT_EQ(StatusOf("ord_0_c"), OrderStatus::kCancelled);
    EXPECT_EQ(StatusOf("ord_0_d"), OrderStatus::kFulfilling);
    // One OrderStatusChanged per order that moved; none for the one already there.
    EXPECT_EQ(OutboxSize() - events_before, 2);
    auto history = repository_->History(ctx_, 0, "ord_0_a");
    ASSERT_TRUE(history.ok());
    EXPECT_EQ(history->back().status, OrderStatus::kFulfilling);
    EXPECT_EQ(history->back().reason, "shipping label created");
}

TEST_F(OrdersRepositoryTest, CreateOrderRefusesAnExpiredDeadlineAndStoresNothing) {
    core::RequestContext expired;
    expired.deadline = std::chrono::steady_clock::now() - std::chrono::milliseconds(1);
    int64_t events_before = OutboxSize();

    auto created = repository_->CreateOrder(expired, 0, NewOrder("ord_0_late"), std::nullopt);
    ASSERT_FALSE(created.ok());
    EXPECT_EQ(created.error().code, core::ErrorCode::kUnavailable);

    auto found = repository_->FindOrder(core::RequestContext{}, 0, "ord_0_late");
    ASSERT_FALSE(found.ok());
    EXPECT_EQ(found.error().code, core::ErrorCode::kNotFound);
    EXPECT_EQ(OutboxSize(), events_before);
}

}  // namespace
}  // namespace emporium::orders

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/random.hpp"
#include "infra/postgres/database.hpp"
#include "infra/sqlite/database.hpp"
#include "services/orders/order_events.hpp"
#include "services/orders/storage/postgres_orders_repository.hpp"
#include "services/orders/storage/sqlite_orders_repository.hpp"
#include "temp_dir.hpp"
#include "test_database.hpp"
#include "test_postgres.hpp"

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

// PostgreSQL, two shards on two databases (as on two servers): each has its own outbox, which
// gets exactly the events of the changes its shard committed.
class PostgresOrdersOutboxTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(core::InitCrypto());
        std::vector<infra::postgres::Database*> shards;
        for (int shard = 0; shard < 2; ++shard) {
            auto database = testing::TestPostgresDatabase::Create();
            ASSERT_TRUE(database.ok()) << database.error().message;
            databases_.push_back(std::move(database).value());
            auto pool = testing::OpenTestPostgres(*databases_.back(), {"orders", "bus"});
            ASSERT_TRUE(pool.ok()) << pool.error().message;
            pools_.push_back(std::move(pool).value());
            shards.push_back(pools_.back().get());
        }
        repository_ = std::make_unique<PostgresOrdersRepository>(std::move(shards));
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
    // The events of `type` in the outbox of `shard`'s database, by aggregate, in append order.
    std::vector<std::string> Events(int shard, std::string_view type) {
        auto events = pools_[static_cast<std::size_t>(shard)]->Read<std::vector<std::string>>(
            ctx_, [&](infra::postgres::Connection& c) -> core::Result<std::vector<std::string>> {
                EMPORIUM_ASSIGN_OR_RETURN(auto rows,
                                          c.Query("SELECT aggregate_id FROM outbox WHERE type = $1 ORDER BY appended",
                                                  infra::postgres::Params(type)));
                std::vector<std::string> ids;
                for (int i = 0; i < rows.size(); ++i) ids.push_back(rows[i].String(0));
                return ids;
            });
        EXPECT_TRUE(events.ok()) << events.error().message;
        return events.ok() ? *events : std::vector<std::string>{};
    }

    core::RequestContext ctx_;  // no deadline
    // Destroyed from the bottom: the repository, the pools, then their databases.
    std::vector<std::unique_ptr<testing::TestPostgresDatabase>> databases_;
    std::vector<std::unique_ptr<infra::postgres::Database>> pools_;
    std::unique_ptr<PostgresOrdersRepository> repository_;
};

TEST_F(PostgresOrdersOutboxTest, EachShardsEventsLandInItsOwnOutboxOncePerCommittedChange) {
    ASSERT_TRUE(repository_->CreateOrder(ctx_, 0, NewOrder("ord_0_a"), std::nullopt).ok());
    ASSERT_TRUE(repository_->CreateOrder(ctx_, 0, NewOrder("ord_0_b"), std::nullopt).ok());
    ASSERT_TRUE(
        repository_->CreateOrder(ctx_, 1, NewOrder("ord_1_c"), IdempotencyRecord{"usr_1", "k", "h", "ord_1_c"}).ok());
    // A lost idempotency key rolls its order back with its event.
    auto lost = repository_->CreateOrder(ctx_, 1, NewOrder("ord_1_d"), IdempotencyRecord{"usr_1", "k", "h", "ord_1_d"});
    ASSERT_FALSE(lost.ok());
    EXPECT_EQ(Events(0, kOrderPlaced), (std::vector<std::string>{"ord_0_a", "ord_0_b"}));
    EXPECT_EQ(Events(1, kOrderPlaced), std::vector<std::string>{"ord_1_c"});

    ASSERT_TRUE(repository_->Transition(ctx_, 0, "ord_0_b", OrderStatus::kCancelled, "set up", 2).ok());
    auto moved = repository_->TransitionEach(ctx_, 0, {"ord_0_a", "ord_0_b", "ord_0_missing", "ord_0_a"},
                                             OrderStatus::kPaid, "batch", 3);
    ASSERT_TRUE(moved.ok()) << moved.error().message;
    ASSERT_EQ(moved->size(), 4u);
    EXPECT_TRUE((*moved)[0].ok());
    EXPECT_EQ((*moved)[1].error().code, core::ErrorCode::kConflict);
    EXPECT_EQ((*moved)[2].error().code, core::ErrorCode::kNotFound);
    EXPECT_TRUE((*moved)[3].ok());  // named twice: moved once
    // One OrderStatusChanged per move, in the shard that made it; none for a refused move.
    EXPECT_EQ(Events(0, kOrderStatusChanged), (std::vector<std::string>{"ord_0_b", "ord_0_a"}));
    EXPECT_TRUE(Events(1, kOrderStatusChanged).empty());
    EXPECT_EQ(repository_->History(ctx_, 0, "ord_0_a")->size(), 2u);
}

}  // namespace
}  // namespace emporium::orders

// The contract every OrdersRepository adapter passes (services/orders/orders_repository.hpp):
// SQLite, PostgreSQL and the in-memory fake, each with two logical shards held apart (a
// database or store per shard: for PostgreSQL two databases, as shards on different servers)
// and held together (both shards on one database, as the embedded server runs them).
// The outbox rows, which the port does not show, are tested in orders_repository_test.cpp.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "contract_harness.hpp"
#include "core/random.hpp"
#include "fakes/memory_orders_repository.hpp"
#include "infra/postgres/database.hpp"
#include "infra/sqlite/database.hpp"
#include "services/orders/orders_repository.hpp"
#include "services/orders/storage/postgres_orders_repository.hpp"
#include "services/orders/storage/sqlite_orders_repository.hpp"
#include "temp_dir.hpp"
#include "test_database.hpp"
#include "test_postgres.hpp"

namespace emporium::orders {
namespace {

struct OrdersAdapter {
    std::string name;
    // A repository with two logical shards, and whatever it stands on.
    std::function<std::shared_ptr<OrdersRepository>()> make;
};

// Failure messages name the adapter instead of dumping its bytes.
void PrintTo(const OrdersAdapter& adapter, std::ostream* os) { *os << adapter.name; }

// SqliteOrdersRepository over its databases in a temporary directory; `database_of_shard`
// names the database of each logical shard.
std::shared_ptr<OrdersRepository> MakeSqlite(std::vector<int> database_of_shard) {
    struct Owned {
        testing::TempDir dir{"emporium-orders-contract-"};
        std::vector<std::unique_ptr<infra::sqlite::Database>> databases;
        std::unique_ptr<SqliteOrdersRepository> repository;
    };
    auto owned = std::make_shared<Owned>();
    std::vector<infra::sqlite::Database*> shards;
    for (int database : database_of_shard) {
        while (static_cast<int>(owned->databases.size()) <= database) {
            auto db = testing::OpenTestDatabase(owned->dir.path(), "orders_" + std::to_string(owned->databases.size()),
                                                infra::sqlite::EmbeddedMigrations({"orders", "bus"}));
            if (!db.ok()) {
                ADD_FAILURE() << db.error().message;
                return nullptr;
            }
            owned->databases.push_back(std::move(db).value());
        }
        shards.push_back(owned->databases[static_cast<std::size_t>(database)].get());
    }
    owned->repository = std::make_unique<SqliteOrdersRepository>(std::move(shards));
    return std::shared_ptr<OrdersRepository>(owned, owned->repository.get());
}

// PostgresOrdersRepository over fresh databases on the tests' server, each with the orders
// and bus migrations (its own outbox); `database_of_shard` names the database of each
// logical shard.
std::shared_ptr<OrdersRepository> MakePostgres(std::vector<int> database_of_shard) {
    struct Owned {
        // Destroyed from the bottom: the repository, the pools, then the databases they use.
        std::vector<std::unique_ptr<testing::TestPostgresDatabase>> databases;
        std::vector<std::unique_ptr<infra::postgres::Database>> pools;
        std::unique_ptr<PostgresOrdersRepository> repository;
    };
    auto owned = std::make_shared<Owned>();
    std::vector<infra::postgres::Database*> shards;
    for (int database : database_of_shard) {
        while (static_cast<int>(owned->pools.size()) <= database) {
            auto created = testing::TestPostgresDatabase::Create();
            if (!created.ok()) {
                ADD_FAILURE() << created.error().message;
                return nullptr;
            }
            owned->databases.push_back(std::move(created).value());
            auto pool = testing::OpenTestPostgres(*owned->databases.back(), {"orders", "bus"});
            if (!pool.ok()) {
                ADD_FAILURE() << pool.error().message;
                return nullptr;
            }
            owned->pools.push_back(std::move(pool).value());
        }
        shards.push_back(owned->pools[static_cast<std::size_t>(database)].get());
    }
    owned->repository = std::make_unique<PostgresOrdersRepository>(std::move(shards));
    return std::shared_ptr<OrdersRepository>(owned, owned->repository.get());
}

std::vector<OrdersAdapter> Adapters() {
    return {
        {"sqlite_database_per_shard",
         [] {
             return MakeSqlite({0, 1});
         }},
        {"sqlite_two_shards_one_database",
         [] {
             return MakeSqlite({0, 0});
         }},
        {"postgres_database_per_shard",
         [] {
             return MakePostgres({0, 1});
         }},
        {"postgres_two_shards_one_database",
         [] {
             return MakePostgres({0, 0});
         }},
        {"memory_store_per_shard",
         [] {
             return std::make_shared<MemoryOrdersRepository>(std::vector<int>{0, 1});
         }},
        {"memory_two_shards_one_store",
         [] {
             return std::make_shared<MemoryOrdersRepository>(std::vector<int>{0, 0});
         }},
    };
}

class OrdersRepositoryContract : public ::testing::TestWithParam<OrdersAdapter> {
  protected:
    // Most tests work in shard 1: the one that is not first in the map.
    static constexpr int kShard = 1;

    void SetUp() override {
        ASSERT_TRUE(core::InitCrypto());
        repository_ = GetParam().make();
        ASSERT_TRUE(repository_);
        ASSERT_EQ(repository_->ShardCount(), 2);
    }

    static Order NewOrder(const std::string& id, const std::string& user_id = "usr_1", int64_t created_at = 100) {
        Order order;
        order.id = id;
        order.user_id = user_id;
        order.status = OrderStatus::kPendingPayment;
        order.items.push_back(OrderLine{"SKU-1", "prd_1", "Mug", "Blue", 2, {500, "EUR"}, {1000, "EUR"}});
        order.items.push_back(OrderLine{"SKU-2", "prd_2", "Tea", "", 1, {350, "EUR"}, {350, "EUR"}});
        order.item_count = 3;
        order.subtotal = order.total = catalog::Money{1350, "EUR"};
        order.shipping_address =
            ShippingAddress{"Ada Lovelace", "1 Analytical St", "Flat 2", "London", "", "N1 9GU", "GB", "+44 20 1234"};
        order.reservation_expires_at = created_at + 900;
        order.created_at = order.updated_at = created_at;
        return order;
    }
    void Create(const std::string& id, const std::string& user_id = "usr_1", int64_t created_at = 100,
                int shard = kShard) {
        auto created = repository_->CreateOrder(ctx_, shard, NewOrder(id, user_id, created_at), std::nullopt);
        ASSERT_TRUE(created.ok()) << created.error().message;
    }
    OrderStatus StatusOf(const std::string& id, int shard = kShard) {
        auto order = repository_->FindOrder(ctx_, shard, id);
        EXPECT_TRUE(order.ok()) << id;
        return order.ok() ? order->status : OrderStatus::kPendingPayment;
    }
    std::vector<std::string> ListIds(const std::string& user_id, std::optional<int64_t> before = std::nullopt,
                                     int limit = 50, int shard = kShard) {
        auto rows = repository_->ListOrders(ctx_, shard, user_id, before, limit);
        EXPECT_TRUE(rows.ok()) << rows.error().message;
        std::vector<std::string> ids;
        if (rows.ok())
            for (const auto& [order, seq] : *rows) ids.push_back(order.id);
        return ids;
    }

    core::RequestContext ctx_;  // no deadline
    std::shared_ptr<OrdersRepository> repository_;
};

TEST_P(OrdersRepositoryContract, ACreatedOrderIsFoundInItsShardAsStoredWithItsFirstHistoryEntry) {
    ASSERT_TRUE(repository_->CreateOrder(ctx_, kShard, NewOrder("ord_1_a"), std::nullopt).ok());
    auto found = repository_->FindOrder(ctx_, kShard, "ord_1_a");
    ASSERT_TRUE(found.ok()) << found.error().message;
    Order expected = NewOrder("ord_1_a");
    EXPECT_EQ(found->user_id, "usr_1");
    EXPECT_EQ(found->status, OrderStatus::kPendingPayment);
    ASSERT_EQ(found->items.size(), 2u);  // in their order, with every field
    EXPECT_EQ(found->items[0].sku, "SKU-1");
    EXPECT_EQ(found->items[0].variant_name, "Blue");
    EXPECT_EQ(found->items[0].quantity, 2);
    EXPECT_EQ(found->items[0].unit_price.amount, 500);
    EXPECT_EQ(found->items[0].line_total.amount, 1000);
    EXPECT_EQ(found->items[0].line_total.currency, "EUR");
    EXPECT_EQ(found->items[1].sku, "SKU-2");
    EXPECT_EQ(found->item_count, 3);
    EXPECT_EQ(found->total.amount, 1350);
    EXPECT_EQ(found->subtotal.currency, "EUR");
    ASSERT_TRUE(found->shipping_address);
    EXPECT_EQ(found->shipping_address->line2, "Flat 2");
    EXPECT_EQ(found->shipping_address->phone, "+44 20 1234");
    EXPECT_EQ(found->reservation_expires_at, 1000);
    EXPECT_EQ(found->created_at, 100);
    EXPECT_EQ(found->updated_at, 100);

    auto history = repository_->History(ctx_, kShard, "ord_1_a");
    ASSERT_TRUE(history.ok());
    ASSERT_EQ(history->size(), 1u);
    EXPECT_EQ((*history)[0].status, OrderStatus::kPendingPayment);
    EXPECT_EQ((*history)[0].at, 100);

    // Without an address it comes back without one; an unknown id is kNotFound.
    Order bare = NewOrder("ord_1_b");
    bare.shipping_address.reset();
    ASSERT_TRUE(repository_->CreateOrder(ctx_, kShard, bare, std::nullopt).ok());
    EXPECT_FALSE(repository_->FindOrder(ctx_, kShard, "ord_1_b")->shipping_address);
    auto missing = repository_->FindOrder(ctx_, kShard, "ord_1_none");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, core::ErrorCode::kNotFound);
}

TEST_P(OrdersRepositoryContract, EachShardFindsItsOwnOrdersAndAnUnknownShardIsNotFound) {
    Create("ord_0_a", "usr_a", 100, 0);
    Create("ord_1_b", "usr_b", 100, 1);
    EXPECT_EQ(StatusOf("ord_0_a", 0), OrderStatus::kPendingPayment);
    EXPECT_EQ(StatusOf("ord_1_b", 1), OrderStatus::kPendingPayment);
    // Whether shard 0 also sees shard 1's rows depends on the map; a user's list never
    // mixes in another user's orders, whatever shares the storage.
    EXPECT_EQ(ListIds("usr_a", std::nullopt, 50, 0), std::vector<std::string>{"ord_0_a"});
    EXPECT_EQ(ListIds("usr_b", std::nullopt, 50, 1), std::vector<std::string>{"ord_1_b"});
    for (int shard : {-1, 2}) {
        auto found = repository_->FindOrder(ctx_, shard, "ord_1_b");
        ASSERT_FALSE(found.ok());
        EXPECT_EQ(found.error().code, core::ErrorCode::kNotFound);
    }
}

TEST_P(OrdersRepositoryContract, ListOrdersIsNewestFirstWithoutDuplicatesAndPagesBeforeASequence) {
    for (const char* id : {"ord_1_a", "ord_1_b", "ord_1_c", "ord_1_d"}) Create(id);
    Create("ord_1_other", "usr_2");
    Create("ord_0_elsewhere", "usr_3", 100, 0);  // another shard, perhaps the same storage

    auto all = ListIds("usr_1");
    EXPECT_EQ(all, (std::vector<std::string>{"ord_1_d", "ord_1_c", "ord_1_b", "ord_1_a"}));
    EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), all.size());

    auto first = repository_->ListOrders(ctx_, kShard, "usr_1", std::nullopt, 2);
    ASSERT_TRUE(first.ok());
    ASSERT_EQ(first->size(), 2u);
    EXPECT_GT((*first)[0].second, (*first)[1].second);
    EXPECT_EQ((*first)[1].first.id, "ord_1_c");
    // The next page: strictly before the last row's sequence.
    EXPECT_EQ(ListIds("usr_1", (*first)[1].second, 2), (std::vector<std::string>{"ord_1_b", "ord_1_a"}));
    auto rest = repository_->ListOrders(ctx_, kShard, "usr_1", (*first)[1].second, 10);
    ASSERT_TRUE(rest.ok());
    ASSERT_EQ(rest->size(), 2u);
    EXPECT_TRUE(ListIds("usr_1", rest->back().second).empty());  // nothing before the oldest
    EXPECT_TRUE(ListIds("usr_nobody").empty());
}

TEST_P(OrdersRepositoryContract, ListAllOrdersMergesEveryShardNewestFirstOnceAndPagesAfterACursor) {
    Create("ord_0_a", "usr_a", 100, 0);
    Create("ord_1_b", "usr_b", 100, 1);  // same second as ord_0_a: the id breaks the tie
    Create("ord_0_c", "usr_a", 200, 0);
    Create("ord_1_d", "usr_b", 300, 1);
    auto ids = [&](const OrderFilter& filter, std::optional<core::TimeIdCursor> after = std::nullopt, int limit = 50) {
        auto orders = repository_->ListAllOrders(ctx_, filter, after, limit);
        EXPECT_TRUE(orders.ok()) << orders.error().message;
        std::vector<std::string> out;
        if (orders.ok())
            for (const auto& order : *orders) out.push_back(order.id);
        return out;
    };
    // Whether the shards share a store or not, each order comes once, items included.
    EXPECT_EQ(ids({}), (std::vector<std::string>{"ord_1_d", "ord_0_c", "ord_1_b", "ord_0_a"}));
    auto first = repository_->ListAllOrders(ctx_, {}, std::nullopt, 2);
    ASSERT_TRUE(first.ok());
    ASSERT_EQ(first->size(), 2u);
    EXPECT_EQ(first->back().items.size(), 2u);
    EXPECT_EQ(ids({}, core::TimeIdCursor{first->back().created_at, first->back().id}),
              (std::vector<std::string>{"ord_1_b", "ord_0_a"}));
    EXPECT_EQ(ids({}, core::TimeIdCursor{100, "ord_1_b"}), std::vector<std::string>{"ord_0_a"});

    OrderFilter by_user;
    by_user.user_id = "usr_a";
    EXPECT_EQ(ids(by_user), (std::vector<std::string>{"ord_0_c", "ord_0_a"}));
    ASSERT_TRUE(repository_->Transition(ctx_, 1, "ord_1_d", OrderStatus::kCancelled, "x", 400).ok());
    OrderFilter by_status;
    by_status.status = OrderStatus::kCancelled;
    EXPECT_EQ(ids(by_status), std::vector<std::string>{"ord_1_d"});
    OrderFilter by_time;
    by_time.created_after = 200;
    by_time.created_before = 300;
    EXPECT_EQ(ids(by_time), std::vector<std::string>{"ord_0_c"});
    OrderFilter by_id;
    by_id.order_id = "ord_1_b";
    EXPECT_EQ(ids(by_id), std::vector<std::string>{"ord_1_b"});
}

TEST_P(OrdersRepositoryContract, AStatusChangeRecordsTheUserWhoseRequestMadeIt) {
    core::RequestContext as_operator;
    as_operator.principal = core::Principal{"usr_operator", core::Role::kAdmin, "", 0};
    ASSERT_TRUE(repository_->CreateOrder(as_operator, kShard, NewOrder("ord_1_a"), std::nullopt).ok());
    ASSERT_TRUE(repository_->Transition(as_operator, kShard, "ord_1_a", OrderStatus::kCancelled, "why", 200).ok());
    Create("ord_1_b");
    ASSERT_TRUE(repository_->Transition(ctx_, kShard, "ord_1_b", OrderStatus::kCancelled, "expired", 200).ok());
    auto history = repository_->History(ctx_, kShard, "ord_1_a");
    ASSERT_TRUE(history.ok());
    ASSERT_EQ(history->size(), 2u);
    EXPECT_EQ((*history)[0].actor, "usr_operator");
    EXPECT_EQ((*history)[1].actor, "usr_operator");
    EXPECT_EQ((*history)[1].reason, "why");
    auto system = repository_->History(ctx_, kShard, "ord_1_b");
    ASSERT_TRUE(system.ok());
    EXPECT_EQ(system->back().actor, "");  // the system's own work names nobody
}

TEST_P(OrdersRepositoryContract, AnIdempotencyKeyIsStoredWithItsOrderAndASecondUseIsAConflictStoringNothing) {
    IdempotencyRecord record{"usr_1", "key-1", "hash-a", "ord_1_a"};
    ASSERT_TRUE(repository_->CreateOrder(ctx_, kShard, NewOrder("ord_1_a"), record).ok());
    auto found = repository_->FindIdempotency(ctx_, kShard, "usr_1", "key-1");
    ASSERT_TRUE(found.ok());
    ASSERT_TRUE(*found);
    EXPECT_EQ((*found)->request_hash, "hash-a");
    EXPECT_EQ((*found)->order_id, "ord_1_a");
    EXPECT_FALSE(*repository_->FindIdempotency(ctx_, kShard, "usr_2", "key-1"));  // keys are per user

    // A concurrent request with the same key lost: neither its order nor its record lands.
    IdempotencyRecord second{"usr_1", "key-1", "hash-b", "ord_1_b"};
    auto lost = repository_->CreateOrder(ctx_, kShard, NewOrder("ord_1_b"), second);
    ASSERT_FALSE(lost.ok());
    EXPECT_EQ(lost.error().code, core::ErrorCode::kConflict);
    ASSERT_FALSE(lost.error().fields.empty());
    EXPECT_EQ(lost.error().fields[0].field, "idempotency_key");
    EXPECT_EQ(repository_->FindOrder(ctx_, kShard, "ord_1_b").error().code, core::ErrorCode::kNotFound);
    EXPECT_EQ((*repository_->FindIdempotency(ctx_, kShard, "usr_1", "key-1"))->order_id, "ord_1_a");
    EXPECT_EQ(ListIds("usr_1"), std::vector<std::string>{"ord_1_a"});
}

TEST_P(OrdersRepositoryContract, PruningForgetsOnlyTheIdempotencyRecordsCreatedBeforeTheTime) {
    ASSERT_TRUE(repository_
                    ->CreateOrder(ctx_, kShard, NewOrder("ord_1_a", "usr_1", 100),
                                  IdempotencyRecord{"usr_1", "old", "h", "ord_1_a"})
                    .ok());
    ASSERT_TRUE(repository_
                    ->CreateOrder(ctx_, kShard, NewOrder("ord_1_b", "usr_1", 500),
                                  IdempotencyRecord{"usr_1", "new", "h", "ord_1_b"})
                    .ok());
    auto pruned = repository_->PruneIdempotency(ctx_, kShard, 500);
    ASSERT_TRUE(pruned.ok()) << pruned.error().message;
    EXPECT_EQ(*pruned, 1);
    EXPECT_FALSE(*repository_->FindIdempotency(ctx_, kShard, "usr_1", "old"));
    EXPECT_TRUE(*repository_->FindIdempotency(ctx_, kShard, "usr_1", "new"));
    EXPECT_EQ(StatusOf("ord_1_a"), OrderStatus::kPendingPayment);  // the order stays
}

TEST_P(OrdersRepositoryContract, TransitionFollowsTheStateMachineAndRecordsEachMoveOnce) {
    Create("ord_1_a");
    auto paid = repository_->Transition(ctx_, kShard, "ord_1_a", OrderStatus::kPaid, "payment succeeded", 200);
    ASSERT_TRUE(paid.ok()) << paid.error().message;
    EXPECT_EQ(paid->status, OrderStatus::kPaid);
    EXPECT_EQ(paid->updated_at, 200);
    // Already there: a no-op, no second history entry, the time of the first move kept.
    auto again = repository_->Transition(ctx_, kShard, "ord_1_a", OrderStatus::kPaid, "webhook", 300);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->updated_at, 200);
    // Illegal: kConflict, nothing changes.
    auto illegal = repository_->Transition(ctx_, kShard, "ord_1_a", OrderStatus::kCancelled, "too late", 400);
    ASSERT_FALSE(illegal.ok());
    EXPECT_EQ(illegal.error().code, core::ErrorCode::kConflict);
    EXPECT_EQ(StatusOf("ord_1_a"), OrderStatus::kPaid);

    auto history = repository_->History(ctx_, kShard, "ord_1_a");
    ASSERT_TRUE(history.ok());
    ASSERT_EQ(history->size(), 2u);
    EXPECT_EQ((*history)[1].status, OrderStatus::kPaid);
    EXPECT_EQ((*history)[1].reason, "payment succeeded");
    EXPECT_EQ((*history)[1].at, 200);

    auto missing = repository_->Transition(ctx_, kShard, "ord_1_none", OrderStatus::kPaid, "x", 500);
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, core::ErrorCode::kNotFound);
}

TEST_P(OrdersRepositoryContract, UnpaidOrdersCountOnlyTheUsersOrdersAwaitingPaymentWhoseStockIsHeld) {
    auto unpaid = [&](const std::string& user_id, int64_t now) {
        auto count = repository_->CountUnpaidOrders(ctx_, kShard, user_id, now);
        EXPECT_TRUE(count.ok()) << count.error().message;
        return count.ok() ? *count : -1;
    };
    EXPECT_EQ(unpaid("usr_1", 100), 0);
    Create("ord_1_a");                    // reservation until 1000
    Create("ord_1_b", "usr_1", 200);      // until 1100
    Create("ord_1_c", "usr_1", 300);      // until 1200
    Create("ord_1_other", "usr_2", 100);  // another user's
    EXPECT_EQ(unpaid("usr_1", 400), 3);
    ASSERT_TRUE(repository_->Transition(ctx_, kShard, "ord_1_b", OrderStatus::kPaymentPending, "paying", 400).ok());
    EXPECT_EQ(unpaid("usr_1", 400), 3);  // a payment under way still holds the stock
    ASSERT_TRUE(repository_->Transition(ctx_, kShard, "ord_1_b", OrderStatus::kPaid, "paid", 410).ok());
    ASSERT_TRUE(repository_->Transition(ctx_, kShard, "ord_1_c", OrderStatus::kCancelled, "cancel", 420).ok());
    EXPECT_EQ(unpaid("usr_1", 430), 1);
    EXPECT_EQ(unpaid("usr_1", 1000), 0);  // ord_1_a's reservation has run out
    EXPECT_EQ(unpaid("usr_2", 430), 1);
}

TEST_P(OrdersRepositoryContract, FindOrdersAndTransitionEachAnswerPerIdInOrder) {
    Create("ord_1_a");
    Create("ord_1_b");
    Create("ord_1_c");
    ASSERT_TRUE(repository_->Transition(ctx_, kShard, "ord_1_b", OrderStatus::kCancelled, "set up", 150).ok());
    ASSERT_TRUE(repository_->Transition(ctx_, kShard, "ord_1_c", OrderStatus::kPaid, "set up", 150).ok());

    auto found = repository_->FindOrders(ctx_, kShard, {"ord_1_c", "ord_1_none", "ord_1_a"});
    ASSERT_TRUE(found.ok());
    ASSERT_EQ(found->size(), 3u);
    EXPECT_EQ((*found)[0]->status, OrderStatus::kPaid);
    EXPECT_EQ((*found)[1].error().code, core::ErrorCode::kNotFound);
    EXPECT_EQ((*found)[2]->id, "ord_1_a");

    auto moved = repository_->TransitionEach(ctx_, kShard, {"ord_1_a", "ord_1_b", "ord_1_none", "ord_1_c"},
                                             OrderStatus::kPaid, "batch", 200);
    ASSERT_TRUE(moved.ok()) << moved.error().message;
    ASSERT_EQ(moved->size(), 4u);
    ASSERT_TRUE((*moved)[0].ok());
    EXPECT_EQ((*moved)[0]->status, OrderStatus::kPaid);
    EXPECT_EQ((*moved)[1].error().code, core::ErrorCode::kConflict);  // cancelled stays cancelled
    EXPECT_EQ((*moved)[2].error().code, core::ErrorCode::kNotFound);
    ASSERT_TRUE((*moved)[3].ok());  // there already
    EXPECT_EQ((*moved)[3]->updated_at, 150);
    EXPECT_EQ(StatusOf("ord_1_a"), OrderStatus::kPaid);
    EXPECT_EQ(StatusOf("ord_1_b"), OrderStatus::kCancelled);
    EXPECT_EQ(repository_->History(ctx_, kShard, "ord_1_b")->size(), 2u);
}

TEST_P(OrdersRepositoryContract, AnExpiredDeadlineIsRefusedAndTouchesNothing) {
    Create("ord_1_a");
    core::RequestContext expired;
    expired.deadline = std::chrono::steady_clock::now() - std::chrono::milliseconds(1);
    const auto kUnavailable = std::optional(core::ErrorCode::kUnavailable);
    EXPECT_EQ(testing::CodeOf(repository_->CreateOrder(expired, kShard, NewOrder("ord_1_b"),
                                                       IdempotencyRecord{"usr_1", "k", "h", "ord_1_b"})),
              kUnavailable);
    EXPECT_EQ(testing::CodeOf(repository_->Transition(expired, kShard, "ord_1_a", OrderStatus::kPaid, "late", 200)),
              kUnavailable);
    EXPECT_EQ(
        testing::CodeOf(repository_->TransitionEach(expired, kShard, {"ord_1_a"}, OrderStatus::kPaid, "late", 200)),
        kUnavailable);
    EXPECT_EQ(testing::CodeOf(repository_->FindOrder(expired, kShard, "ord_1_a")), kUnavailable);
    EXPECT_EQ(testing::CodeOf(repository_->FindOrders(expired, kShard, {"ord_1_a"})), kUnavailable);
    EXPECT_EQ(testing::CodeOf(repository_->ListOrders(expired, kShard, "usr_1", std::nullopt, 10)), kUnavailable);
    EXPECT_EQ(testing::CodeOf(repository_->History(expired, kShard, "ord_1_a")), kUnavailable);
    EXPECT_EQ(testing::CodeOf(repository_->FindIdempotency(expired, kShard, "usr_1", "k")), kUnavailable);
    EXPECT_EQ(testing::CodeOf(repository_->PruneIdempotency(expired, kShard, 1000)), kUnavailable);

    EXPECT_EQ(StatusOf("ord_1_a"), OrderStatus::kPendingPayment);
    EXPECT_EQ(repository_->FindOrder(ctx_, kShard, "ord_1_b").error().code, core::ErrorCode::kNotFound);
    EXPECT_FALSE(*repository_->FindIdempotency(ctx_, kShard, "usr_1", "k"));
    EXPECT_EQ(repository_->History(ctx_, kShard, "ord_1_a")->size(), 1u);
}

TEST_P(OrdersRepositoryContract, ConcurrentCreatesWithOneIdempotencyKeyStoreOneOrder) {
    constexpr int kRequests = 8;
    std::atomic<int> stored{0}, conflicts{0}, other{0};
    std::vector<std::thread> requests;
    for (int i = 0; i < kRequests; ++i)
        requests.emplace_back([&, i] {
            std::string id = "ord_1_r" + std::to_string(i);
            auto created =
                repository_->CreateOrder(ctx_, kShard, NewOrder(id), IdempotencyRecord{"usr_1", "same", "h", id});
            if (created.ok())
                stored.fetch_add(1);
            else if (created.error().code == core::ErrorCode::kConflict)
                conflicts.fetch_add(1);
            else
                other.fetch_add(1);
        });
    for (auto& request : requests) request.join();
    EXPECT_EQ(stored.load(), 1);
    EXPECT_EQ(conflicts.load(), kRequests - 1);
    EXPECT_EQ(other.load(), 0);
    auto ids = ListIds("usr_1");
    ASSERT_EQ(ids.size(), 1u);
    EXPECT_EQ((*repository_->FindIdempotency(ctx_, kShard, "usr_1", "same"))->order_id, ids[0]);
}

TEST_P(OrdersRepositoryContract, ConcurrentTransitionsOfOneOrderMoveItOnce) {
    // Half the requests pay the order, half cancel it: one move wins, every request asking
    // for the winner's status succeeds (there already), every other one is a conflict.
    constexpr int kRequests = 8;
    for (int round = 0; round < 3; ++round) {
        std::string id = "ord_1_race" + std::to_string(round);
        Create(id);
        std::atomic<int> paid{0}, cancelled{0}, conflicts{0}, other{0};
        std::vector<std::thread> requests;
        for (int i = 0; i < kRequests; ++i)
            requests.emplace_back([&, i] {
                OrderStatus to = i % 2 == 0 ? OrderStatus::kPaid : OrderStatus::kCancelled;
                auto moved = repository_->Transition(ctx_, kShard, id, to, "race", 200 + i);
                if (moved.ok())
                    (to == OrderStatus::kPaid ? paid : cancelled).fetch_add(1);
                else if (moved.error().code == core::ErrorCode::kConflict)
                    conflicts.fetch_add(1);
                else
                    other.fetch_add(1);
            });
        for (auto& request : requests) request.join();
        EXPECT_EQ(other.load(), 0);
        EXPECT_EQ(conflicts.load(), kRequests / 2);
        EXPECT_TRUE(paid.load() == 0 || cancelled.load() == 0) << paid.load() << " paid, " << cancelled.load();
        auto history = repository_->History(ctx_, kShard, id);
        ASSERT_TRUE(history.ok());
        ASSERT_EQ(history->size(), 2u);  // placed, and the one move
        EXPECT_EQ(StatusOf(id), (*history)[1].status);
        EXPECT_EQ(StatusOf(id), paid.load() > 0 ? OrderStatus::kPaid : OrderStatus::kCancelled);
    }
}

TEST_P(OrdersRepositoryContract, ConcurrentBatchesOverTheSameOrdersMoveEachOnce) {
    // Batches naming the same orders in opposite orders (as two consumers' deliveries can):
    // every order moves once, and no batch fails.
    std::vector<std::string> ids = {"ord_1_a", "ord_1_b", "ord_1_c", "ord_1_d"};
    for (const auto& id : ids) Create(id);
    std::vector<std::string> reversed(ids.rbegin(), ids.rend());
    std::atomic<int> failed{0};
    std::vector<std::thread> batches;
    for (int i = 0; i < 6; ++i)
        batches.emplace_back([&, i] {
            auto moved = repository_->TransitionEach(ctx_, kShard, i % 2 == 0 ? ids : reversed, OrderStatus::kPaid,
                                                     "batch", 200);
            if (!moved.ok()) {
                failed.fetch_add(1);
                return;
            }
            for (const auto& outcome : *moved)
                if (!outcome.ok()) failed.fetch_add(1);
        });
    for (auto& batch : batches) batch.join();
    EXPECT_EQ(failed.load(), 0);
    for (const auto& id : ids) {
        EXPECT_EQ(StatusOf(id), OrderStatus::kPaid);
        EXPECT_EQ(repository_->History(ctx_, kShard, id)->size(), 2u) << id;
    }
}

INSTANTIATE_TEST_SUITE_P(Adapters, OrdersRepositoryContract, ::testing::ValuesIn(Adapters()),
                         [](const ::testing::TestParamInfo<OrdersAdapter>& info) { return info.param.name; });

}  // namespace
}  // namespace emporium::orders

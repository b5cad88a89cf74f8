// The contract every CartStore adapter passes (services/cart/cart_store.hpp): the in-process
// MemoryCartStore and the RedisCartStore on the tests' Redis server.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "services/cart/cart_store.hpp"
#include "services/cart/storage/memory_cart_store.hpp"
#include "services/cart/storage/redis_cart_store.hpp"
#include "test_redis.hpp"

namespace emporium::cart {
namespace {

struct CartStoreAdapter {
    std::string name;
    std::function<std::unique_ptr<CartStore>()> make;
};

// The store with its Redis client alive.
class RedisCartStoreUnderTest final : public CartStore {
  public:
    explicit RedisCartStoreUnderTest(std::shared_ptr<testing::TestRedis> redis)
        : redis_(std::move(redis)), store_(*redis_->client, redis_->prefix) {}
    core::Result<std::optional<StoredCart>> Load(const core::RequestContext& ctx, std::string_view key,
                                                 int64_t now) override {
        return store_.Load(ctx, key, now);
    }
    core::Result<StoredCart> CompareAndSwap(const core::RequestContext& ctx, std::string_view key, int64_t now,
                                            const StoredCart& cart, std::string_view change_id) override {
        return store_.CompareAndSwap(ctx, key, now, cart, change_id);
    }
    core::Result<void> Delete(const core::RequestContext& ctx, std::string_view key) override {
        return store_.Delete(ctx, key);
    }

  private:
    std::shared_ptr<testing::TestRedis> redis_;
    RedisCartStore store_;
};

// Failure messages name the adapter instead of dumping its bytes.
void PrintTo(const CartStoreAdapter& adapter, std::ostream* os) { *os << adapter.name; }

std::vector<CartStoreAdapter> Adapters() {
    return {{"memory", [] { return std::make_unique<MemoryCartStore>(); }},
            {"redis", []() -> std::unique_ptr<CartStore> {
                 auto redis = testing::TestRedis::Open();
                 if (!redis) {
                     ADD_FAILURE() << "EMPORIUM_TEST_REDIS is not set (run the tests with ctest)";
                     return std::make_unique<MemoryCartStore>();
                 }
                 return std::make_unique<RedisCartStoreUnderTest>(std::move(redis));
             }}};
}

class CartStoreContract : public ::testing::TestWithParam<CartStoreAdapter> {
  protected:
    void SetUp() override { store_ = GetParam().make(); }

    // `cart` (as loaded) with `sku` at `quantity`, stored as `change`.
    core::Result<StoredCart> Put(StoredCart cart, const std::string& sku, int64_t quantity, const std::string& change,
                                 int64_t now = 100) {
        cart.lines = {{sku, quantity}};
        cart.updated_at = now;
        cart.expires_at = now + 1000;
        return store_->CompareAndSwap(ctx_, "user:1", now, cart, change);
    }
    std::optional<StoredCart> Load(int64_t now = 100) {
        auto loaded = store_->Load(ctx_, "user:1", now);
        EXPECT_TRUE(loaded.ok());
        return loaded.ok() ? *loaded : std::nullopt;
    }

    core::RequestContext ctx_;
    std::unique_ptr<CartStore> store_;
};

TEST_P(CartStoreContract, AFirstStoreCreatesTheCartWithAVersion) {
    EXPECT_FALSE(Load());
    auto stored = Put(StoredCart{}, "SKU-1", 2, "chg_a");
    ASSERT_TRUE(stored.ok()) << stored.error().message;
    EXPECT_GT(stored->version, 0);
    auto loaded = Load();
    ASSERT_TRUE(loaded);
    EXPECT_EQ(loaded->version, stored->version);
    ASSERT_EQ(loaded->lines.size(), 1u);
    EXPECT_EQ(loaded->lines[0].sku, "SKU-1");
    EXPECT_EQ(loaded->lines[0].quantity, 2);
    EXPECT_EQ(loaded->expires_at, 1100);
}

TEST_P(CartStoreContract, AStoreFromAStaleLoadIsAConflictAndChangesNothing) {
    auto first = Put(StoredCart{}, "SKU-1", 1, "chg_a");
    ASSERT_TRUE(first.ok());
    auto second = Put(*first, "SKU-2", 5, "chg_b");
    ASSERT_TRUE(second.ok());
    auto stale = Put(*first, "SKU-3", 9, "chg_c");  // loaded before chg_b
    ASSERT_FALSE(stale.ok());
    EXPECT_EQ(stale.error().code, core::ErrorCode::kConflict);
    EXPECT_EQ(Load()->lines[0].sku, "SKU-2");
    EXPECT_EQ(Load()->version, second->version);
    // A cart that does not exist yet cannot be stored "over" version 1 either.
    StoredCart phantom;
    phantom.version = 1;
    phantom.expires_at = 1100;
    auto none = store_->CompareAndSwap(ctx_, "user:2", 100, phantom, "chg_d");
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error().code, core::ErrorCode::kConflict);
    EXPECT_FALSE(store_->Load(ctx_, "user:2", 100).value());
}

TEST_P(CartStoreContract, TheSameChangeStoredTwiceIsAppliedOnce) {
    auto first = Put(StoredCart{}, "SKU-1", 1, "chg_a");
    ASSERT_TRUE(first.ok());
    // A retry of chg_a after its answer was lost: whatever it carries, nothing changes.
    auto retried = Put(StoredCart{}, "SKU-1", 2, "chg_a");
    ASSERT_TRUE(retried.ok()) << retried.error().message;
    EXPECT_EQ(retried->version, first->version);
    EXPECT_EQ(Load()->lines[0].quantity, 1);
    EXPECT_TRUE(Load()->Remembers("chg_a"));
}

TEST_P(CartStoreContract, RemembersTheLastChangesOnly) {
    auto cart = Put(StoredCart{}, "SKU-1", 1, "chg_0");
    ASSERT_TRUE(cart.ok());
    for (std::size_t i = 1; i <= kRememberedChanges; ++i) {
        cart = Put(*cart, "SKU-1", static_cast<int64_t>(i + 1), "chg_" + std::to_string(i));
        ASSERT_TRUE(cart.ok());
    }
    EXPECT_FALSE(Load()->Remembers("chg_0"));
    EXPECT_TRUE(Load()->Remembers("chg_1"));
    EXPECT_TRUE(Load()->Remembers("chg_" + std::to_string(kRememberedChanges)));
    EXPECT_EQ(Load()->recent_changes.size(), kRememberedChanges);
}

TEST_P(CartStoreContract, AnExpiredCartIsNoneAndANewOneStartsOverIt) {
    ASSERT_TRUE(Put(StoredCart{}, "SKU-1", 1, "chg_a").ok());
    EXPECT_FALSE(Load(2000));                                   // past expires_at
    auto fresh = Put(StoredCart{}, "SKU-2", 1, "chg_a", 2000);  // a remembered id of the expired cart
    ASSERT_TRUE(fresh.ok()) << fresh.error().message;
    auto loaded = Load(2000);
    ASSERT_TRUE(loaded);
    EXPECT_EQ(loaded->lines[0].sku, "SKU-2");
}

TEST_P(CartStoreContract, ACartMadeAgainAfterADeleteNeverRepeatsAVersion) {
    auto first = Put(StoredCart{}, "SKU-1", 1, "chg_a");
    ASSERT_TRUE(first.ok());
    ASSERT_TRUE(store_->Delete(ctx_, "user:1").ok());
    auto again = Put(StoredCart{}, "SKU-2", 1, "chg_b");
    ASSERT_TRUE(again.ok());
    EXPECT_NE(again->version, first->version);
    // A change loaded before the delete cannot land on the new cart.
    auto stale = Put(*first, "SKU-3", 1, "chg_c");
    ASSERT_FALSE(stale.ok());
    EXPECT_EQ(stale.error().code, core::ErrorCode::kConflict);
    EXPECT_EQ(Load()->lines[0].sku, "SKU-2");
}

TEST_P(CartStoreContract, DeleteIsIdempotent) {
    ASSERT_TRUE(Put(StoredCart{}, "SKU-1", 1, "chg_a").ok());
    ASSERT_TRUE(store_->Delete(ctx_, "user:1").ok());
    EXPECT_FALSE(Load());
    EXPECT_TRUE(store_->Delete(ctx_, "user:1").ok());
}

TEST_P(CartStoreContract, ConcurrentChangesLoseNoUpdate) {
    // Eight writers each add one unit twenty times through load → change → compare-and-swap.
    constexpr int kWriters = 8, kAdds = 20;
    std::vector<std::thread> writers;
    std::atomic<int> failed{0};
    for (int w = 0; w < kWriters; ++w)
        writers.emplace_back([&, w] {
            for (int i = 0; i < kAdds; ++i) {
                std::string change = "chg_" + std::to_string(w) + "_" + std::to_string(i);
                bool stored = false;
                for (int attempt = 0; attempt < 1000 && !stored; ++attempt) {
                    auto loaded = store_->Load(ctx_, "user:1", 100);
                    if (!loaded.ok()) break;
                    StoredCart cart = loaded->value_or(StoredCart{});
                    if (cart.lines.empty()) cart.lines.push_back({"SKU-1", 0});
                    cart.lines[0].quantity += 1;
                    cart.expires_at = 1100;
                    auto swapped = store_->CompareAndSwap(ctx_, "user:1", 100, cart, change);
                    stored = swapped.ok();
                }
                if (!stored) failed.fetch_add(1);
            }
        });
    for (auto& writer : writers) writer.join();
    EXPECT_EQ(failed.load(), 0);
    EXPECT_EQ(Load()->lines[0].quantity, kWriters * kAdds);
}

INSTANTIATE_TEST_SUITE_P(Adapters, CartStoreContract, ::testing::ValuesIn(Adapters()),
                         [](const ::testing::TestParamInfo<CartStoreAdapter>& info) { return info.param.name; });

}  // namespace
}  // namespace emporium::cart

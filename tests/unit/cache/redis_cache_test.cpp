// What the shared cache promises beyond the Cache contract: processes (here, two caches on
// one Redis prefix) see each other's entries and invalidations, and a cache whose Redis is
// away goes on from its own memory.
#include "cache/redis_cache.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "cache/redis_cache_testing.hpp"
#include "test_redis.hpp"

namespace emporium::cache {
namespace {

std::shared_ptr<const CachedItem> Item(std::string body) {
    return std::make_shared<const CachedItem>(CachedItem{std::move(body), "\"e\""});
}

// Waits (up to 2 s) for `condition`.
template <typename Condition>
bool Eventually(Condition condition) {
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!condition()) {
        if (std::chrono::steady_clock::now() > give_up) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

class RedisCacheTest : public ::testing::Test {
  protected:
    void SetUp() override {
        redis_ = testing::TestRedis::Open();
        if (!redis_) GTEST_FAIL() << "EMPORIUM_TEST_REDIS is not set (run the tests with ctest)";
        // Two processes of one deployment: one prefix, a client each.
        auto other = std::make_shared<testing::TestRedis>();
        other->client = std::make_unique<infra::redis::Client>(redis_->client->settings());
        other->prefix = redis_->prefix;
        a_ = testing::StartedRedisCache(redis_, {"product", "list"});
        b_ = testing::StartedRedisCache(other, {"product", "list"});
    }
    core::RequestContext ctx_;
    std::shared_ptr<testing::TestRedis> redis_;
    std::shared_ptr<RedisCache> a_, b_;
};

TEST_F(RedisCacheTest, AnEntryOneProcessStoredIsFoundByAnother) {
    auto key = a_->Key(ctx_, "product", "/p/1").value();
    ASSERT_TRUE(a_->Put(ctx_, key, Item("one")).ok());
    EXPECT_EQ(b_->Key(ctx_, "product", "/p/1").value(), key);  // both know the same version
    EXPECT_FALSE(b_->Peek(key).item);                          // not in b's memory yet
    auto got = b_->Get(ctx_, key);
    ASSERT_TRUE(got.ok());
    ASSERT_TRUE(got->item);
    EXPECT_TRUE(got->fresh);
    EXPECT_EQ(got->item->body, "one");
    EXPECT_TRUE(b_->Peek(key).item);  // and now it is: the first level was filled
}

TEST_F(RedisCacheTest, AnInvalidationInOneProcessHidesTheOldEntriesInEvery) {
    auto key = a_->Key(ctx_, "product", "/p/1").value();
    ASSERT_TRUE(a_->Put(ctx_, key, Item("old price")).ok());
    ASSERT_TRUE(b_->Get(ctx_, key)->item);  // b holds it in memory too
    auto list_key = b_->Key(ctx_, "list", "/p").value();
    ASSERT_TRUE(b_->Put(ctx_, list_key, Item("list")).ok());

    ASSERT_TRUE(a_->InvalidateNamespace(ctx_, "product").ok());
    ASSERT_TRUE(Eventually([&] { return b_->LocalKey("product", "/p/1") != key; }));
    EXPECT_EQ(b_->LocalKey("product", "/p/1"), a_->LocalKey("product", "/p/1"));
    EXPECT_FALSE(b_->Peek(b_->LocalKey("product", "/p/1")).item);
    EXPECT_FALSE(b_->Get(ctx_, b_->Key(ctx_, "product", "/p/1").value())->item);
    // Another namespace keeps its entries.
    EXPECT_EQ(b_->LocalKey("list", "/p"), list_key);
    EXPECT_TRUE(b_->Peek(list_key).item);
}

TEST_F(RedisCacheTest, InvalidatingAllReachesEveryProcess) {
    auto product = b_->LocalKey("product", "/p/1");
    auto list = b_->LocalKey("list", "/p");
    ASSERT_TRUE(a_->InvalidateAll(ctx_).ok());
    EXPECT_TRUE(Eventually([&] { return b_->LocalKey("product", "/p/1") != product; }));
    EXPECT_TRUE(Eventually([&] { return b_->LocalKey("list", "/p") != list; }));
}

TEST_F(RedisCacheTest, AProcessStartedLaterLearnsTheVersions) {
    ASSERT_TRUE(a_->InvalidateNamespace(ctx_, "product").ok());
    ASSERT_TRUE(a_->InvalidateNamespace(ctx_, "product").ok());
    auto late = std::make_shared<testing::TestRedis>();
    late->client = std::make_unique<infra::redis::Client>(redis_->client->settings());
    late->prefix = redis_->prefix;
    auto c = testing::StartedRedisCache(late, {"product", "list"});
    EXPECT_EQ(c->LocalKey("product", "/p/1"), a_->LocalKey("product", "/p/1"));
}

TEST_F(RedisCacheTest, AProcessThatHearsAVersionItHadPassedStepsOnAndCatchesUpBeforeUsingRedisAgain) {
    ASSERT_TRUE(a_->InvalidateNamespace(ctx_, "product").ok());
    ASSERT_TRUE(Eventually([&] { return b_->LocalKey("product", "/p/1") == a_->LocalKey("product", "/p/1"); }));
    auto before = b_->LocalKey("product", "/p/1");
    uint64_t version = b_->LocalNamespaceVersion("product");
    // A change given a version b is already at (its own invalidation raced it): what b holds
    // under that version may predate the change.
    ASSERT_TRUE(redis_->client
                    ->Run(ctx_, {"PUBLISH", redis_->prefix + "cache-invalidations",
                                 "someone " + redis_->prefix + "cache-ns:product " + std::to_string(version)})
                    .ok());
    ASSERT_TRUE(Eventually([&] { return b_->LocalKey("product", "/p/1") != before; }));
    EXPECT_EQ(b_->LocalNamespaceVersion("product"), version + 1);
    EXPECT_FALSE(b_->in_sync());  // its version is not one Redis gave out
    // The next lookup catches up: Redis learns the version, and the second level is back.
    (void)b_->Get(ctx_, b_->LocalKey("product", "/p/1"));
    EXPECT_TRUE(b_->in_sync());
    auto stored = redis_->client->Run(ctx_, {"GET", redis_->prefix + "cache-ns:product"});
    ASSERT_TRUE(stored.ok());
    EXPECT_EQ(stored->text, std::to_string(version + 1));
    // And the next change anywhere goes past it.
    ASSERT_TRUE(a_->InvalidateNamespace(ctx_, "product").ok());
    EXPECT_GT(a_->LocalNamespaceVersion("product"), version + 1);
}

TEST_F(RedisCacheTest, WithRedisAwayTheFirstLevelGoesOnAlone) {
    // A cache whose Redis never answers (nothing listens on the port).
    auto away = std::make_shared<testing::TestRedis>();
    away->client = std::make_unique<infra::redis::Client>(infra::redis::ClientSettings{.address = "127.0.0.1:1"});
    away->prefix = redis_->prefix;
    MemoryCacheSettings memory;
    memory.ttl = std::chrono::seconds(60);
    RedisCache cache({.prefix = away->prefix, .ttl = std::chrono::seconds(60)},
                     std::make_unique<MemoryCache>(memory, std::vector<std::string>{"product"}), *away->client,
                     {"product"});
    cache.Start();
    EXPECT_FALSE(cache.in_sync());
    auto key = cache.Key(ctx_, "product", "/p/1").value();
    auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(cache.Put(ctx_, key, Item("page")).ok());
    auto got = cache.Get(ctx_, key);
    ASSERT_TRUE(got.ok());
    ASSERT_TRUE(got->item);
    EXPECT_EQ(got->item->body, "page");
    // Its own invalidations still take effect here at once (telling others fails).
    (void)cache.InvalidateNamespace(ctx_, "product");
    EXPECT_NE(cache.LocalKey("product", "/p/1"), key);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
    cache.Stop();
}

}  // namespace
}  // namespace emporium::cache

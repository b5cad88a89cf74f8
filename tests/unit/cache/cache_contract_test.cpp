// The contract every Cache adapter passes (cache/cache.hpp): the in-process MemoryCache, and
// the RedisCache (memory in front of the tests' Redis server). What only the shared cache
// promises (processes seeing each other's entries and invalidations) is in redis_cache_test.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "cache/cache.hpp"
#include "cache/memory_cache.hpp"
#include "cache/redis_cache_testing.hpp"

namespace emporium::cache {
namespace {

struct CacheAdapter {
    std::string name;
    // A cache with the namespaces "product" and "list", entries fresh for a minute.
    std::function<std::shared_ptr<Cache>()> make;
};

// Failure messages name the adapter instead of dumping its bytes.
void PrintTo(const CacheAdapter& adapter, std::ostream* os) { *os << adapter.name; }

std::vector<CacheAdapter> Adapters() {
    return {{"memory",
             [] {
                 MemoryCacheSettings settings;
                 settings.max_bytes = 1 << 20;
                 settings.ttl = std::chrono::seconds(60);
                 return std::make_shared<MemoryCache>(settings, std::vector<std::string>{"product", "list"});
             }},
            {"redis", []() -> std::shared_ptr<Cache> {
                 auto redis = testing::TestRedis::Open();
                 if (!redis) {
                     ADD_FAILURE() << "EMPORIUM_TEST_REDIS is not set (run the tests with ctest)";
                     return std::make_shared<MemoryCache>(MemoryCacheSettings{}, std::vector<std::string>{});
                 }
                 return testing::StartedRedisCache(redis, {"product", "list"});
             }}};
}

class CacheContract : public ::testing::TestWithParam<CacheAdapter> {
  protected:
    void SetUp() override { cache_ = GetParam().make(); }
    static std::shared_ptr<const CachedItem> Item(std::string body) {
        return std::make_shared<const CachedItem>(CachedItem{std::move(body), "\"etag\""});
    }
    core::RequestContext ctx_;
    std::shared_ptr<Cache> cache_;
};

TEST_P(CacheContract, WhatIsPutIsFoundFreshByGetAndPeek) {
    auto key = cache_->Key(ctx_, "product", "/p/1");
    ASSERT_TRUE(key.ok()) << key.error().message;
    ASSERT_TRUE(cache_->Put(ctx_, *key, Item("one")).ok());
    auto got = cache_->Get(ctx_, *key);
    ASSERT_TRUE(got.ok()) << got.error().message;
    ASSERT_TRUE(got->item);
    EXPECT_TRUE(got->fresh);
    EXPECT_EQ(got->item->body, "one");
    EXPECT_EQ(got->item->etag, "\"etag\"");
    // The event loop's look: the same entry under the key made from the local version.
    auto peeked = cache_->Peek(cache_->LocalKey("product", "/p/1"));
    ASSERT_TRUE(peeked.item);
    EXPECT_EQ(peeked.item->body, "one");
}

TEST_P(CacheContract, AnUnknownKeyIsACountedMiss) {
    auto before = cache_->Stats().misses;
    auto got = cache_->Get(ctx_, cache_->Key(ctx_, "product", "/p/none").value());
    ASSERT_TRUE(got.ok());
    EXPECT_FALSE(got->item);
    EXPECT_FALSE(got->fresh);
    EXPECT_EQ(cache_->Stats().misses, before + 1);
    EXPECT_FALSE(cache_->Peek(cache_->LocalKey("product", "/p/none")).item);
    EXPECT_EQ(cache_->Stats().misses, before + 1);  // a peek counts nothing
}

TEST_P(CacheContract, InvalidatingANamespaceChangesItsKeysOnly) {
    auto product = cache_->Key(ctx_, "product", "/p/1").value();
    auto list = cache_->Key(ctx_, "list", "/p").value();
    ASSERT_TRUE(cache_->Put(ctx_, product, Item("old")).ok());
    ASSERT_TRUE(cache_->Put(ctx_, list, Item("list")).ok());
    ASSERT_TRUE(cache_->InvalidateNamespace(ctx_, "product").ok());
    auto renewed = cache_->Key(ctx_, "product", "/p/1").value();
    EXPECT_NE(renewed, product);
    EXPECT_FALSE(cache_->Get(ctx_, renewed)->item);  // the old page is out of reach
    EXPECT_EQ(cache_->Key(ctx_, "list", "/p").value(), list);
    EXPECT_TRUE(cache_->Get(ctx_, list)->fresh);
    // This process knows the new version at once (its own invalidation).
    EXPECT_EQ(cache_->LocalNamespaceVersion("product"), cache_->NamespaceVersion(ctx_, "product").value());
    EXPECT_EQ(cache_->LocalKey("product", "/p/1"), renewed);
}

TEST_P(CacheContract, InvalidatingAllChangesEveryNamespace) {
    auto product = cache_->Key(ctx_, "product", "/p/1").value();
    auto list = cache_->Key(ctx_, "list", "/p").value();
    ASSERT_TRUE(cache_->InvalidateAll(ctx_).ok());
    EXPECT_NE(cache_->Key(ctx_, "product", "/p/1").value(), product);
    EXPECT_NE(cache_->Key(ctx_, "list", "/p").value(), list);
}

TEST_P(CacheContract, APutReplacesTheEntry) {
    auto key = cache_->Key(ctx_, "product", "/p/1").value();
    ASSERT_TRUE(cache_->Put(ctx_, key, Item("v1")).ok());
    ASSERT_TRUE(cache_->Put(ctx_, key, Item("v2")).ok());
    EXPECT_EQ(cache_->Get(ctx_, key)->item->body, "v2");
}

INSTANTIATE_TEST_SUITE_P(Adapters, CacheContract, ::testing::ValuesIn(Adapters()),
                         [](const ::testing::TestParamInfo<CacheAdapter>& info) { return info.param.name; });

}  // namespace
}  // namespace emporium::cache

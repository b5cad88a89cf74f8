#include "cache/cache_aside.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "cache/memory_cache.hpp"

namespace emporium::cache {
namespace {

const core::RequestContext ctx;

MemoryCacheSettings Settings(std::chrono::milliseconds ttl, std::chrono::milliseconds stale_for) {
    MemoryCacheSettings settings;
    settings.max_bytes = 1 << 20;
    settings.ttl = ttl;
    settings.stale_for = stale_for;
    return settings;
}

TEST(CacheAside, AMissStormMakesOneLoad) {
    MemoryCache cache(Settings(std::chrono::seconds(60), {}), {"product"});
    CacheAside pages(cache);
    std::atomic<int> loads{0};
    std::atomic<bool> release{false};
    const std::string key = cache.Key(ctx, "product", "/p/1").value();
    std::vector<std::thread> threads;
    std::atomic<int> answered{0};
    for (int i = 0; i < 200; ++i)
        threads.emplace_back([&] {
            auto item = pages.GetOrLoad(ctx, key, [&]() -> core::Result<std::string> {
                loads.fetch_add(1);
                while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
                return std::string("{\"id\":1}");
            });
            if (item.ok() && (*item)->body == "{\"id\":1}") answered.fetch_add(1);
        });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the others pile up behind the load
    release = true;
    for (auto& t : threads) t.join();
    EXPECT_EQ(loads.load(), 1);
    EXPECT_EQ(answered.load(), 200);
}

TEST(CacheAside, ServesStaleWhenTheReloadFailsButPassesOnAnswers) {
    MemoryCache cache(Settings(std::chrono::milliseconds(1), std::chrono::seconds(60)), {"product"});
    CacheAside pages(cache);
    const std::string key = cache.Key(ctx, "product", "/p/1").value();
    ASSERT_TRUE(pages.GetOrLoad(ctx, key, [] { return core::Result<std::string>(std::string("v1")); }).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // now stale
    auto stale =
        pages.GetOrLoad(ctx, key, [] { return core::Result<std::string>(core::Error::Unavailable("db down")); });
    ASSERT_TRUE(stale.ok());
    EXPECT_EQ((*stale)->body, "v1");
    // "Not found" is an answer, not a failure: never hidden behind a stale page.
    auto gone = pages.GetOrLoad(ctx, key, [] { return core::Result<std::string>(core::Error::NotFound("gone")); });
    ASSERT_FALSE(gone.ok());
    EXPECT_EQ(gone.error().code, core::ErrorCode::kNotFound);
    // A fresh load replaces the stale page.
    auto fresh = pages.GetOrLoad(ctx, key, [] { return core::Result<std::string>(std::string("v2")); });
    ASSERT_TRUE(fresh.ok());
    EXPECT_EQ((*fresh)->body, "v2");
}

TEST(CacheAside, InvalidatingANamespaceHidesItsEntriesAndALoadInFlight) {
    MemoryCache cache(Settings(std::chrono::seconds(60), std::chrono::seconds(60)), {"product", "list"});
    CacheAside pages(cache);
    auto product_key = cache.Key(ctx, "product", "/p/1").value();
    auto list_key = cache.Key(ctx, "list", "/p").value();
    ASSERT_TRUE(pages.GetOrLoad(ctx, product_key, [] { return core::Result<std::string>(std::string("old")); }).ok());
    ASSERT_TRUE(pages.GetOrLoad(ctx, list_key, [] { return core::Result<std::string>(std::string("list")); }).ok());
    // A load that read the old price, finishing after the write's invalidation...
    auto racing_key = cache.Key(ctx, "product", "/p/2").value();
    ASSERT_TRUE(cache.InvalidateNamespace(ctx, "product").ok());
    ASSERT_TRUE(pages.GetOrLoad(ctx, racing_key, [] { return core::Result<std::string>(std::string("old")); }).ok());
    // ...is stored where nobody looks, and neither is the old page found.
    EXPECT_FALSE(cache.Get(ctx, cache.Key(ctx, "product", "/p/2").value())->item);
    EXPECT_FALSE(cache.Get(ctx, cache.Key(ctx, "product", "/p/1").value())->item);
    EXPECT_TRUE(cache.Get(ctx, cache.Key(ctx, "list", "/p").value())->fresh);  // other namespaces untouched
    // And a failing reload after invalidation does not serve the invalidated page.
    auto after = pages.GetOrLoad(ctx, cache.Key(ctx, "product", "/p/1").value(),
                                 [] { return core::Result<std::string>(core::Error::Unavailable("db down")); });
    EXPECT_FALSE(after.ok());
}

// A cache whose server is down: every call fails.
class DownCache final : public Cache {
  public:
    CacheLookup Peek(std::string_view) override { return {}; }
    core::Result<CacheLookup> Get(const core::RequestContext&, std::string_view) override {
        return core::Error::Unavailable("cache down");
    }
    core::Result<void> Put(const core::RequestContext&, std::string, std::shared_ptr<const CachedItem>) override {
        return core::Error::Unavailable("cache down");
    }
    uint64_t LocalNamespaceVersion(std::string_view) override { return 0; }
    core::Result<uint64_t> NamespaceVersion(const core::RequestContext&, std::string_view) override {
        return core::Error::Unavailable("cache down");
    }
    core::Result<void> InvalidateNamespace(const core::RequestContext&, std::string_view) override {
        return core::Error::Unavailable("cache down");
    }
    core::Result<void> InvalidateAll(const core::RequestContext&) override {
        return core::Error::Unavailable("cache down");
    }
    CacheStats Stats() const override { return {}; }
};

TEST(CacheAside, ACacheThatIsDownMeansNoCacheNotNoAnswer) {
    DownCache cache;
    CacheAside pages(cache);
    int loads = 0;
    auto load = [&] {
        ++loads;
        return core::Result<std::string>(std::string("{\"id\":1}"));
    };
    // The key cannot even be made (the namespace version lives on the cache server).
    auto first = pages.GetOrLoad(ctx, "product", "/p/1", load);
    ASSERT_TRUE(first.ok()) << first.error().message;
    EXPECT_EQ((*first)->body, "{\"id\":1}");
    EXPECT_FALSE((*first)->etag.empty());
    // A key made before the outage: the lookup and the store fail, the loader answers.
    auto second = pages.GetOrLoad(ctx, std::string("product#0#/p/1"), load);
    ASSERT_TRUE(second.ok()) << second.error().message;
    EXPECT_EQ(loads, 2);
    std::string metrics;
    pages.RenderMetrics(metrics, "pages");
    EXPECT_NE(metrics.find("emporium_cache_failures_total{cache=\"pages\"} 3"), std::string::npos) << metrics;
}

}  // namespace
}  // namespace emporium::cache

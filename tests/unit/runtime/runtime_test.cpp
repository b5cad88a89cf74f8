#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <thread>

#include "cache/lru_cache.hpp"
#include "observability/metrics.hpp"
#include "runtime/blocking_pool.hpp"

namespace emporium {
namespace {

TEST(BlockingPool, RefusesWorkBeyondItsQueueAndLeavesTheJobIntact) {
    runtime::BlockingPool pool(1, 1);
    std::mutex mutex;
    std::condition_variable cv;
    bool release = false;
    std::atomic<int> ran{0};
    auto blocker = [&] {
        std::unique_lock lock(mutex);
        cv.wait(lock, [&] { return release; });
        ++ran;
    };
    runtime::UniqueFunction first(blocker);
    ASSERT_TRUE(pool.TrySubmit(std::move(first)));
    while (pool.Stats().busy == 0) std::this_thread::yield();
    runtime::UniqueFunction second([&] { ++ran; });
    ASSERT_TRUE(pool.TrySubmit(std::move(second)));  // waits in the queue
    runtime::UniqueFunction third([&] { ++ran; });
    EXPECT_FALSE(pool.TrySubmit(std::move(third)));  // queue full
    EXPECT_TRUE(static_cast<bool>(third));           // still ours to run or drop
    EXPECT_EQ(pool.Stats().rejected, 1);
    {
        std::lock_guard lock(mutex);
        release = true;
    }
    cv.notify_all();
    while (ran.load() < 2) std::this_thread::yield();
    third();
    EXPECT_EQ(ran.load(), 3);
}

TEST(LruCache, EvictsLeastRecentlyUsedWithinByteBound) {
    cache::LruCache<std::string> cache(300, std::chrono::seconds(60), {}, 1);
    auto gen = cache.Generation();
    cache.Put("a", std::make_shared<std::string>("A"), 100, gen);
    cache.Put("b", std::make_shared<std::string>("B"), 100, gen);
    ASSERT_NE(cache.Get("a"), nullptr);  // a is now most recent
    cache.Put("c", std::make_shared<std::string>("C"), 100, gen);
    EXPECT_EQ(cache.Get("b"), nullptr);  // evicted
    EXPECT_NE(cache.Get("a"), nullptr);
    EXPECT_NE(cache.Get("c"), nullptr);
    EXPECT_EQ(cache.Stats().evictions, 1u);
}

TEST(LruCache, EntriesExpire) {
    cache::LruCache<std::string> cache(1000, std::chrono::milliseconds(20), {}, 1);
    cache.Put("k", std::make_shared<std::string>("v"), 10, cache.Generation());
    EXPECT_NE(cache.Get("k"), nullptr);
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
    EXPECT_EQ(cache.Get("k"), nullptr);
}

TEST(LruCache, StoreAfterClearIsRefused) {
    cache::LruCache<std::string> cache(1000, std::chrono::seconds(60), {}, 4);
    auto before = cache.Generation();  // a loader starts reading
    cache.Clear();                     // a write invalidates meanwhile
    cache.Put("k", std::make_shared<std::string>("stale"), 10, before);
    EXPECT_EQ(cache.Get("k"), nullptr);
}

TEST(Metrics, HistogramRendersCumulativeBuckets) {
    observability::LatencyHistogram histogram;
    histogram.Observe(50'000);          // 50 µs
    histogram.Observe(2'000'000);       // 2 ms
    histogram.Observe(20'000'000'000);  // 20 s: only +Inf
    std::string out;
    histogram.Render(out, "x_seconds", "route=\"/a\"");
    EXPECT_NE(out.find("x_seconds_bucket{route=\"/a\",le=\"0.0001\"} 1\n"), std::string::npos) << out;
    EXPECT_NE(out.find("x_seconds_bucket{route=\"/a\",le=\"0.0025\"} 2\n"), std::string::npos) << out;
    EXPECT_NE(out.find("x_seconds_bucket{route=\"/a\",le=\"10\"} 2\n"), std::string::npos) << out;
    EXPECT_NE(out.find("x_seconds_bucket{route=\"/a\",le=\"+Inf\"} 3\n"), std::string::npos) << out;
    EXPECT_NE(out.find("x_seconds_count{route=\"/a\"} 3\n"), std::string::npos) << out;
}

}  // namespace
}  // namespace emporium

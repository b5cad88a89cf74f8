#include "resilience/bulkhead.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

namespace emporium::resilience {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

core::RequestContext WithDeadlineIn(milliseconds budget) {
    core::RequestContext ctx;
    ctx.deadline = Clock::now() + budget;
    return ctx;
}

TEST(Bulkhead, AdmitsUpToItsConcurrencyAndGivesPlacesBackWhenPermitsEnd) {
    Bulkhead bulkhead("provider", {.max_concurrent = 2, .max_queued = 0, .max_wait = milliseconds(0)});
    core::RequestContext ctx;
    {
        auto first = bulkhead.Acquire(ctx);
        auto second = bulkhead.Acquire(ctx);
        ASSERT_TRUE(first.ok());
        ASSERT_TRUE(second.ok());
        EXPECT_EQ(bulkhead.Stats().in_use, 2);
        auto third = bulkhead.Acquire(ctx);
        ASSERT_FALSE(third.ok());
        EXPECT_EQ(third.error().code, core::ErrorCode::kUnavailable);
        EXPECT_EQ(bulkhead.Stats().rejected, 1u);
    }
    auto stats = bulkhead.Stats();
    EXPECT_EQ(stats.in_use, 0);
    EXPECT_EQ(stats.admitted, 2u);
    EXPECT_TRUE(bulkhead.Acquire(ctx).ok());
}

TEST(Bulkhead, AWaiterGetsThePlaceThatComesFree) {
    Bulkhead bulkhead("search", {.max_concurrent = 1, .max_queued = 1, .max_wait = milliseconds(5000)});
    core::RequestContext ctx;
    auto holder = std::make_unique<Bulkhead::Permit>(std::move(bulkhead.Acquire(ctx)).value());
    auto waiter = std::async(std::launch::async, [&] { return bulkhead.Acquire(ctx).ok(); });
    while (bulkhead.Stats().queued == 0) std::this_thread::sleep_for(milliseconds(1));
    holder.reset();
    EXPECT_TRUE(waiter.get());
    EXPECT_EQ(bulkhead.Stats().timed_out, 0u);
    EXPECT_EQ(bulkhead.Stats().admitted, 2u);
}

TEST(Bulkhead, RefusesAtOnceWhenTheQueueIsFull) {
    Bulkhead bulkhead("provider", {.max_concurrent = 1, .max_queued = 1, .max_wait = milliseconds(5000)});
    core::RequestContext ctx;
    auto holder = bulkhead.Acquire(ctx);
    ASSERT_TRUE(holder.ok());
    auto waiter = std::async(std::launch::async, [&] { return bulkhead.Acquire(WithDeadlineIn(milliseconds(300))); });
    while (bulkhead.Stats().queued == 0) std::this_thread::sleep_for(milliseconds(1));
    auto started = Clock::now();
    auto refused = bulkhead.Acquire(ctx);
    EXPECT_LT(Clock::now() - started, milliseconds(100));  // no waiting: the queue was full
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, core::ErrorCode::kUnavailable);
    EXPECT_FALSE(waiter.get().ok());  // its deadline came first
    auto stats = bulkhead.Stats();
    EXPECT_EQ(stats.rejected, 1u);
    EXPECT_EQ(stats.timed_out, 1u);
    EXPECT_EQ(stats.queued, 0);
}

TEST(Bulkhead, AWaitNeverOutlastsTheCallersDeadline) {
    Bulkhead bulkhead("provider", {.max_concurrent = 1, .max_queued = 4, .max_wait = milliseconds(10'000)});
    core::RequestContext ctx;
    auto holder = bulkhead.Acquire(ctx);
    ASSERT_TRUE(holder.ok());
    auto started = Clock::now();
    auto waited = bulkhead.Acquire(WithDeadlineIn(milliseconds(50)));
    auto took = Clock::now() - started;
    ASSERT_FALSE(waited.ok());
    EXPECT_EQ(waited.error().code, core::ErrorCode::kUnavailable);
    EXPECT_GE(took, milliseconds(45));
    EXPECT_LT(took, milliseconds(2000));
    EXPECT_EQ(bulkhead.Stats().timed_out, 1u);
}

TEST(Bulkhead, AWaitNeverOutlastsItsMaxWait) {
    Bulkhead bulkhead("provider", {.max_concurrent = 1, .max_queued = 4, .max_wait = milliseconds(50)});
    core::RequestContext no_deadline;
    auto holder = bulkhead.Acquire(no_deadline);
    ASSERT_TRUE(holder.ok());
    auto started = Clock::now();
    EXPECT_FALSE(bulkhead.Acquire(no_deadline).ok());
    EXPECT_LT(Clock::now() - started, milliseconds(2000));
}

TEST(Bulkhead, RefusesAnExpiredCallerWithoutTakingAPlace) {
    Bulkhead bulkhead("provider", {.max_concurrent = 4, .max_queued = 4, .max_wait = milliseconds(50)});
    core::RequestContext expired;
    expired.deadline = Clock::now() - milliseconds(1);
    EXPECT_FALSE(bulkhead.Acquire(expired).ok());
    auto stats = bulkhead.Stats();
    EXPECT_EQ(stats.in_use, 0);
    EXPECT_EQ(stats.timed_out, 1u);
}

TEST(Bulkhead, RunHoldsAPlaceForTheCallOnly) {
    Bulkhead bulkhead("search", {.max_concurrent = 1, .max_queued = 0, .max_wait = milliseconds(0)});
    core::RequestContext ctx;
    auto inside = bulkhead.Run(ctx, [&]() -> core::Result<int64_t> { return bulkhead.Stats().in_use; });
    ASSERT_TRUE(inside.ok());
    EXPECT_EQ(*inside, 1);
    EXPECT_EQ(bulkhead.Stats().in_use, 0);
    auto held = bulkhead.Acquire(ctx);
    auto refused = bulkhead.Run(ctx, []() -> core::Result<int> { return 1; });
    EXPECT_FALSE(refused.ok());
}

TEST(Bulkhead, ManyThreadsNeverHaveMoreThanItsConcurrencyInside) {
    Bulkhead bulkhead("db", {.max_concurrent = 3, .max_queued = 64, .max_wait = milliseconds(10'000)});
    std::atomic<int> inside{0};
    std::atomic<int> most{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 50; ++i) {
                auto done = bulkhead.Run(core::RequestContext{}, [&]() -> core::Result<void> {
                    int now = ++inside;
                    int seen = most.load();
                    while (now > seen && !most.compare_exchange_weak(seen, now)) {
                    }
                    std::this_thread::yield();
                    --inside;
                    return core::Ok();
                });
                EXPECT_TRUE(done.ok());
            }
        });
    for (auto& thread : threads) thread.join();
    EXPECT_LE(most.load(), 3);
    EXPECT_EQ(bulkhead.Stats().admitted, 400u);
    EXPECT_EQ(bulkhead.Stats().in_use, 0);
}

}  // namespace
}  // namespace emporium::resilience

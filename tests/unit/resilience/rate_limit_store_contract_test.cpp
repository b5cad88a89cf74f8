// The contract every RateLimitStore adapter passes (resilience/rate_limit_store.hpp): the
// in-process MemoryRateLimitStore and the RedisRateLimitStore on the tests' Redis server.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "core/random.hpp"
#include "resilience/rate_limit_store.hpp"
#include "resilience/storage/memory_rate_limit_store.hpp"
#include "resilience/storage/redis_rate_limit_store.hpp"
#include "test_redis.hpp"

namespace emporium::resilience {
namespace {

using std::chrono::milliseconds;

// The store with what it needs alive.
struct Subject {
    std::shared_ptr<testing::TestRedis> redis;
    std::unique_ptr<RateLimitStore> store;
};

struct RateLimitAdapter {
    std::string name;
    std::function<Subject()> make;
};

// Failure messages name the adapter instead of dumping its bytes.
void PrintTo(const RateLimitAdapter& adapter, std::ostream* os) { *os << adapter.name; }

std::vector<RateLimitAdapter> Adapters() {
    return {{"memory",
             [] {
                 return Subject{nullptr, std::make_unique<MemoryRateLimitStore>()};
             }},
            {"redis", [] {
                 Subject subject;
                 subject.redis = testing::TestRedis::Open();
                 if (!subject.redis) {
                     ADD_FAILURE() << "EMPORIUM_TEST_REDIS is not set (run the tests with ctest)";
                     subject.store = std::make_unique<MemoryRateLimitStore>();
                     return subject;
                 }
                 subject.store = std::make_unique<RedisRateLimitStore>(*subject.redis->client, subject.redis->prefix);
                 return subject;
             }}};
}

class RateLimitStoreContract : public ::testing::TestWithParam<RateLimitAdapter> {
  protected:
    void SetUp() override {
        ASSERT_TRUE(core::InitCrypto());
        subject_ = GetParam().make();
        store_ = subject_.store.get();
    }
    BucketDecision Take(const std::string& key, int64_t now_ms, BucketLimit limit = {10, 3}) {
        auto decision = store_->TakeToken(ctx_, key, limit, now_ms);
        EXPECT_TRUE(decision.ok()) << decision.error().message;
        return decision.ok() ? *decision : BucketDecision{};
    }

    core::RequestContext ctx_;
    Subject subject_;
    RateLimitStore* store_ = nullptr;
    const int64_t t0_ = 1'800'000'000'000;
};

TEST_P(RateLimitStoreContract, AFreshBucketLetsItsBurstThroughThenSaysWhenToComeBack) {
    // 3 tokens, 10 a second: the fourth call at once is refused for 100 ms.
    auto first = Take("a", t0_);
    EXPECT_TRUE(first.allowed);
    EXPECT_EQ(first.remaining, 2);
    EXPECT_EQ(first.full_after, milliseconds(100));
    EXPECT_TRUE(Take("a", t0_).allowed);
    auto third = Take("a", t0_);
    EXPECT_TRUE(third.allowed);
    EXPECT_EQ(third.remaining, 0);
    EXPECT_EQ(third.full_after, milliseconds(300));
    auto refused = Take("a", t0_);
    EXPECT_FALSE(refused.allowed);
    EXPECT_EQ(refused.retry_after, milliseconds(100));
    EXPECT_EQ(refused.remaining, 0);
}

TEST_P(RateLimitStoreContract, ABucketRefillsAtItsRateUpToItsBurst) {
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(Take("a", t0_).allowed);
    EXPECT_FALSE(Take("a", t0_ + 50).allowed);  // half a token back
    EXPECT_TRUE(Take("a", t0_ + 100).allowed);  // one token back
    EXPECT_FALSE(Take("a", t0_ + 100).allowed);
    // Long after: full again, never more than the burst.
    auto later = Take("a", t0_ + 60'000);
    EXPECT_TRUE(later.allowed);
    EXPECT_EQ(later.remaining, 2);
}

TEST_P(RateLimitStoreContract, BucketsOfDifferentKeysAreIndependent) {
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(Take("a", t0_).allowed);
    EXPECT_FALSE(Take("a", t0_).allowed);
    EXPECT_TRUE(Take("b", t0_).allowed);
}

TEST_P(RateLimitStoreContract, ACallerWhoseClockIsBehindGetsNoExtraTokens) {
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(Take("a", t0_).allowed);
    EXPECT_FALSE(Take("a", t0_ - 5'000).allowed);
}

TEST_P(RateLimitStoreContract, CallersRacingOnOneBucketNeverTakeMoreThanItHolds) {
    constexpr int kThreads = 8, kCalls = 25;
    std::atomic<int> allowed{0}, failed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < kCalls; ++i) {
                auto decision = store_->TakeToken(ctx_, "race", BucketLimit{0.001, 50}, t0_);
                if (!decision.ok())
                    failed.fetch_add(1);
                else if (decision->allowed)
                    allowed.fetch_add(1);
            }
        });
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(failed.load(), 0);
    EXPECT_EQ(allowed.load(), 50);
}

TEST_P(RateLimitStoreContract, AWindowCountsTheEventsOfItsLengthOnly) {
    const milliseconds window(60'000);
    EXPECT_EQ(store_->CountWindow(ctx_, "w", window, t0_)->count, 0);
    EXPECT_EQ(store_->AddToWindow(ctx_, "w", window, t0_)->count, 1);
    EXPECT_EQ(store_->AddToWindow(ctx_, "w", window, t0_)->count, 2);  // two at one instant are two
    auto third = store_->AddToWindow(ctx_, "w", window, t0_ + 30'000);
    ASSERT_TRUE(third.ok()) << third.error().message;
    EXPECT_EQ(third->count, 3);
    EXPECT_EQ(third->oldest_leaves_in, milliseconds(30'000));
    auto later = store_->CountWindow(ctx_, "w", window, t0_ + 60'000);  // the first two left
    ASSERT_TRUE(later.ok());
    EXPECT_EQ(later->count, 1);
    EXPECT_EQ(later->oldest_leaves_in, milliseconds(30'000));
    EXPECT_EQ(store_->CountWindow(ctx_, "w", window, t0_ + 90'000)->count, 0);
}

TEST_P(RateLimitStoreContract, ClearingAWindowForgetsItsEventsOnly) {
    const milliseconds window(60'000);
    ASSERT_TRUE(store_->AddToWindow(ctx_, "w1", window, t0_).ok());
    ASSERT_TRUE(store_->AddToWindow(ctx_, "w2", window, t0_).ok());
    ASSERT_TRUE(store_->ClearWindow(ctx_, "w1").ok());
    EXPECT_EQ(store_->CountWindow(ctx_, "w1", window, t0_)->count, 0);
    EXPECT_EQ(store_->CountWindow(ctx_, "w2", window, t0_)->count, 1);
    EXPECT_TRUE(store_->ClearWindow(ctx_, "never").ok());
}

TEST_P(RateLimitStoreContract, WorkPastItsDeadlineIsRefused) {
    core::RequestContext late;
    late.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    auto decision = store_->TakeToken(late, "a", BucketLimit{10, 3}, t0_);
    ASSERT_FALSE(decision.ok());
    EXPECT_EQ(decision.error().code, core::ErrorCode::kUnavailable);
}

INSTANTIATE_TEST_SUITE_P(Adapters, RateLimitStoreContract, ::testing::ValuesIn(Adapters()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace emporium::resilience

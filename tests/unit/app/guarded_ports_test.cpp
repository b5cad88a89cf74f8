#include "app/guarded_ports.hpp"

#include <gtest/gtest.h>

#include "cache/memory_cache.hpp"
#include "fakes/fake_services.hpp"

namespace emporium::app {
namespace {

using resilience::Bulkhead;
using resilience::FaultMode;
using resilience::FaultSwitch;
using std::chrono::milliseconds;

class GuardedPaymentProviderTest : public ::testing::Test {
  protected:
    GuardedPaymentProviderTest() {
        auto fake = std::make_unique<emporium::testing::FakePaymentProvider>();
        provider_ = fake.get();
        guarded_ = std::make_unique<GuardedPaymentProvider>(
            std::move(fake), PortGuard{.bulkhead = &bulkhead_, .fault = &fault_, .call_timeout = milliseconds(100)});
    }
    core::Result<payments::ProviderCharge> Charge(const std::string& key) {
        return guarded_->Charge(core::RequestContext{}, key, 1500, "USD", "tok_4242", "ord_1");
    }

    Bulkhead bulkhead_{"payment_provider", {.max_concurrent = 1, .max_queued = 0, .max_wait = milliseconds(0)}};
    FaultSwitch fault_{"payment_provider", "", false};
    emporium::testing::FakePaymentProvider* provider_ = nullptr;
    std::unique_ptr<GuardedPaymentProvider> guarded_;
};

TEST_F(GuardedPaymentProviderTest, PassesCallsThroughWhileNothingIsWrong) {
    ASSERT_TRUE(Charge("k1").ok());
    EXPECT_EQ(provider_->charge_calls, 1);
    EXPECT_EQ(bulkhead_.Stats().admitted, 1u);
    EXPECT_EQ(bulkhead_.Stats().in_use, 0);
}

TEST_F(GuardedPaymentProviderTest, ADownFaultFailsChargesWithoutReachingTheProviderButNotTokenising) {
    ASSERT_TRUE(fault_.Set({.mode = FaultMode::kDown}).ok());
    auto charged = Charge("k1");
    ASSERT_FALSE(charged.ok());
    EXPECT_EQ(charged.error().code, core::ErrorCode::kUnavailable);
    EXPECT_EQ(provider_->charge_calls, 0);
    EXPECT_FALSE(guarded_->Refund(core::RequestContext{}, "refund-1", "ch_1").ok());
    EXPECT_TRUE(guarded_->Tokenize(core::RequestContext{}, {"4242424242424242", 12, 2030, "123"}).ok());
}

TEST_F(GuardedPaymentProviderTest, AnInjectedHangEndsAtTheProvidersTimeout) {
    ASSERT_TRUE(fault_.Set({.mode = FaultMode::kSlow, .latency = milliseconds(60'000)}).ok());
    auto started = std::chrono::steady_clock::now();
    auto charged = Charge("k1");
    EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(5000));
    ASSERT_FALSE(charged.ok());
    EXPECT_EQ(provider_->charge_calls, 0);
}

TEST_F(GuardedPaymentProviderTest, AFullBulkheadRefusesAtOnce) {
    auto held = bulkhead_.Acquire(core::RequestContext{});
    ASSERT_TRUE(held.ok());
    auto charged = Charge("k1");
    ASSERT_FALSE(charged.ok());
    EXPECT_EQ(charged.error().code, core::ErrorCode::kUnavailable);
    EXPECT_EQ(provider_->charge_calls, 0);
    EXPECT_EQ(bulkhead_.Stats().rejected, 1u);
}

class CountingRecommendations final : public recommendations::RecommendationsService {
  public:
    int calls = 0;
    core::Result<recommendations::Recommendations> ForProduct(const core::RequestContext&, std::string_view id,
                                                              int) override {
        ++calls;
        if (id == "unknown") return core::Error::NotFound("no product");
        return recommendations::Recommendations{.items = {catalog::Product{}}, .available = true};
    }
    recommendations::Recommendations Trending(const core::RequestContext&, int) override {
        ++calls;
        return {.items = {catalog::Product{}}, .available = true};
    }
    bool healthy() const override { return true; }
};

TEST(GuardedRecommendationsService, AnswersUnavailableRatherThanFailingWhenGuarded) {
    auto inner = std::make_unique<CountingRecommendations>();
    CountingRecommendations* counting = inner.get();
    FaultSwitch fault("recommendations", "", false);
    GuardedRecommendationsService guarded(std::move(inner), PortGuard{.fault = &fault});
    auto answer = guarded.ForProduct(core::RequestContext{}, "p1", 4);
    ASSERT_TRUE(answer.ok());
    EXPECT_TRUE(answer->available);
    EXPECT_EQ(guarded.ForProduct(core::RequestContext{}, "unknown", 4).error().code, core::ErrorCode::kNotFound);

    ASSERT_TRUE(fault.Set({.mode = FaultMode::kDown}).ok());
    answer = guarded.ForProduct(core::RequestContext{}, "p1", 4);
    ASSERT_TRUE(answer.ok());
    EXPECT_FALSE(answer->available);
    EXPECT_TRUE(answer->items.empty());
    auto trending = guarded.Trending(core::RequestContext{}, 4);
    EXPECT_FALSE(trending.available);
    EXPECT_EQ(counting->calls, 2);  // only the two before the fault
}

TEST(FaultyCache, AFaultHidesTheCacheButLetsInvalidationsThrough) {
    cache::MemoryCache memory(cache::MemoryCacheSettings{}, {"product"});
    FaultSwitch fault("cache", "", false);
    FaultyCache faulty(memory, fault);
    core::RequestContext ctx;
    auto key = faulty.Key(ctx, "product", "p1");
    ASSERT_TRUE(key.ok());
    ASSERT_TRUE(faulty.Put(ctx, *key, std::make_shared<cache::CachedItem>(cache::CachedItem{"{}", "\"e\""})).ok());
    EXPECT_NE(faulty.Peek(*key).item, nullptr);

    ASSERT_TRUE(fault.Set({.mode = FaultMode::kDown}).ok());
    EXPECT_EQ(faulty.Peek(*key).item, nullptr);
    EXPECT_FALSE(faulty.Get(ctx, *key).ok());
    EXPECT_FALSE(faulty.Key(ctx, "product", "p1").ok());
    ASSERT_TRUE(faulty.InvalidateNamespace(ctx, "product").ok());  // still reaches the cache

    fault.Clear();
    auto fresh_key = faulty.Key(ctx, "product", "p1");
    ASSERT_TRUE(fresh_key.ok());
    EXPECT_NE(*fresh_key, *key);  // the invalidation made during the fault took effect
    EXPECT_EQ(faulty.Peek(*fresh_key).item, nullptr);
}

}  // namespace
}  // namespace emporium::app

#include "resilience/fault_switches.hpp"

#include <gtest/gtest.h>

namespace emporium::resilience {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

TEST(FaultSwitch, OffLetsEveryCallThroughAtOnce) {
    FaultSwitch fault("search", "", false);
    EXPECT_FALSE(fault.active());
    for (int i = 0; i < 100; ++i) EXPECT_TRUE(fault.Apply(core::RequestContext{}).ok());
    EXPECT_EQ(fault.counters().delayed, 0u);
    EXPECT_EQ(fault.counters().failed, 0u);
}

TEST(FaultSwitch, DownFailsEveryCallWithUnavailable) {
    FaultSwitch fault("payment_provider", "", false);
    ASSERT_TRUE(fault.Set({.mode = FaultMode::kDown}).ok());
    EXPECT_TRUE(fault.active());
    auto call = fault.Apply(core::RequestContext{});
    ASSERT_FALSE(call.ok());
    EXPECT_EQ(call.error().code, core::ErrorCode::kUnavailable);
    EXPECT_EQ(fault.counters().failed, 1u);
    fault.Clear();
    EXPECT_TRUE(fault.Apply(core::RequestContext{}).ok());
    EXPECT_EQ(fault.setting().mode, FaultMode::kOff);
}

TEST(FaultSwitch, SlowAddsItsLatency) {
    FaultSwitch fault("cache", "", false);
    ASSERT_TRUE(fault.Set({.mode = FaultMode::kSlow, .latency = milliseconds(60)}).ok());
    auto started = Clock::now();
    EXPECT_TRUE(fault.Apply(core::RequestContext{}).ok());
    EXPECT_GE(Clock::now() - started, milliseconds(60));
    EXPECT_EQ(fault.counters().delayed, 1u);
}

TEST(FaultSwitch, ALatencyPastTheDeadlineOrTheCallTimeoutEndsAsATimeout) {
    FaultSwitch fault("payment_provider", "", false);
    ASSERT_TRUE(fault.Set({.mode = FaultMode::kSlow, .latency = milliseconds(60'000)}).ok());
    core::RequestContext ctx;
    ctx.deadline = Clock::now() + milliseconds(50);
    auto started = Clock::now();
    auto call = fault.Apply(ctx);
    EXPECT_LT(Clock::now() - started, milliseconds(5000));
    ASSERT_FALSE(call.ok());
    EXPECT_EQ(call.error().code, core::ErrorCode::kUnavailable);

    started = Clock::now();
    call = fault.Apply(core::RequestContext{}, milliseconds(50));
    auto took = Clock::now() - started;
    EXPECT_GE(took, milliseconds(50));
    EXPECT_LT(took, milliseconds(5000));
    EXPECT_FALSE(call.ok());
}

TEST(FaultSwitch, FailingFailsAboutItsShare) {
    FaultSwitch fault("recommendations", "", false);
    ASSERT_TRUE(fault.Set({.mode = FaultMode::kFailing, .error_ratio = 0.3}).ok());
    int failed = 0;
    for (int i = 0; i < 2000; ++i) failed += fault.Apply(core::RequestContext{}).ok() ? 0 : 1;
    EXPECT_GT(failed, 450);  // 600 expected; far outside chance either way
    EXPECT_LT(failed, 750);
    ASSERT_TRUE(fault.Set({.mode = FaultMode::kFailing, .error_ratio = 1}).ok());
    EXPECT_FALSE(fault.Apply(core::RequestContext{}).ok());
}

TEST(FaultSwitch, RefusesSettingsThatDoNotFit) {
    FaultSwitch fault("search", "", false);
    EXPECT_FALSE(fault.Set({.mode = FaultMode::kSlow}).ok());  // no latency
    EXPECT_FALSE(fault.Set({.mode = FaultMode::kSlow, .latency = milliseconds(60'001)}).ok());
    EXPECT_FALSE(fault.Set({.mode = FaultMode::kFailing, .error_ratio = 0}).ok());
    EXPECT_FALSE(fault.Set({.mode = FaultMode::kFailing, .error_ratio = 1.5}).ok());
    EXPECT_FALSE(fault.Set({.mode = FaultMode::kDown, .latency = milliseconds(5)}).ok());
    EXPECT_FALSE(fault.active());  // nothing refused took effect

    FaultSwitch database("database", "", /*latency_only=*/true);
    EXPECT_FALSE(database.Set({.mode = FaultMode::kDown}).ok());
    EXPECT_FALSE(database.Set({.mode = FaultMode::kFailing, .error_ratio = 0.5}).ok());
    EXPECT_TRUE(database.Set({.mode = FaultMode::kSlow, .latency = milliseconds(5)}).ok());
}

TEST(FaultModes, ReadAndNameEachOther) {
    for (auto mode : {FaultMode::kOff, FaultMode::kSlow, FaultMode::kFailing, FaultMode::kDown})
        EXPECT_EQ(ParseFaultMode(FaultModeName(mode)), mode);
    EXPECT_EQ(ParseFaultMode("hung"), std::nullopt);
}

TEST(FaultSwitches, FindsSwitchesByTarget) {
    FaultSwitches faults;
    faults.Add("search", "Full-text search.");
    faults.Add("database", "Every database call.", true);
    ASSERT_NE(faults.Find("database"), nullptr);
    EXPECT_TRUE(faults.Find("database")->latency_only());
    EXPECT_EQ(faults.Find("nothing"), nullptr);
    ASSERT_EQ(faults.All().size(), 2u);
    EXPECT_EQ(faults.All()[0]->target(), "search");
}

}  // namespace
}  // namespace emporium::resilience

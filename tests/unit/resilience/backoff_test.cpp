#include "resilience/backoff.hpp"

#include <gtest/gtest.h>

namespace emporium::resilience {
namespace {

using std::chrono::milliseconds;

TEST(GrowingDelay, GrowsByItsFactorFromTheFirstAttemptUpToItsCap) {
    EXPECT_EQ(GrowingDelay(milliseconds(100), 3, 1, milliseconds(60'000)), milliseconds(100));
    EXPECT_EQ(GrowingDelay(milliseconds(100), 3, 3, milliseconds(60'000)), milliseconds(900));
    EXPECT_EQ(GrowingDelay(milliseconds(1000), 3, 6, milliseconds(60'000)), milliseconds(60'000));
    EXPECT_EQ(GrowingDelay(milliseconds(1000), 3, 1'000'000, milliseconds(60'000)), milliseconds(60'000));
}

TEST(Backoff, DoublesUpToItsBoundAndStartsOverAfterASuccess) {
    Backoff backoff(milliseconds(100), milliseconds(350));
    EXPECT_TRUE(backoff.at_start());
    EXPECT_EQ(backoff.Next(), milliseconds(100));
    EXPECT_FALSE(backoff.at_start());
    EXPECT_EQ(backoff.Next(), milliseconds(200));
    EXPECT_EQ(backoff.Next(), milliseconds(350));
    EXPECT_EQ(backoff.Next(), milliseconds(350));
    backoff.Reset();
    EXPECT_TRUE(backoff.at_start());
    EXPECT_EQ(backoff.Next(), milliseconds(100));
}

TEST(Backoff, KnowsAFailureHappenedEvenWhenTheWaitCannotGrow) {
    Backoff backoff(milliseconds(100), milliseconds(50));  // first above the bound: the bound
    EXPECT_EQ(backoff.Next(), milliseconds(50));
    EXPECT_FALSE(backoff.at_start());  // (judging by the wait, every failure looked like the first)
    EXPECT_EQ(backoff.Next(), milliseconds(50));
}

}  // namespace
}  // namespace emporium::resilience

#include "loadgen/histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace emporium::loadgen {
namespace {

constexpr double kPercentiles[] = {0, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100};

// The value of rank ceil(p/100 * n) among the sorted values (the definition the histogram follows).
int64_t ExactPercentile(const std::vector<int64_t>& sorted, double p) {
    auto n = static_cast<int64_t>(sorted.size());
    auto rank = static_cast<int64_t>(std::ceil(p / 100.0 * static_cast<double>(n) - 1e-7));
    rank = std::clamp<int64_t>(rank, 1, n);
    return sorted[static_cast<std::size_t>(rank - 1)];
}

// A reported percentile is never below the true one and at most 1/1024 of it above.
void ExpectWithinPrecision(int64_t reported, int64_t exact, double p) {
    EXPECT_GE(reported, exact) << "p" << p;
    EXPECT_LE(static_cast<double>(reported), static_cast<double>(exact) * (1.0 + 1.0 / 1024) + 1e-9) << "p" << p;
}

void ExpectMatchesSample(const Histogram& h, std::vector<int64_t> values) {
    std::sort(values.begin(), values.end());
    for (double p : kPercentiles) ExpectWithinPrecision(h.ValueAtPercentile(p), ExactPercentile(values, p), p);
    EXPECT_EQ(h.count(), static_cast<int64_t>(values.size()));
    EXPECT_EQ(h.min(), values.front());
    EXPECT_EQ(h.max(), values.back());
}

TEST(Histogram, EmptyReportsZero) {
    Histogram h;
    EXPECT_EQ(h.count(), 0);
    EXPECT_EQ(h.ValueAtPercentile(50), 0);
    EXPECT_EQ(h.max(), 0);
    EXPECT_EQ(h.mean(), 0);
}

TEST(Histogram, BucketsCoverEveryValueWithinOnePartIn1024) {
    int previous = -1;
    for (int64_t v = 0; v < 5'000'000; v += 1 + v / 300) {
        int index = Histogram::IndexOf(v);
        EXPECT_GE(index, previous);
        previous = index;
        int64_t low = Histogram::LowestInBucket(index);
        int64_t high = Histogram::HighestInBucket(index);
        ASSERT_LE(low, v);
        ASSERT_GE(high, v);
        ASSERT_LE(high - low, std::max<int64_t>(0, low / 1024)) << v;
    }
    // Below 2048 every value has its own counter.
    for (int64_t v = 0; v < 2048; ++v) EXPECT_EQ(Histogram::LowestInBucket(Histogram::IndexOf(v)), v);
    // Adjacent buckets leave no gap.
    for (int i = 0; i < 30'000; ++i) EXPECT_EQ(Histogram::HighestInBucket(i) + 1, Histogram::LowestInBucket(i + 1));
}

TEST(Histogram, UniformOneToNGivesExactishPercentiles) {
    Histogram h;
    std::vector<int64_t> values;
    for (int64_t v = 1; v <= 100'000; ++v) {
        h.Record(v * 1000);  // 1 µs .. 100 ms in nanoseconds
        values.push_back(v * 1000);
    }
    ExpectMatchesSample(h, values);
    EXPECT_DOUBLE_EQ(h.mean(), 50'000.5 * 1000);
    // The familiar figures: p50 of 1..N is N/2, p99 is 0.99 N.
    ExpectWithinPrecision(h.ValueAtPercentile(50), 50'000'000, 50);
    ExpectWithinPrecision(h.ValueAtPercentile(99), 99'000'000, 99);
    ExpectWithinPrecision(h.ValueAtPercentile(99.9), 99'900'000, 99.9);
    EXPECT_EQ(h.ValueAtPercentile(100), 100'000'000);
}

TEST(Histogram, SmallValuesAreExact) {
    Histogram h;
    for (int64_t v = 1; v <= 1000; ++v) h.Record(v);
    EXPECT_EQ(h.ValueAtPercentile(50), 500);
    EXPECT_EQ(h.ValueAtPercentile(90), 900);
    EXPECT_EQ(h.ValueAtPercentile(99.9), 999);
    EXPECT_EQ(h.ValueAtPercentile(100), 1000);
}

TEST(Histogram, ConstantGivesTheConstantEverywhere) {
    Histogram h;
    h.Record(1'234'567, 10'000);
    for (double p : kPercentiles) EXPECT_EQ(h.ValueAtPercentile(p), 1'234'567) << p;
    EXPECT_EQ(h.min(), 1'234'567);
    EXPECT_EQ(h.max(), 1'234'567);
    EXPECT_DOUBLE_EQ(h.mean(), 1'234'567);
    EXPECT_EQ(h.count(), 10'000);
}

TEST(Histogram, BimodalSplitsAtTheRightRank) {
    Histogram h;
    h.Record(1'000'000, 9'000);   // 90 % at 1 ms
    h.Record(50'000'000, 1'000);  // 10 % at 50 ms
    ExpectWithinPrecision(h.ValueAtPercentile(50), 1'000'000, 50);
    ExpectWithinPrecision(h.ValueAtPercentile(90), 1'000'000, 90);
    ExpectWithinPrecision(h.ValueAtPercentile(90.01), 50'000'000, 90.01);
    ExpectWithinPrecision(h.ValueAtPercentile(99), 50'000'000, 99);
    EXPECT_EQ(h.max(), 50'000'000);
    EXPECT_DOUBLE_EQ(h.mean(), 0.9 * 1'000'000 + 0.1 * 50'000'000);
}

TEST(Histogram, ExponentialSampleMatchesSortedPercentiles) {
    std::mt19937_64 rng(42);
    std::exponential_distribution<double> latency(1.0 / 2'000'000);  // mean 2 ms
    Histogram h;
    std::vector<int64_t> values;
    for (int i = 0; i < 200'000; ++i) {
        auto v = static_cast<int64_t>(latency(rng)) + 50'000;
        h.Record(v);
        values.push_back(v);
    }
    ExpectMatchesSample(h, values);
}

TEST(Histogram, MergeEqualsRecordingEverythingInOne) {
    std::mt19937_64 rng(7);
    std::lognormal_distribution<double> latency(13.0, 1.0);
    Histogram all, a, b, c;
    std::vector<int64_t> values;
    for (int i = 0; i < 90'000; ++i) {
        auto v = static_cast<int64_t>(latency(rng));
        all.Record(v);
        values.push_back(v);
        (i % 3 == 0 ? a : i % 3 == 1 ? b : c).Record(v);
    }
    Histogram merged;
    merged.Merge(a);
    merged.Merge(b);
    merged.Merge(c);
    merged.Merge(Histogram());  // an empty one changes nothing
    EXPECT_EQ(merged.count(), all.count());
    EXPECT_EQ(merged.min(), all.min());
    EXPECT_EQ(merged.max(), all.max());
    EXPECT_NEAR(merged.mean(), all.mean(), all.mean() * 1e-12);
    for (double p : kPercentiles) EXPECT_EQ(merged.ValueAtPercentile(p), all.ValueAtPercentile(p)) << p;
    ExpectMatchesSample(merged, values);
}

TEST(Histogram, ValuesAboveTheRangeSaturate) {
    Histogram h(1'000'000);
    h.Record(10);
    h.Record(5'000'000);
    EXPECT_EQ(h.saturated(), 1);
    EXPECT_EQ(h.max(), 1'000'000);
    EXPECT_EQ(h.ValueAtPercentile(100), 1'000'000);
    h.Record(-5);  // a clock that went backwards counts as 0
    EXPECT_EQ(h.min(), 0);
}

TEST(Histogram, MergingDifferentRangesIsRefused) {
    Histogram a(1'000'000), b(2'000'000);
    EXPECT_THROW(a.Merge(b), std::invalid_argument);
}

TEST(Histogram, SummaryIsInMilliseconds) {
    Histogram h;
    h.Record(2'000'000, 99);
    h.Record(100'000'000);
    LatencySummary s = Summarize(h);
    EXPECT_EQ(s.count, 100);
    EXPECT_NEAR(s.p50_ms, 2.0, 2.0 / 1024);
    EXPECT_NEAR(s.p99_ms, 2.0, 2.0 / 1024);
    EXPECT_NEAR(s.p999_ms, 100.0, 100.0 / 1024);
    EXPECT_DOUBLE_EQ(s.max_ms, 100.0);
}

}  // namespace
}  // namespace emporium::loadgen

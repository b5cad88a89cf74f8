#pragma once

#include <cstdint>
#include <vector>

namespace emporium::loadgen {

// A log-linear latency histogram in the spirit of HdrHistogram: values below 2^kSubBucketBits
// are counted exactly; above, every power-of-two range [2^k, 2^(k+1)) is split into
// 2^(kSubBucketBits-1) equal sub-buckets, so any recorded value is known to within 1/1024 of
// itself (better than 3 significant digits). Values are plain integers; the load generator
// records nanoseconds, so the default range (0..60 s) costs about 28 k counters (220 KiB).
//
// Not thread-safe: each thread records into its own histogram and Merge() combines them.
class Histogram {
  public:
    static constexpr int kSubBucketBits = 11;  // 2048 exact values, then 1024 sub-buckets per octave

    // `highest` is the largest value tracked precisely; larger values are counted as `highest`
    // (and reported by saturated()). Must be at least 2^kSubBucketBits.
    explicit Histogram(int64_t highest = 60'000'000'000);

    // Counts `value` (negative values count as 0) `count` times.
    void Record(int64_t value, int64_t count = 1);

    // Adds every count of `other`, which must have the same `highest`.
    void Merge(const Histogram& other);

    void Reset();

    int64_t count() const { return total_; }
    int64_t min() const { return total_ == 0 ? 0 : min_; }
    int64_t max() const { return max_; }
    double mean() const { return total_ == 0 ? 0.0 : sum_ / static_cast<double>(total_); }
    int64_t saturated() const { return saturated_; }
    int64_t highest() const { return highest_; }

    // The value at or below which `percentile` percent (0..100) of the recorded values lie:
    // the upper end of the bucket holding the ceil(p/100 * count)-th smallest value, capped at
    // max(). 0 when nothing was recorded. Never below the true percentile and at most 1/1024
    // of it above (see ValueRangeOf).
    int64_t ValueAtPercentile(double percentile) const;

    // The index of the counter that holds `value`, and the smallest and largest values that
    // share it. Exposed for the tests of the precision bound.
    static int IndexOf(int64_t value);
    static int64_t LowestInBucket(int index);
    static int64_t HighestInBucket(int index);

  private:
    int64_t highest_;
    std::vector<int64_t> counts_;
    int64_t total_ = 0;
    int64_t min_ = 0;
    int64_t max_ = 0;
    int64_t saturated_ = 0;
    double sum_ = 0;
};

// The figures every report shows for one histogram of nanosecond latencies.
struct LatencySummary {
    int64_t count = 0;
    double mean_ms = 0;
    double p50_ms = 0;
    double p90_ms = 0;
    double p99_ms = 0;
    double p999_ms = 0;
    double max_ms = 0;
};

LatencySummary Summarize(const Histogram& nanoseconds);

}  // namespace emporium::loadgen

#include "loadgen/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>

namespace emporium::loadgen {
namespace {

constexpr int64_t kExactValues = int64_t{1} << Histogram::kSubBucketBits;  // 2048
constexpr int64_t kHalf = kExactValues / 2;                                // sub-buckets per octave

}  // namespace

int Histogram::IndexOf(int64_t value) {
    if (value < kExactValues) return static_cast<int>(std::max<int64_t>(value, 0));
    // value has bit_width >= kSubBucketBits + 1; shift it down to kSubBucketBits bits.
    int shift = std::bit_width(static_cast<uint64_t>(value)) - kSubBucketBits;
    return static_cast<int>(shift * kHalf + (value >> shift));
}

int64_t Histogram::LowestInBucket(int index) {
    if (index < kExactValues) return index;
    int shift = static_cast<int>(index / kHalf) - 1;
    int64_t mantissa = index - shift * kHalf;
    return mantissa << shift;
}

int64_t Histogram::HighestInBucket(int index) {
    if (index < kExactValues) return index;
    int shift = static_cast<int>(index / kHalf) - 1;
    return LowestInBucket(index) + (int64_t{1} << shift) - 1;
}

Histogram::Histogram(int64_t highest) : highest_(highest) {
    if (highest < kExactValues) throw std::invalid_argument("Histogram: highest must be at least 2048");
    counts_.assign(static_cast<std::size_t>(IndexOf(highest)) + 1, 0);
}

void Histogram::Record(int64_t value, int64_t count) {
    if (count <= 0) return;
    value = std::max<int64_t>(value, 0);
    if (value > highest_) {
        value = highest_;
        saturated_ += count;
    }
    counts_[static_cast<std::size_t>(IndexOf(value))] += count;
    if (total_ == 0 || value < min_) min_ = value;
    max_ = std::max(max_, value);
    total_ += count;
    sum_ += static_cast<double>(value) * static_cast<double>(count);
}

void Histogram::Merge(const Histogram& other) {
    if (other.highest_ != highest_) throw std::invalid_argument("Histogram::Merge: different ranges");
    if (other.total_ == 0) return;
    for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    min_ = total_ == 0 ? other.min_ : std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
    total_ += other.total_;
    saturated_ += other.saturated_;
    sum_ += other.sum_;
}

void Histogram::Reset() {
    std::fill(counts_.begin(), counts_.end(), 0);
    total_ = min_ = max_ = saturated_ = 0;
    sum_ = 0;
}

int64_t Histogram::ValueAtPercentile(double percentile) const {
    if (total_ == 0) return 0;
    percentile = std::clamp(percentile, 0.0, 100.0);
    // The epsilon keeps 99.9 % of 1000 at rank 999 despite 99.9 not being exact in binary.
    auto rank = static_cast<int64_t>(std::ceil(percentile / 100.0 * static_cast<double>(total_) - 1e-7));
    rank = std::clamp<int64_t>(rank, 1, total_);
    int64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
        seen += counts_[i];
        if (seen >= rank) return std::min(HighestInBucket(static_cast<int>(i)), max_);
    }
    return max_;
}

LatencySummary Summarize(const Histogram& h) {
    auto ms = [](double ns) { return ns / 1e6; };
    LatencySummary s;
    s.count = h.count();
    s.mean_ms = ms(h.mean());
    s.p50_ms = ms(static_cast<double>(h.ValueAtPercentile(50)));
    s.p90_ms = ms(static_cast<double>(h.ValueAtPercentile(90)));
    s.p99_ms = ms(static_cast<double>(h.ValueAtPercentile(99)));
    s.p999_ms = ms(static_cast<double>(h.ValueAtPercentile(99.9)));
    s.max_ms = ms(static_cast<double>(h.max()));
    return s;
}

}  // namespace emporium::loadgen

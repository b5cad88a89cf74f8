#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace emporium::observability {

// Lock-free instruments, rendered in the Prometheus text exposition format 0.0.4.
class Counter {
  public:
    void Add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
    uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<uint64_t> value_{0};
};

class Gauge {
  public:
    void Add(int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
    void Set(int64_t n) { value_.store(n, std::memory_order_relaxed); }
    int64_t Value() const { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<int64_t> value_{0};
};

// Latency histogram with fixed buckets from 100 µs to 10 s.
class LatencyHistogram {
  public:
    static constexpr std::array<double, 16> kBucketSeconds = {
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0};
    void Observe(int64_t nanoseconds);
    // Appends the _bucket/_sum/_count samples of this histogram; `labels` is `a="b",c="d"` or empty.
    void Render(std::string& out, std::string_view name, std::string_view labels) const;
    uint64_t Count() const { return count_.load(std::memory_order_relaxed); }

  private:
    std::array<std::atomic<uint64_t>, kBucketSeconds.size()> buckets_{};  // non-cumulative
    std::atomic<uint64_t> count_{0};
    std::atomic<uint64_t> sum_nanoseconds_{0};
};

// Appends "# HELP" and "# TYPE" lines for one metric family.
void AppendFamilyHeader(std::string& out, std::string_view name, std::string_view type, std::string_view help);
// Appends one sample line: name{labels} value
void AppendSample(std::string& out, std::string_view name, std::string_view labels, double value);
void AppendSample(std::string& out, std::string_view name, std::string_view labels, int64_t value);
// Escapes a label value (\, ", newline).
std::string EscapeLabel(std::string_view value);

// The process-wide list of collectors; each renders whole metric families. Modules register
// a collector at start-up; GET /metrics concatenates them.
class MetricsRegistry {
  public:
    using Collector = std::function<void(std::string&)>;
    void Add(Collector collector);
    std::string Render() const;

  private:
    mutable std::mutex mutex_;
    std::vector<Collector> collectors_;
};

}  // namespace emporium::observability

#pragma once

#include <array>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "resilience/rate_limit_store.hpp"

namespace emporium::resilience {

// RateLimitStore in this process's memory (the embedded deployment). Sharded by key; a
// shard drops the keys whose state is back to the start whenever it grows past a bound, so
// a flood of distinct keys (addresses) cannot grow it without end.
class MemoryRateLimitStore final : public RateLimitStore {
  public:
    core::Result<BucketDecision> TakeToken(const core::RequestContext& ctx, std::string_view key,
                                           const BucketLimit& limit, int64_t now_ms) override;
    core::Result<WindowCount> AddToWindow(const core::RequestContext& ctx, std::string_view key,
                                          std::chrono::milliseconds window, int64_t now_ms) override;
    core::Result<WindowCount> CountWindow(const core::RequestContext& ctx, std::string_view key,
                                          std::chrono::milliseconds window, int64_t now_ms) override;
    core::Result<void> ClearWindow(const core::RequestContext& ctx, std::string_view key) override;

    int64_t Size() const;

  private:
    struct Bucket {
        double tokens = 0;
        int64_t at_ms = 0;
        int64_t full_at_ms = 0;  // when it is full again: after that, it is as if never seen
    };
    struct Window {
        std::deque<int64_t> events;  // times, oldest first
        int64_t window_ms = 0;
    };
    struct Shard {
        mutable std::mutex mutex;
        std::unordered_map<std::string, Bucket> buckets;
        std::unordered_map<std::string, Window> windows;
    };
    Shard& ShardFor(std::string_view key);
    static void Forget(Shard& shard, int64_t now_ms);
    static WindowCount Count(Window& window, int64_t now_ms);

    std::array<Shard, 16> shards_;
};

}  // namespace emporium::resilience

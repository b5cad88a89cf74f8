#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "core/request_context.hpp"
#include "core/result.hpp"

namespace emporium::resilience {

// A token bucket's shape: it holds at most `burst` tokens and gains `per_second` a second.
struct BucketLimit {
    double per_second = 1;
    int64_t burst = 1;
};

struct BucketDecision {
    bool allowed = false;
    int64_t remaining = 0;                     // whole tokens left after this call
    std::chrono::milliseconds retry_after{0};  // refused: when one token is back; 0 when allowed
    std::chrono::milliseconds full_after{0};   // when the bucket is full again (the limit's reset)
};

struct WindowCount {
    int64_t count = 0;  // events in the window ending now
    // When the oldest of them leaves the window (the count drops); 0 when it is empty.
    std::chrono::milliseconds oldest_leaves_in{0};
};

// The rate-limit counter store port: token buckets (request rates) and sliding windows
// (failed logins), each under a key the caller chooses ("ip:203.0.113.7:browse"). Time
// is the caller's (`now_ms`, Unix milliseconds), so processes sharing a store agree as
// far as their clocks do. Every operation is atomic per key: callers racing on one bucket
// never take more than it holds. Keys nobody touches go away by themselves once their
// state would be back to the start (a full bucket, an empty window). Adapters: in-process
// memory (embedded) and Redis (one Lua script per call). Thread-safe.
class RateLimitStore {
  public:
    virtual ~RateLimitStore() = default;

    // Takes one token from the bucket `key` shaped `limit` (a bucket never seen starts full).
    virtual core::Result<BucketDecision> TakeToken(const core::RequestContext& ctx, std::string_view key,
                                                   const BucketLimit& limit, int64_t now_ms) = 0;
    // Records one event at `now_ms` in the sliding window `key` of length `window`; returns
    // the count with it.
    virtual core::Result<WindowCount> AddToWindow(const core::RequestContext& ctx, std::string_view key,
                                                  std::chrono::milliseconds window, int64_t now_ms) = 0;
    // The count of the window `key` now, adding nothing.
    virtual core::Result<WindowCount> CountWindow(const core::RequestContext& ctx, std::string_view key,
                                                  std::chrono::milliseconds window, int64_t now_ms) = 0;
    // Forgets the window `key` (a successful login clears its account's failures).
    virtual core::Result<void> ClearWindow(const core::RequestContext& ctx, std::string_view key) = 0;
};

}  // namespace emporium::resilience

#include "resilience/storage/memory_rate_limit_store.hpp"

#include <algorithm>
#include <cmath>

#include "core/deadline.hpp"

namespace emporium::resilience {

using core::Result;

namespace {

// A shard past this many keys forgets those back at their start on its next change.
constexpr std::size_t kShardKeysBeforeSweep = 4096;
// Events one window keeps at most: a count saturates there (far above any limit we set).
constexpr std::size_t kMaxWindowEvents = 10'000;

}  // namespace

MemoryRateLimitStore::Shard& MemoryRateLimitStore::ShardFor(std::string_view key) {
    return shards_[std::hash<std::string_view>{}(key) % shards_.size()];
}

void MemoryRateLimitStore::Forget(Shard& shard, int64_t now_ms) {
    if (shard.buckets.size() + shard.windows.size() < kShardKeysBeforeSweep) return;
    std::erase_if(shard.buckets, [&](const auto& entry) { return entry.second.full_at_ms <= now_ms; });
    std::erase_if(shard.windows, [&](const auto& entry) {
        const Window& window = entry.second;
        return window.events.empty() || window.events.back() <= now_ms - window.window_ms;
    });
}

Result<BucketDecision> MemoryRateLimitStore::TakeToken(const core::RequestContext& ctx, std::string_view key,
                                                       const BucketLimit& limit, int64_t now_ms) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    double rate = std::max(limit.per_second, 1e-9);
    auto burst = static_cast<double>(std::max<int64_t>(limit.burst, 1));
    Shard& shard = ShardFor(key);
    std::lock_guard lock(shard.mutex);
    Forget(shard, now_ms);
    auto [found, added] = shard.buckets.try_emplace(std::string(key));
    Bucket& bucket = found->second;
    if (added || bucket.full_at_ms <= now_ms) {
        bucket.tokens = burst;
        bucket.at_ms = now_ms;
    } else if (now_ms > bucket.at_ms) {
        bucket.tokens = std::min(burst, bucket.tokens + static_cast<double>(now_ms - bucket.at_ms) * rate / 1000.0);
        bucket.at_ms = now_ms;
    }
    BucketDecision decision;
    if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        decision.allowed = true;
    } else {
        decision.retry_after =
            std::chrono::milliseconds(static_cast<int64_t>(std::ceil((1 - bucket.tokens) * 1000 / rate)));
    }
    decision.remaining = static_cast<int64_t>(std::floor(bucket.tokens));
    decision.full_after =
        std::chrono::milliseconds(static_cast<int64_t>(std::ceil((burst - bucket.tokens) * 1000 / rate)));
    bucket.full_at_ms = bucket.at_ms + decision.full_after.count();
    return decision;
}

WindowCount MemoryRateLimitStore::Count(Window& window, int64_t now_ms) {
    while (!window.events.empty() && window.events.front() <= now_ms - window.window_ms) window.events.pop_front();
    WindowCount count;
    count.count = static_cast<int64_t>(window.events.size());
    if (!window.events.empty())
        count.oldest_leaves_in = std::chrono::milliseconds(window.events.front() + window.window_ms - now_ms);
    return count;
}

Result<WindowCount> MemoryRateLimitStore::AddToWindow(const core::RequestContext& ctx, std::string_view key,
                                                      std::chrono::milliseconds window, int64_t now_ms) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    Shard& shard = ShardFor(key);
    std::lock_guard lock(shard.mutex);
    Forget(shard, now_ms);
    Window& found = shard.windows[std::string(key)];
    found.window_ms = window.count();
    if (found.events.size() >= kMaxWindowEvents) found.events.pop_front();
    found.events.push_back(now_ms);
    return Count(found, now_ms);
}

Result<WindowCount> MemoryRateLimitStore::CountWindow(const core::RequestContext& ctx, std::string_view key,
                                                      std::chrono::milliseconds window, int64_t now_ms) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    Shard& shard = ShardFor(key);
    std::lock_guard lock(shard.mutex);
    auto found = shard.windows.find(std::string(key));
    if (found == shard.windows.end()) return WindowCount{};
    found->second.window_ms = window.count();
    return Count(found->second, now_ms);
}

Result<void> MemoryRateLimitStore::ClearWindow(const core::RequestContext& ctx, std::string_view key) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    Shard& shard = ShardFor(key);
    std::lock_guard lock(shard.mutex);
    shard.windows.erase(std::string(key));
    return core::Ok();
}

int64_t MemoryRateLimitStore::Size() const {
    int64_t size = 0;
    for (const auto& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        size += static_cast<int64_t>(shard.buckets.size() + shard.windows.size());
    }
    return size;
}

}  // namespace emporium::resilience

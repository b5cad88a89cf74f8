#pragma once

#include <string>

#include "infra/redis/client.hpp"
#include "resilience/rate_limit_store.hpp"

namespace emporium::resilience {

// RateLimitStore on a Redis server, shared by every process of the deployment: a bucket is
// a hash and a window a sorted set under "<prefix>rl:<key>", each call one Lua script, and
// each key expires when its state is back to the start. Redis down: kUnavailable (the
// caller decides whether to let the request through).
class RedisRateLimitStore final : public RateLimitStore {
  public:
    RedisRateLimitStore(infra::redis::Client& redis, std::string prefix);

    core::Result<BucketDecision> TakeToken(const core::RequestContext& ctx, std::string_view key,
                                           const BucketLimit& limit, int64_t now_ms) override;
    core::Result<WindowCount> AddToWindow(const core::RequestContext& ctx, std::string_view key,
                                          std::chrono::milliseconds window, int64_t now_ms) override;
    core::Result<WindowCount> CountWindow(const core::RequestContext& ctx, std::string_view key,
                                          std::chrono::milliseconds window, int64_t now_ms) override;
    core::Result<void> ClearWindow(const core::RequestContext& ctx, std::string_view key) override;

  private:
    std::string KeyOf(std::string_view key) const;
    core::Result<WindowCount> Window(const core::RequestContext& ctx, std::string_view key,
                                     std::chrono::milliseconds window, int64_t now_ms, bool add);

    infra::redis::Client& redis_;
    std::string prefix_;
};

}  // namespace emporium::resilience

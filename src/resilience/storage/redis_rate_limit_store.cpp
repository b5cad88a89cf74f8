#include "resilience/storage/redis_rate_limit_store.hpp"

#include <cstdio>

#include "core/random.hpp"

namespace emporium::resilience {

using core::Error;
using core::Result;

namespace {

// KEYS: the bucket. ARGV: tokens a second, burst, now (ms). Returns {allowed (0/1),
// whole tokens left, retry after ms, full after ms}. A clock behind the stored time (another
// process's) refills nothing rather than going back.
infra::redis::Script kTakeToken(R"lua(
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
elseif now > at then
  tokens = math.min(burst, tokens + (now - at) * rate / 1000)
  at = now
end
local allowed = 0
local retry = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry = math.ceil((1 - tokens) * 1000 / rate)
end
local full = math.ceil((burst - tokens) * 1000 / rate)
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], math.max(full, 1))
return {allowed, math.floor(tokens), retry, full}
)lua");

// KEYS: the window. ARGV: now (ms), window (ms), the new event's member ("" adds nothing).
// Returns {count, ms until the oldest leaves}.
infra::redis::Script kWindow(R"lua(
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if ARGV[3] ~= '' then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
end
local count = redis.call('ZCARD', KEYS[1])
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local leaves = 0
if oldest[2] then leaves = tonumber(oldest[2]) + window - now end
return {count, leaves}
)lua");

// A double as Lua reads it back unchanged (std::to_string keeps 6 decimals: 1e-7 became 0).
std::string ExactDecimal(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.17g", value);
    return text;
}

int64_t IntAt(const infra::redis::Reply& reply, std::size_t i) {
    return i < reply.elements.size() ? reply.elements[i].integer : 0;
}

}  // namespace

RedisRateLimitStore::RedisRateLimitStore(infra::redis::Client& redis, std::string prefix)
    : redis_(redis), prefix_(std::move(prefix)) {}

std::string RedisRateLimitStore::KeyOf(std::string_view key) const { return prefix_ + "rl:" + std::string(key); }

Result<BucketDecision> RedisRateLimitStore::TakeToken(const core::RequestContext& ctx, std::string_view key,
                                                      const BucketLimit& limit, int64_t now_ms) {
    EMPORIUM_ASSIGN_OR_RETURN(auto reply,
                              redis_.Eval(ctx, kTakeToken, {KeyOf(key)},
                                          {ExactDecimal(std::max(limit.per_second, 1e-9)),
                                           std::to_string(std::max<int64_t>(limit.burst, 1)), std::to_string(now_ms)}));
    if (reply.elements.size() != 4) return Error::Internal("the token bucket script answered oddly");
    BucketDecision decision;
    decision.allowed = IntAt(reply, 0) == 1;
    decision.remaining = IntAt(reply, 1);
    decision.retry_after = std::chrono::milliseconds(IntAt(reply, 2));
    decision.full_after = std::chrono::milliseconds(IntAt(reply, 3));
    return decision;
}

Result<WindowCount> RedisRateLimitStore::Window(const core::RequestContext& ctx, std::string_view key,
                                                std::chrono::milliseconds window, int64_t now_ms, bool add) {
    // Two events at one millisecond are two members: the member carries a random suffix.
    std::string member = add ? std::to_string(now_ms) + ":" + core::RandomToken(6) : std::string();
    EMPORIUM_ASSIGN_OR_RETURN(
        auto reply,
        redis_.Eval(ctx, kWindow, {KeyOf(key)}, {std::to_string(now_ms), std::to_string(window.count()), member}));
    if (reply.elements.size() != 2) return Error::Internal("the window script answered oddly");
    return WindowCount{IntAt(reply, 0), std::chrono::milliseconds(IntAt(reply, 1))};
}

Result<WindowCount> RedisRateLimitStore::AddToWindow(const core::RequestContext& ctx, std::string_view key,
                                                     std::chrono::milliseconds window, int64_t now_ms) {
    return Window(ctx, key, window, now_ms, true);
}

Result<WindowCount> RedisRateLimitStore::CountWindow(const core::RequestContext& ctx, std::string_view key,
                                                     std::chrono::milliseconds window, int64_t now_ms) {
    return Window(ctx, key, window, now_ms, false);
}

Result<void> RedisRateLimitStore::ClearWindow(const core::RequestContext& ctx, std::string_view key) {
    EMPORIUM_TRY(redis_.Run(ctx, {"DEL", KeyOf(key)}));
    return core::Ok();
}

}  // namespace emporium::resilience

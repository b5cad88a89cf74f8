#pragma once

#include <cstdint>

#include "core/request_context.hpp"
#include "core/result.hpp"
#include "services/orders/orders_repository.hpp"

namespace emporium::orders {

// How long an order's Idempotency-Key is remembered: a day, as payment providers do (a
// client retries within minutes, and the table must not grow forever).
inline constexpr int64_t kIdempotencyRetentionSeconds = 24 * 3600;

// Forgets, in every shard, the idempotency records older than the retention at `now`
// (Unix seconds). Returns how many; the first failing shard's error fails the call after
// the other shards were tried.
core::Result<int64_t> ForgetOldIdempotencyKeys(const core::RequestContext& ctx, OrdersRepository& repository,
                                               int64_t now);

}  // namespace emporium::orders

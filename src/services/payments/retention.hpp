#pragma once

#include <cstdint>

#include "core/request_context.hpp"
#include "core/result.hpp"
#include "services/payments/payments_repository.hpp"

namespace emporium::payments {

// How long a keyed payment request (Idempotency-Key) is remembered: a day, as the
// provider does.
inline constexpr int64_t kKeyedRequestRetentionSeconds = 24 * 3600;

// Forgets keyed requests older than the retention at `now` (Unix seconds); returns how many.
core::Result<int64_t> ForgetOldKeyedRequests(const core::RequestContext& ctx, PaymentsRepository& repository,
                                             int64_t now);

}  // namespace emporium::payments

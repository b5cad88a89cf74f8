#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/request_context.hpp"
#include "core/result.hpp"
#include "services/payments/payments_service.hpp"

namespace emporium::payments {

// Storage port of the payments service. Blocking, thread-safe.
// Every method takes the caller's context first and answers kUnavailable, touching
// nothing, when its deadline has passed.
class PaymentsRepository {
  public:
    virtual ~PaymentsRepository() = default;
    // kConflict when the order already has a payment.
    virtual core::Result<void> Insert(const core::RequestContext& ctx, const Payment& payment) = 0;
    virtual core::Result<Payment> FindByOrder(const core::RequestContext& ctx, std::string_view order_id) = 0;
    // Replaces the mutable fields (status, charge id, failure code, attempts, retry time, the
    // card's last four digits and brand, which a token payment learns from the charge) if
    // the stored status is still `expected`: true when it did. Settling is a compare-and-set,
    // so of two concurrent settlers (request, webhook, background retry) only one acts.
    // Settling to kSucceeded also publishes "PaymentSucceeded" in the same transaction: the
    // order is marked paid right after, and the event repairs it if the process dies between.
    virtual core::Result<bool> Update(const core::RequestContext& ctx, const Payment& payment,
                                      PaymentStatus expected) = 0;
    virtual core::Result<std::vector<Payment>> FindDue(const core::RequestContext& ctx, int64_t now, int limit) = 0;
    // Inserts a running claim (status 0) for (user_id, key) and answers nullopt; if the user
    // already has that key, answers the stored row instead, unless it is a claim made before
    // `stale_before`, which is taken over (fingerprint and time replaced) as if new.
    virtual core::Result<std::optional<KeyedRequest>> ClaimKeyedRequest(const core::RequestContext& ctx,
                                                                        std::string_view user_id, std::string_view key,
                                                                        std::string_view fingerprint, int64_t now,
                                                                        int64_t stale_before) = 0;
    // Forgets the keyed requests made before `before` (Unix seconds; long past any running
    // request), a bounded number per transaction; returns how many.
    virtual core::Result<int64_t> PruneKeyedRequests(const core::RequestContext& ctx, int64_t before) = 0;
    // Stores the answer of the claim made at `answer.claimed_at`; `forget` deletes the claim
    // instead. False (and nothing changed) when that claim was taken over meanwhile.
    virtual core::Result<bool> FinishKeyedRequest(const core::RequestContext& ctx, std::string_view user_id,
                                                  const KeyedRequest& answer, bool forget) = 0;
};

}  // namespace emporium::payments

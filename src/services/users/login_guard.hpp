#pragma once

#include <string_view>

#include "core/request_context.hpp"
#include "core/result.hpp"
#include "resilience/rate_limit_store.hpp"

namespace emporium::users {

struct LoginGuardSettings {
    int failures_per_account = 5;   // within 5 minutes; twice as many within an hour, four times within a day
    int failures_per_address = 30;  // the same tiers, per client address
};

// Failed-login limits: sliding windows per account (the normalised email, whether or not
// an account has it, so the answer never tells which exist) and per client address. Past a
// tier's count the key is refused until the oldest failure in that tier's window leaves
// it: the lock-out grows from minutes to a day as failures go on. Success clears the
// account's failures (never the address's). A counter store that fails lets logins
// through: its absence must not lock every shopper out. Thread-safe.
class LoginGuard {
  public:
    LoginGuard(resilience::RateLimitStore& store, LoginGuardSettings settings) : store_(store), settings_(settings) {}

    // kTooManyRequests with retry_after while the account or the address is locked out.
    core::Result<void> Check(const core::RequestContext& ctx, std::string_view normalized_email);
    void RecordFailure(const core::RequestContext& ctx, std::string_view normalized_email);
    void RecordSuccess(const core::RequestContext& ctx, std::string_view normalized_email);

  private:
    resilience::RateLimitStore& store_;
    LoginGuardSettings settings_;
};

}  // namespace emporium::users

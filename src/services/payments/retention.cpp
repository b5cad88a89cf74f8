#include "services/payments/retention.hpp"

namespace emporium::payments {

core::Result<int64_t> ForgetOldKeyedRequests(const core::RequestContext& ctx, PaymentsRepository& repository,
                                             int64_t now) {
    return repository.PruneKeyedRequests(ctx, now - kKeyedRequestRetentionSeconds);
}

}  // namespace emporium::payments

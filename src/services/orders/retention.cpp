#include "services/orders/retention.hpp"

#include <optional>

namespace emporium::orders {

core::Result<int64_t> ForgetOldIdempotencyKeys(const core::RequestContext& ctx, OrdersRepository& repository,
                                               int64_t now) {
    int64_t forgotten = 0;
    std::optional<core::Error> failure;
    for (int shard = 0; shard < repository.ShardCount(); ++shard) {
        auto pruned = repository.PruneIdempotency(ctx, shard, now - kIdempotencyRetentionSeconds);
        if (pruned.ok())
            forgotten += *pruned;
        else if (!failure)
            failure = pruned.error();
    }
    if (failure) return *failure;
    return forgotten;
}

}  // namespace emporium::orders

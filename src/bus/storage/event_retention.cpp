#include "bus/storage/event_retention.hpp"

namespace emporium::bus {

core::Result<int64_t> PruneOldEvents(const PrunePassedEvents& prune_passed,
                                     const std::vector<std::unique_ptr<OutboxStore>>& consumer_stores, int64_t now) {
    int64_t before = now - kEventRetentionSeconds;
    EMPORIUM_ASSIGN_OR_RETURN(int64_t pruned, prune_passed(before));
    // A sweep of its own, not a request: bounded, so a stuck database does not hold it forever.
    for (const auto& store : consumer_stores)
        EMPORIUM_TRY(store->PruneHandledEvents(core::RequestContext{}.Detached(std::chrono::minutes(1)), before));
    return pruned;
}

}  // namespace emporium::bus

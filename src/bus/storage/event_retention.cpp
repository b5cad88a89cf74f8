#include "bus/storage/event_retention.hpp"

#include "infra/sqlite/outbox.hpp"

namespace emporium::bus {

core::Result<int64_t> PruneOldEvents(LocalEventBus& bus, infra::sqlite::Database& consumer_store, int64_t now) {
    int64_t before = now - kEventRetentionSeconds;
    EMPORIUM_ASSIGN_OR_RETURN(int64_t pruned, bus.PruneDelivered(before));
    EMPORIUM_TRY(infra::sqlite::PruneHandledEvents(consumer_store, before));
    return pruned;
}

}  // namespace emporium::bus

#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "bus/storage/outbox_store.hpp"
#include "core/result.hpp"

namespace emporium::bus {

// Delivered events are kept a day (for operators, and for a new consumer to catch up on).
inline constexpr int64_t kEventRetentionSeconds = 24 * 3600;

// Deletes the outbox events the bus no longer needs that occurred before `before` (Unix
// seconds), returning how many went: LocalEventBus::PruneDelivered (every consumer passed
// them) or RabbitMqEventBus::PruneRelayed (the broker has them).
using PrunePassedEvents = std::function<core::Result<int64_t>(int64_t before)>;

// Deletes the events older than the retention at `now` (Unix seconds) that the bus has
// passed, then the consumers' records of having handled events that old in every one of
// `consumer_stores` (they can no longer be delivered again). Returns the events deleted.
core::Result<int64_t> PruneOldEvents(const PrunePassedEvents& prune_passed,
                                     const std::vector<std::unique_ptr<OutboxStore>>& consumer_stores, int64_t now);

}  // namespace emporium::bus

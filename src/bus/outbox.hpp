#pragma once

#include <string>
#include <string_view>

#include "bus/event.hpp"
#include "core/result.hpp"
#include "infra/sqlite/connection.hpp"
#include "infra/sqlite/database.hpp"

namespace emporium::bus {

// A new event with a fresh id.
Event NewEvent(std::string type, std::string aggregate_id, std::string payload, int64_t occurred_at);

// Appends `event` to the outbox of the database `connection` belongs to. Call it inside
// the write job that makes the state change it announces: the event exists if and only
// if the change committed.
core::Result<void> AppendToOutbox(infra::sqlite::Connection& connection, const Event& event);

// Consumer side of idempotency: records that `consumer` handled `event_id`, inside the
// consumer's own write job. Returns false when it had been handled before, in which case
// the caller skips its work (and its write job commits nothing new).
core::Result<bool> MarkHandled(infra::sqlite::Connection& connection, std::string_view consumer,
                               std::string_view event_id, int64_t now);

// Forgets handled events recorded before `before` (Unix seconds). Call it only for events
// older than the outbox retention: they can no longer be delivered again.
core::Result<int64_t> PruneHandledEvents(infra::sqlite::Database& db, int64_t before);

}  // namespace emporium::bus

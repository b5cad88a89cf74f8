#pragma once

#include <string_view>

#include "bus/event.hpp"
#include "core/result.hpp"
#include "infra/sqlite/connection.hpp"
#include "infra/sqlite/database.hpp"

// The SQLite side of the event bus's guarantees, used by the services' SQLite repositories
// and by the SQLite event bus (bus/storage/): the transactional outbox and the consumers'
// records of handled events (tables of schemas/sqlite/bus).
namespace emporium::infra::sqlite {

// Appends `event` to the outbox of the database `connection` belongs to. Call it inside
// the write job that makes the state change it announces: the event exists if and only
// if the change committed.
core::Result<void> AppendToOutbox(Connection& connection, const bus::Event& event);

// Consumer side of idempotency: records that `consumer` handled `event_id`, inside the
// consumer's own write job. Returns false when it had been handled before, in which case
// the caller skips its work (and its write job commits nothing new).
core::Result<bool> MarkHandled(Connection& connection, std::string_view consumer, std::string_view event_id,
                               int64_t now);

// Whether `consumer` recorded `event_id` as handled (a read inside any transaction).
core::Result<bool> WasHandled(Connection& connection, std::string_view consumer, std::string_view event_id);

// Forgets handled events recorded before `before` (Unix seconds). Call it only for events
// older than the outbox retention: they can no longer be delivered again.
core::Result<int64_t> PruneHandledEvents(Database& db, int64_t before);

}  // namespace emporium::infra::sqlite

#pragma once

#include <string_view>

#include "bus/event.hpp"
#include "core/request_context.hpp"
#include "core/result.hpp"
#include "infra/postgres/connection.hpp"
#include "infra/postgres/database.hpp"

// The PostgreSQL side of the event bus's guarantees, used by the services' PostgreSQL
// repositories and by the bus's PostgreSQL outbox source: the transactional outbox and the
// consumers' records of handled events (tables of schemas/postgres/bus).
namespace emporium::infra::postgres {

// Appends `event` to the outbox of the database `connection` belongs to. Call it inside the
// Write job that makes the state change it announces: the event exists if and only if the
// change committed. The insert is queued: it travels with the job's next statement or its
// COMMIT, and a failure fails the job.
void AppendToOutbox(Connection& connection, const bus::Event& event);

// Consumer side of idempotency: records that `consumer` handled `event_id`, inside the
// consumer's own Write job. Returns false when it had been handled before, in which case
// the caller skips its work.
core::Result<bool> MarkHandled(Connection& connection, std::string_view consumer, std::string_view event_id,
                               int64_t now);

// Whether `consumer` recorded `event_id` as handled.
core::Result<bool> WasHandled(Connection& connection, std::string_view consumer, std::string_view event_id);

// Forgets handled events recorded before `before` (Unix seconds). Call it only for events
// older than the outbox retention: they can no longer be delivered again.
core::Result<int64_t> PruneHandledEvents(const core::RequestContext& ctx, Database& db, int64_t before);

}  // namespace emporium::infra::postgres

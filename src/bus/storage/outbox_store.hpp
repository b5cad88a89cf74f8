#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "bus/event.hpp"
#include "bus/event_bus.hpp"
#include "core/request_context.hpp"
#include "core/result.hpp"

namespace emporium::bus {

// Where one consumer stands in one outbox.
struct ConsumerState {
    int64_t position = 0;         // the last sequence it handled or dead-lettered
    int attempts = 0;             // failed attempts at the event after `position`
    int64_t next_attempt_at = 0;  // Unix milliseconds; 0 when no retry is scheduled
};

// The storage port of the embedded event bus (LocalEventBus): one database's outbox, its
// consumers' positions, its dead letters and its consumers' records of handled events
// (tables of schemas/<engine>/bus). The bus decides; a store only reads and writes what it
// is told. Adapters: SQLite and PostgreSQL (bus/storage/). Every method refuses work
// whose deadline has passed (kUnavailable), as it does a database that is down.
// Thread-safe.
class OutboxStore {
  public:
    virtual ~OutboxStore() = default;

    // `consumer`'s saved state; all zero for a consumer never saved.
    virtual core::Result<ConsumerState> ReadConsumer(const core::RequestContext& ctx, std::string_view consumer) = 0;
    // At most `limit` events with a sequence above `after`, in sequence order. An event is
    // readable once it committed, and never behind one read before it: a reader that has
    // passed sequence N never meets an event numbered N or lower afterwards.
    virtual core::Result<std::vector<Event>> ReadEvents(const core::RequestContext& ctx, int64_t after, int limit) = 0;
    // Saves `consumer`'s state with `last_error` (empty after a success) and, when given,
    // the dead letter of the event it gave up on (`dead.source` is not stored), in one
    // transaction: a letter is never written without the position that passes its event.
    virtual core::Result<void> SaveConsumer(const core::RequestContext& ctx, std::string_view consumer,
                                            const ConsumerState& state, std::string_view last_error,
                                            const std::optional<DeadLetter>& dead) = 0;

    // Stores `letter` (`source` is not stored) unless one with its id is stored already, so
    // recording the same letter again (its message delivered twice) keeps one. For a bus
    // that decides on dead letters elsewhere (RabbitMQ's recorder), without a position.
    virtual core::Result<void> SaveDeadLetter(const core::RequestContext& ctx, const DeadLetter& letter) = 0;
    // Newest failure first (then by id); at most `limit`. `source` is left empty.
    virtual core::Result<std::vector<DeadLetter>> ListDeadLetters(const core::RequestContext& ctx, int limit) = 0;
    // kNotFound for an unknown id. `source` is left empty.
    virtual core::Result<DeadLetter> FindDeadLetter(const core::RequestContext& ctx, std::string_view id) = 0;
    // Records that the letter's event was handled again at `at` (Unix seconds).
    virtual core::Result<void> MarkReplayed(const core::RequestContext& ctx, std::string_view id, int64_t at) = 0;

    // Deletes the events numbered `through` or lower that occurred before `before` (Unix
    // seconds). Returns how many went.
    virtual core::Result<int64_t> PruneEvents(const core::RequestContext& ctx, int64_t through, int64_t before) = 0;
    // Forgets the consumers' records of events handled before `before` (Unix seconds).
    virtual core::Result<int64_t> PruneHandledEvents(const core::RequestContext& ctx, int64_t before) = 0;
};

}  // namespace emporium::bus

#include "bus/storage/postgres_outbox_store.hpp"

#include "core/deadline.hpp"
#include "infra/postgres/outbox.hpp"

namespace emporium::bus {

using core::Error;
using core::Result;
using infra::postgres::Connection;
using infra::postgres::Params;

namespace {

// The relay (see PostgresOutboxStore::Relay).
constexpr std::string_view kAnyUnsequenced = "SELECT EXISTS (SELECT 1 FROM outbox WHERE sequence IS NULL)";
constexpr std::string_view kLockRelay =
    "UPDATE outbox_relay SET last_sequence = last_sequence WHERE id = 1 RETURNING last_sequence";
constexpr std::string_view kNumberEvents =
    "UPDATE outbox SET sequence = $1 + pending.n FROM (SELECT appended, row_number() OVER (ORDER BY appended) AS n "
    "FROM (SELECT appended FROM outbox WHERE sequence IS NULL ORDER BY appended LIMIT $2) AS oldest) AS pending "
    "WHERE outbox.appended = pending.appended";
constexpr std::string_view kAdvanceRelay = "UPDATE outbox_relay SET last_sequence = last_sequence + $1 WHERE id = 1";
// Events one relay numbers at most, oldest first: ten deliveries' worth, so numbering keeps
// ahead of consumers (who read at most batch_size events a delivery) in short transactions.
constexpr int64_t kRelayBatch = 1000;

constexpr std::string_view kSelectConsumer =
    "SELECT position, attempts, next_attempt_at FROM outbox_consumers WHERE consumer = $1";
constexpr std::string_view kSelectEvents =
    "SELECT sequence, id, type, aggregate_id, payload, occurred_at FROM outbox WHERE sequence > $1 "
    "ORDER BY sequence LIMIT $2";
constexpr std::string_view kUpsertConsumer =
    "INSERT INTO outbox_consumers (consumer, position, attempts, next_attempt_at, last_error) "
    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (consumer) DO UPDATE SET position = excluded.position, "
    "attempts = excluded.attempts, next_attempt_at = excluded.next_attempt_at, last_error = excluded.last_error";
constexpr std::string_view kInsertDeadLetter =
    "INSERT INTO dead_letters (id, consumer, event_id, type, aggregate_id, payload, occurred_at, sequence, attempts, "
    "error, failed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
constexpr std::string_view kInsertDeadLetterOnce =
    "INSERT INTO dead_letters (id, consumer, event_id, type, aggregate_id, payload, occurred_at, sequence, attempts, "
    "error, failed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING";
// Ids in byte order, as SQLite and the bus's merge of several sources compare them (the
// database's collation may order '_' and digits otherwise).
constexpr std::string_view kSelectDeadLetters =
    "SELECT id, consumer, event_id, type, aggregate_id, payload, occurred_at, sequence, attempts, error, failed_at, "
    "replayed_at FROM dead_letters ORDER BY failed_at DESC, id COLLATE \"C\" LIMIT $1";
constexpr std::string_view kSelectDeadLetter =
    "SELECT id, consumer, event_id, type, aggregate_id, payload, occurred_at, sequence, attempts, error, failed_at, "
    "replayed_at FROM dead_letters WHERE id = $1";
constexpr std::string_view kMarkReplayed = "UPDATE dead_letters SET replayed_at = $2 WHERE id = $1";
// In transactions of at most 1,000 rows, so a day's backlog never holds locks for long.
constexpr std::string_view kPruneOutbox =
    "DELETE FROM outbox WHERE appended = ANY (ARRAY (SELECT appended FROM outbox WHERE sequence <= $1 AND "
    "occurred_at < $2 LIMIT 1000))";
constexpr int64_t kPruneBatch = 1000;

// A row of kSelectDeadLetters or kSelectDeadLetter.
DeadLetter ReadDeadLetter(const infra::postgres::Row& row) {
    DeadLetter letter;
    letter.id = row.String(0);
    letter.consumer = row.String(1);
    letter.event = Event{row.String(2), row.String(3), row.String(4), row.String(5), row.Int(6), row.Int(7)};
    letter.attempts = static_cast<int>(row.Int(8));
    letter.error = row.String(9);
    letter.failed_at = row.Int(10);
    letter.replayed_at = row.OptionalInt(11);
    return letter;
}

Params DeadLetterParams(const DeadLetter& dead) {
    const Event& event = dead.event;
    return Params(dead.id, dead.consumer, event.id, event.type, event.aggregate_id, event.payload, event.occurred_at,
                  event.sequence, dead.attempts, dead.error, dead.failed_at);
}

}  // namespace

Result<void> PostgresOutboxStore::Relay(const core::RequestContext& ctx) {
    uint64_t ticket = relay_calls_.fetch_add(1) + 1;
    std::lock_guard relaying(relay_mutex_);
    if (relayed_tickets_ >= ticket) return core::Ok();  // a relay begun after this call asked has run
    // Every call that took its ticket by now asked before this relay's statements begin.
    uint64_t serves = relay_calls_.load();
    // Nothing to number, the usual case: one indexed look (outbox_unsequenced), no transaction.
    EMPORIUM_ASSIGN_OR_RETURN(bool pending, db_.Read<bool>(ctx, [](Connection& c) -> Result<bool> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(kAnyUnsequenced));
        return rows[0].Bool(0);
    }));
    if (pending) {
        EMPORIUM_TRY(db_.Write<void>(ctx, [](Connection& c) -> Result<void> {
            // The lock first, in a statement of its own: the numbering's snapshot is then
            // taken after the relay before this one committed (READ COMMITTED takes a
            // snapshot per statement), so it numbers nothing twice and nothing out of turn.
            EMPORIUM_ASSIGN_OR_RETURN(auto relay, c.Query(kLockRelay));
            if (relay.empty()) return Error::Internal("outbox_relay has no row: the bus migration did not run");
            int64_t last_sequence = relay[0].Int(0);
            EMPORIUM_ASSIGN_OR_RETURN(int64_t numbered, c.Exec(kNumberEvents, Params(last_sequence, kRelayBatch)));
            if (numbered > 0) c.Queue(kAdvanceRelay, Params(numbered));  // travels with the COMMIT
            return core::Ok();
        }));
    }
    relayed_tickets_ = serves;
    return core::Ok();
}

Result<ConsumerState> PostgresOutboxStore::ReadConsumer(const core::RequestContext& ctx, std::string_view consumer) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<ConsumerState>(ctx, [&](Connection& c) -> Result<ConsumerState> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(kSelectConsumer, Params(consumer)));
        if (rows.empty()) return ConsumerState{};
        return ConsumerState{rows[0].Int(0), static_cast<int>(rows[0].Int(1)), rows[0].Int(2)};
    });
}

Result<std::vector<Event>> PostgresOutboxStore::ReadEvents(const core::RequestContext& ctx, int64_t after, int limit) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    EMPORIUM_TRY(Relay(ctx));
    return db_.Read<std::vector<Event>>(ctx, [&](Connection& c) -> Result<std::vector<Event>> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(kSelectEvents, Params(after, limit)));
        std::vector<Event> events;
        events.reserve(static_cast<std::size_t>(rows.size()));
        for (int i = 0; i < rows.size(); ++i) {
            const auto row = rows[i];
            events.push_back(Event{row.String(1), row.String(2), row.String(3), row.String(4), row.Int(5), row.Int(0)});
        }
        return events;
    });
}

Result<void> PostgresOutboxStore::SaveConsumer(const core::RequestContext& ctx, std::string_view consumer,
                                               const ConsumerState& state, std::string_view last_error,
                                               const std::optional<DeadLetter>& dead) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    // Both statements travel with the COMMIT: one round trip.
    return db_.Write<void>(ctx, [&](Connection& c) -> Result<void> {
        if (dead) c.Queue(kInsertDeadLetter, DeadLetterParams(*dead));
        c.Queue(kUpsertConsumer, Params(consumer, state.position, state.attempts, state.next_attempt_at, last_error));
        return core::Ok();
    });
}

Result<void> PostgresOutboxStore::SaveDeadLetter(const core::RequestContext& ctx, const DeadLetter& letter) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<void>(ctx, [&](Connection& c) -> Result<void> {
        c.Queue(kInsertDeadLetterOnce, DeadLetterParams(letter));
        return core::Ok();
    });
}

Result<std::vector<DeadLetter>> PostgresOutboxStore::ListDeadLetters(const core::RequestContext& ctx, int limit) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<std::vector<DeadLetter>>(ctx, [&](Connection& c) -> Result<std::vector<DeadLetter>> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(kSelectDeadLetters, Params(limit)));
        std::vector<DeadLetter> letters;
        letters.reserve(static_cast<std::size_t>(rows.size()));
        for (int i = 0; i < rows.size(); ++i) letters.push_back(ReadDeadLetter(rows[i]));
        return letters;
    });
}

Result<DeadLetter> PostgresOutboxStore::FindDeadLetter(const core::RequestContext& ctx, std::string_view id) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<DeadLetter>(ctx, [&](Connection& c) -> Result<DeadLetter> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(kSelectDeadLetter, Params(id)));
        if (rows.empty()) return Error::NotFound("No such dead letter.");
        return ReadDeadLetter(rows[0]);
    });
}

Result<void> PostgresOutboxStore::MarkReplayed(const core::RequestContext& ctx, std::string_view id, int64_t at) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<void>(ctx, [&](Connection& c) -> Result<void> {
        c.Queue(kMarkReplayed, Params(id, at));
        return core::Ok();
    });
}

Result<int64_t> PostgresOutboxStore::PruneEvents(const core::RequestContext& ctx, int64_t through, int64_t before) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    int64_t total = 0;
    for (;;) {
        EMPORIUM_ASSIGN_OR_RETURN(int64_t deleted, db_.Write<int64_t>(ctx, [&](Connection& c) {
            return c.Exec(kPruneOutbox, Params(through, before));
        }));
        total += deleted;
        if (deleted < kPruneBatch) return total;
    }
}

Result<int64_t> PostgresOutboxStore::PruneHandledEvents(const core::RequestContext& ctx, int64_t before) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return infra::postgres::PruneHandledEvents(ctx, db_, before);
}

}  // namespace emporium::bus

#include "bus/storage/sqlite_outbox_store.hpp"

#include "core/deadline.hpp"
#include "infra/sqlite/outbox.hpp"

namespace emporium::bus {

using core::Error;
using core::Result;
using infra::sqlite::Connection;

namespace {

constexpr std::string_view kSelectConsumer =
    "SELECT position, attempts, next_attempt_at FROM outbox_consumers WHERE consumer = ?1";
constexpr std::string_view kSelectEvents =
    "SELECT sequence, id, type, aggregate_id, payload, occurred_at FROM outbox WHERE sequence > ?1 "
    "ORDER BY sequence LIMIT ?2";
constexpr std::string_view kUpsertConsumer =
    "INSERT INTO outbox_consumers (consumer, position, attempts, next_attempt_at, last_error) "
    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (consumer) DO UPDATE SET position = excluded.position, "
    "attempts = excluded.attempts, next_attempt_at = excluded.next_attempt_at, last_error = excluded.last_error";
constexpr std::string_view kInsertDeadLetter =
    "INSERT INTO dead_letters (id, consumer, event_id, type, aggregate_id, payload, occurred_at, sequence, attempts, "
    "error, failed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
constexpr std::string_view kInsertDeadLetterOnce =
    "INSERT INTO dead_letters (id, consumer, event_id, type, aggregate_id, payload, occurred_at, sequence, attempts, "
    "error, failed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT (id) DO NOTHING";
constexpr std::string_view kSelectDeadLetters =
    "SELECT id, consumer, event_id, type, aggregate_id, payload, occurred_at, sequence, attempts, error, failed_at, "
    "replayed_at FROM dead_letters ORDER BY failed_at DESC, id LIMIT ?1";
constexpr std::string_view kSelectDeadLetter =
    "SELECT id, consumer, event_id, type, aggregate_id, payload, occurred_at, sequence, attempts, error, failed_at, "
    "replayed_at FROM dead_letters WHERE id = ?1";
constexpr std::string_view kMarkReplayed = "UPDATE dead_letters SET replayed_at = ?2 WHERE id = ?1";
constexpr std::string_view kPruneOutbox = "DELETE FROM outbox WHERE sequence <= ?1 AND occurred_at < ?2";

// A row of kSelectDeadLetters or kSelectDeadLetter.
DeadLetter ReadDeadLetter(const infra::sqlite::Statement& row) {
    DeadLetter letter;
    letter.id = row.String(0);
    letter.consumer = row.String(1);
    letter.event = Event{row.String(2), row.String(3), row.String(4), row.String(5), row.Int(6), row.Int(7)};
    letter.attempts = static_cast<int>(row.Int(8));
    letter.error = row.String(9);
    letter.failed_at = row.Int(10);
    if (!row.IsNull(11)) letter.replayed_at = row.Int(11);
    return letter;
}

Result<void> InsertDeadLetter(Connection& c, std::string_view sql, const DeadLetter& dead) {
    EMPORIUM_ASSIGN_OR_RETURN(auto insert, c.Prepare(sql));
    insert.Bind(1, dead.id).Bind(2, dead.consumer).Bind(3, dead.event.id).Bind(4, dead.event.type);
    insert.Bind(5, dead.event.aggregate_id).Bind(6, dead.event.payload).Bind(7, dead.event.occurred_at);
    insert.Bind(8, dead.event.sequence).Bind(9, dead.attempts).Bind(10, dead.error);
    insert.Bind(11, dead.failed_at);
    return insert.Run();
}

}  // namespace

Result<ConsumerState> SqliteOutboxStore::ReadConsumer(const core::RequestContext& ctx, std::string_view consumer) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<ConsumerState>([&](Connection& c) -> Result<ConsumerState> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kSelectConsumer));
        stmt.Bind(1, consumer);
        EMPORIUM_ASSIGN_OR_RETURN(bool known, stmt.Step());
        if (!known) return ConsumerState{};
        return ConsumerState{stmt.Int(0), static_cast<int>(stmt.Int(1)), stmt.Int(2)};
    });
}

Result<std::vector<Event>> SqliteOutboxStore::ReadEvents(const core::RequestContext& ctx, int64_t after, int limit) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<std::vector<Event>>([&](Connection& c) -> Result<std::vector<Event>> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kSelectEvents));
        stmt.Bind(1, after).Bind(2, limit);
        std::vector<Event> events;
        while (true) {
            EMPORIUM_ASSIGN_OR_RETURN(bool row, stmt.Step());
            if (!row) break;
            events.push_back(
                Event{stmt.String(1), stmt.String(2), stmt.String(3), stmt.String(4), stmt.Int(5), stmt.Int(0)});
        }
        return events;
    });
}

Result<void> SqliteOutboxStore::SaveConsumer(const core::RequestContext& ctx, std::string_view consumer,
                                             const ConsumerState& state, std::string_view last_error,
                                             const std::optional<DeadLetter>& dead) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<void>([&](Connection& c) -> Result<void> {
        if (dead) EMPORIUM_TRY(InsertDeadLetter(c, kInsertDeadLetter, *dead));
        EMPORIUM_ASSIGN_OR_RETURN(auto upsert, c.Prepare(kUpsertConsumer));
        upsert.Bind(1, consumer).Bind(2, state.position).Bind(3, state.attempts);
        upsert.Bind(4, state.next_attempt_at).Bind(5, last_error);
        return upsert.Run();
    });
}

Result<void> SqliteOutboxStore::SaveDeadLetter(const core::RequestContext& ctx, const DeadLetter& letter) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<void>(
        [&](Connection& c) -> Result<void> { return InsertDeadLetter(c, kInsertDeadLetterOnce, letter); });
}

Result<std::vector<DeadLetter>> SqliteOutboxStore::ListDeadLetters(const core::RequestContext& ctx, int limit) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<std::vector<DeadLetter>>([&](Connection& c) -> Result<std::vector<DeadLetter>> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kSelectDeadLetters));
        stmt.Bind(1, limit);
        std::vector<DeadLetter> letters;
        while (true) {
            EMPORIUM_ASSIGN_OR_RETURN(bool row, stmt.Step());
            if (!row) break;
            letters.push_back(ReadDeadLetter(stmt));
        }
        return letters;
    });
}

Result<DeadLetter> SqliteOutboxStore::FindDeadLetter(const core::RequestContext& ctx, std::string_view id) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<DeadLetter>([&](Connection& c) -> Result<DeadLetter> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kSelectDeadLetter));
        stmt.Bind(1, id);
        EMPORIUM_ASSIGN_OR_RETURN(bool row, stmt.Step());
        if (!row) return Error::NotFound("No such dead letter.");
        return ReadDeadLetter(stmt);
    });
}

Result<void> SqliteOutboxStore::MarkReplayed(const core::RequestContext& ctx, std::string_view id, int64_t at) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<void>([&](Connection& c) -> Result<void> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kMarkReplayed));
        stmt.Bind(1, id).Bind(2, at);
        return stmt.Run();
    });
}

Result<int64_t> SqliteOutboxStore::PruneEvents(const core::RequestContext& ctx, int64_t through, int64_t before) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<int64_t>([&](Connection& c) -> Result<int64_t> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kPruneOutbox));
        stmt.Bind(1, through).Bind(2, before);
        EMPORIUM_TRY(stmt.Run());
        return c.ChangedRows();
    });
}

Result<int64_t> SqliteOutboxStore::PruneHandledEvents(const core::RequestContext& ctx, int64_t before) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return infra::sqlite::PruneHandledEvents(db_, before);
}

}  // namespace emporium::bus

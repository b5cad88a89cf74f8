#include "infra/sqlite/outbox.hpp"

namespace emporium::infra::sqlite {

namespace {
constexpr std::string_view kInsertEvent =
    "INSERT INTO outbox (id, type, aggregate_id, payload, occurred_at) VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr std::string_view kInsertHandled =
    "INSERT INTO handled_events (consumer, event_id, handled_at) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (consumer, event_id) DO NOTHING";
constexpr std::string_view kSelectHandled = "SELECT 1 FROM handled_events WHERE consumer = ?1 AND event_id = ?2";
constexpr std::string_view kPruneHandled = "DELETE FROM handled_events WHERE handled_at < ?1";
}  // namespace

core::Result<void> AppendToOutbox(Connection& connection, const bus::Event& event) {
    EMPORIUM_ASSIGN_OR_RETURN(auto stmt, connection.Prepare(kInsertEvent));
    stmt.Bind(1, event.id).Bind(2, event.type).Bind(3, event.aggregate_id).Bind(4, event.payload);
    stmt.Bind(5, event.occurred_at);
    return stmt.Run();
}

core::Result<bool> MarkHandled(Connection& connection, std::string_view consumer, std::string_view event_id,
                               int64_t now) {
    EMPORIUM_ASSIGN_OR_RETURN(auto stmt, connection.Prepare(kInsertHandled));
    stmt.Bind(1, consumer).Bind(2, event_id).Bind(3, now);
    EMPORIUM_TRY(stmt.Run());
    return connection.ChangedRows() == 1;
}

core::Result<bool> WasHandled(Connection& connection, std::string_view consumer, std::string_view event_id) {
    EMPORIUM_ASSIGN_OR_RETURN(auto stmt, connection.Prepare(kSelectHandled));
    stmt.Bind(1, consumer).Bind(2, event_id);
    return stmt.Step();
}

core::Result<int64_t> PruneHandledEvents(Database& db, int64_t before) {
    return db.Write<int64_t>([&](Connection& c) -> core::Result<int64_t> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kPruneHandled));
        stmt.Bind(1, before);
        EMPORIUM_TRY(stmt.Run());
        return c.ChangedRows();
    });
}

}  // namespace emporium::infra::sqlite

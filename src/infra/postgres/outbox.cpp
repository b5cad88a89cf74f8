#include "infra/postgres/outbox.hpp"

namespace emporium::infra::postgres {

namespace {
constexpr std::string_view kInsertEvent =
    "INSERT INTO outbox (id, type, aggregate_id, payload, occurred_at) VALUES ($1, $2, $3, $4, $5)";
constexpr std::string_view kInsertHandled =
    "INSERT INTO handled_events (consumer, event_id, handled_at) VALUES ($1, $2, $3) "
    "ON CONFLICT (consumer, event_id) DO NOTHING";
constexpr std::string_view kSelectHandled = "SELECT 1 FROM handled_events WHERE consumer = $1 AND event_id = $2";
constexpr std::string_view kPruneHandled =
    "DELETE FROM handled_events WHERE ctid = ANY (ARRAY (SELECT ctid FROM handled_events WHERE handled_at < $1 "
    "LIMIT 1000))";
}  // namespace

void AppendToOutbox(Connection& connection, const bus::Event& event) {
    connection.Queue(kInsertEvent, Params(event.id, event.type, event.aggregate_id, event.payload, event.occurred_at));
}

core::Result<bool> MarkHandled(Connection& connection, std::string_view consumer, std::string_view event_id,
                               int64_t now) {
    EMPORIUM_ASSIGN_OR_RETURN(int64_t inserted, connection.Exec(kInsertHandled, Params(consumer, event_id, now)));
    return inserted == 1;
}

core::Result<bool> WasHandled(Connection& connection, std::string_view consumer, std::string_view event_id) {
    EMPORIUM_ASSIGN_OR_RETURN(auto rows, connection.Query(kSelectHandled, Params(consumer, event_id)));
    return !rows.empty();
}

core::Result<int64_t> PruneHandledEvents(const core::RequestContext& ctx, Database& db, int64_t before) {
    // In commits of at most 1,000 rows, so a large backlog never holds locks for long.
    int64_t total = 0;
    for (;;) {
        EMPORIUM_ASSIGN_OR_RETURN(int64_t deleted, db.Write<int64_t>(ctx, [&](Connection& c) {
            return c.Exec(kPruneHandled, Params(before));
        }));
        total += deleted;
        if (deleted < 1000) return total;
    }
}

}  // namespace emporium::infra::postgres

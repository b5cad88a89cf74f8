#include "services/inventory/storage/sqlite_inventory_repository.hpp"

#include <unordered_map>

#include "core/deadline.hpp"
#include "core/json_writer.hpp"
#include "infra/sqlite/outbox.hpp"
#include "services/inventory/storage/inventory_rows.hpp"

namespace emporium::inventory {

using core::Error;
using core::Result;
using infra::sqlite::Connection;

namespace {

constexpr std::string_view kSelectStock = "SELECT sku, available, reserved, sold, updated_at FROM stock WHERE sku = ?1";
constexpr std::string_view kSelectStocks =
    "SELECT sku, available, reserved, sold, updated_at FROM stock WHERE sku IN (SELECT value FROM json_each(?1))";
constexpr std::string_view kEnsureStock =
    "INSERT INTO stock (sku, available, reserved, sold, updated_at) VALUES (?1, 0, 0, 0, ?2) ON CONFLICT (sku) DO "
    "NOTHING";
constexpr std::string_view kAdjustAvailable =
    "UPDATE stock SET available = available + ?2, updated_at = ?3 WHERE sku = ?1 AND available + ?2 >= 0";
constexpr std::string_view kInsertAdjustment =
    "INSERT INTO stock_adjustments (id, sku, delta, reason, actor_id, available_after, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr std::string_view kSelectAdjustments =
    "SELECT id, sku, delta, reason, actor_id, available_after, created_at, seq FROM stock_adjustments "
    "WHERE sku = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3";
constexpr std::string_view kSelectReservation = "SELECT status FROM reservations WHERE id = ?1";
constexpr std::string_view kInsertReservation =
    "INSERT INTO reservations (id, status, expires_at, created_at, updated_at) VALUES (?1, 'active', ?2, ?3, ?3)";
constexpr std::string_view kInsertReservationLine =
    "INSERT INTO reservation_lines (reservation_id, sku, quantity) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (reservation_id, sku) DO UPDATE SET quantity = quantity + excluded.quantity";
// The one conditional UPDATE per SKU that makes overselling impossible.
constexpr std::string_view kReserveStock =
    "UPDATE stock SET available = available - ?2, reserved = reserved + ?2, updated_at = ?3 "
    "WHERE sku = ?1 AND available >= ?2";
constexpr std::string_view kSelectReservationLines =
    "SELECT sku, quantity FROM reservation_lines WHERE reservation_id = ?1";
constexpr std::string_view kCommitStock =
    "UPDATE stock SET reserved = reserved - ?2, sold = sold + ?2, updated_at = ?3 WHERE sku = ?1";
constexpr std::string_view kReleaseStock =
    "UPDATE stock SET reserved = reserved - ?2, available = available + ?2, updated_at = ?3 WHERE sku = ?1";
constexpr std::string_view kRestockStock =
    "UPDATE stock SET sold = sold - ?2, available = available + ?2, updated_at = ?3 WHERE sku = ?1 AND sold >= ?2";
constexpr std::string_view kMarkRestocked =
    "INSERT INTO restocked_reservations (reservation_id, restocked_at) VALUES (?1, ?2) "
    "ON CONFLICT (reservation_id) DO NOTHING";
constexpr std::string_view kSetReservationStatus = "UPDATE reservations SET status = ?2, updated_at = ?3 WHERE id = ?1";
constexpr std::string_view kSelectExpired =
    "SELECT id FROM reservations WHERE status = 'active' AND expires_at <= ?1 ORDER BY expires_at LIMIT ?2";

// The stock of `sku`; all zeros for a SKU never stocked.
Result<Stock> SelectStock(Connection& c, std::string_view sku) {
    EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kSelectStock));
    stmt.Bind(1, sku);
    EMPORIUM_ASSIGN_OR_RETURN(bool found, stmt.Step());
    if (!found) return Stock{std::string(sku), 0, 0, 0, 0};
    return ReadStock(stmt);
}

}  // namespace

Result<std::vector<Stock>> SqliteInventoryRepository::FindStocks(const core::RequestContext& ctx,
                                                                 const std::vector<std::string>& skus) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    std::string list = core::JsonStringArray(skus);
    return db_.Read<std::vector<Stock>>([&](Connection& c) -> Result<std::vector<Stock>> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kSelectStocks));
        stmt.Bind(1, list);
        std::unordered_map<std::string, Stock> found;
        while (true) {
            EMPORIUM_ASSIGN_OR_RETURN(bool row, stmt.Step());
            if (!row) break;
            Stock stock = ReadStock(stmt);
            found.emplace(stock.sku, stock);
        }
        return StocksInOrderAsked(skus, found);
    });
}

Result<Stock> SqliteInventoryRepository::FindStock(const core::RequestContext& ctx, std::string_view sku) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<Stock>([&](Connection& c) { return SelectStock(c, sku); });
}

namespace {

// Search and the storefront show "in stock" or not: publish when a SKU's available count
// crosses zero (either way), not on every unit, so an order rush does not flood the bus.
Result<void> PublishIfCrossedZero(Connection& c, std::string_view sku, int64_t change, int64_t now) {
    EMPORIUM_ASSIGN_OR_RETURN(Stock stock, SelectStock(c, sku));
    int64_t before = stock.available - change;
    if ((before > 0) == (stock.available > 0)) return core::Ok();
    return infra::sqlite::AppendToOutbox(c, StockChangedEvent(sku, stock.available, now));
}

Result<std::vector<ReservationLine>> ReadReservationLines(Connection& c, std::string_view reservation_id) {
    EMPORIUM_ASSIGN_OR_RETURN(auto select, c.Prepare(kSelectReservationLines));
    select.Bind(1, reservation_id);
    std::vector<ReservationLine> lines;
    while (true) {
        EMPORIUM_ASSIGN_OR_RETURN(bool row, select.Step());
        if (!row) break;
        lines.push_back({select.String(0), select.Int(1)});
    }
    return lines;
}

Result<Stock> Apply(Connection& c, Adjustment& a, bool publish) {
    EMPORIUM_ASSIGN_OR_RETURN(auto ensure, c.Prepare(kEnsureStock));
    ensure.Bind(1, a.sku).Bind(2, a.created_at);
    EMPORIUM_TRY(ensure.Run());
    EMPORIUM_ASSIGN_OR_RETURN(auto adjust, c.Prepare(kAdjustAvailable));
    adjust.Bind(1, a.sku).Bind(2, a.delta).Bind(3, a.created_at);
    EMPORIUM_TRY(adjust.Run());
    if (c.ChangedRows() == 0)
        return Error{core::ErrorCode::kConflict,
                     "Available stock cannot go below zero.",
                     {{"delta", "would make available stock negative"}}};
    if (publish) EMPORIUM_TRY(PublishIfCrossedZero(c, a.sku, a.delta, a.created_at));
    EMPORIUM_ASSIGN_OR_RETURN(Stock stock, SelectStock(c, a.sku));
    a.available_after = stock.available;
    EMPORIUM_ASSIGN_OR_RETURN(auto record, c.Prepare(kInsertAdjustment));
    record.Bind(1, a.id).Bind(2, a.sku).Bind(3, a.delta).Bind(4, a.reason).Bind(5, a.actor_id);
    record.Bind(6, a.available_after).Bind(7, a.created_at);
    EMPORIUM_TRY(record.Run());
    return stock;
}
}  // namespace

Result<Stock> SqliteInventoryRepository::ApplyAdjustment(const core::RequestContext& ctx, Adjustment& a) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<Stock>([&](Connection& c) { return Apply(c, a, true); });
}

Result<void> SqliteInventoryRepository::ApplyAdjustments(const core::RequestContext& ctx,
                                                         std::vector<Adjustment>& adjustments) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<void>([&](Connection& c) -> Result<void> {
        for (auto& adjustment : adjustments) EMPORIUM_TRY(Apply(c, adjustment, false));
        return core::Ok();
    });
}

Result<std::vector<std::pair<Adjustment, int64_t>>> SqliteInventoryRepository::ListAdjustments(
    const core::RequestContext& ctx, std::string_view sku, std::optional<int64_t> before_seq, int limit) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    using Rows = std::vector<std::pair<Adjustment, int64_t>>;
    return db_.Read<Rows>([&](Connection& c) -> Result<Rows> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kSelectAdjustments));
        stmt.Bind(1, sku).Bind(2, before_seq.value_or(INT64_MAX)).Bind(3, limit);
        Rows rows;
        while (true) {
            EMPORIUM_ASSIGN_OR_RETURN(bool row, stmt.Step());
            if (!row) break;
            rows.emplace_back(ReadAdjustment(stmt), stmt.Int(7));
        }
        return rows;
    });
}

Result<void> SqliteInventoryRepository::Reserve(const core::RequestContext& ctx, std::string_view reservation_id,
                                                const std::vector<ReservationLine>& lines, int64_t expires_at,
                                                int64_t now) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<void>([&](Connection& c) -> Result<void> {
        {
            EMPORIUM_ASSIGN_OR_RETURN(auto existing, c.Prepare(kSelectReservation));
            existing.Bind(1, reservation_id);
            EMPORIUM_ASSIGN_OR_RETURN(bool found, existing.Step());
            if (found) return core::Ok();  // reserved before: same answer again
        }
        EMPORIUM_ASSIGN_OR_RETURN(auto insert, c.Prepare(kInsertReservation));
        insert.Bind(1, reservation_id).Bind(2, expires_at).Bind(3, now);
        EMPORIUM_TRY(insert.Run());
        for (const auto& line : lines) {
            EMPORIUM_ASSIGN_OR_RETURN(auto take, c.Prepare(kReserveStock));
            take.Bind(1, line.sku).Bind(2, line.quantity).Bind(3, now);
            EMPORIUM_TRY(take.Run());
            if (c.ChangedRows() == 0)  // the job's savepoint undoes the lines reserved before
                return Error{core::ErrorCode::kConflict, "Not enough stock for " + line.sku + ".", {{"sku", line.sku}}};
            EMPORIUM_TRY(PublishIfCrossedZero(c, line.sku, -line.quantity, now));
            EMPORIUM_ASSIGN_OR_RETURN(auto record, c.Prepare(kInsertReservationLine));
            record.Bind(1, reservation_id).Bind(2, line.sku).Bind(3, line.quantity);
            EMPORIUM_TRY(record.Run());
        }
        return core::Ok();
    });
}

Result<void> SqliteInventoryRepository::Finish(const core::RequestContext& ctx, std::string_view reservation_id,
                                               ReservationStatus to, int64_t now,
                                               std::optional<std::string> released_event_reason) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<void>([&](Connection& c) -> Result<void> {
        std::string status;
        {
            EMPORIUM_ASSIGN_OR_RETURN(auto select, c.Prepare(kSelectReservation));
            select.Bind(1, reservation_id);
            EMPORIUM_ASSIGN_OR_RETURN(bool found, select.Step());
            if (!found) return Error::NotFound("No such reservation.");
            status = select.String(0);
        }
        if (status == StatusName(to)) return core::Ok();
        if (status != "active") return Error::Conflict(std::string("The reservation is already ") + status + ".");
        EMPORIUM_ASSIGN_OR_RETURN(auto lines, ReadReservationLines(c, reservation_id));
        for (const auto& line : lines) {
            EMPORIUM_ASSIGN_OR_RETURN(auto move,
                                      c.Prepare(to == ReservationStatus::kCommitted ? kCommitStock : kReleaseStock));
            move.Bind(1, line.sku).Bind(2, line.quantity).Bind(3, now);
            EMPORIUM_TRY(move.Run());
            if (to == ReservationStatus::kReleased) EMPORIUM_TRY(PublishIfCrossedZero(c, line.sku, line.quantity, now));
        }
        EMPORIUM_ASSIGN_OR_RETURN(auto set, c.Prepare(kSetReservationStatus));
        set.Bind(1, reservation_id).Bind(2, StatusName(to)).Bind(3, now);
        EMPORIUM_TRY(set.Run());
        if (to == ReservationStatus::kReleased && released_event_reason) {
            EMPORIUM_TRY(infra::sqlite::AppendToOutbox(
                c, ReservationReleasedEvent(reservation_id, *released_event_reason, now)));
        }
        return core::Ok();
    });
}

Result<void> SqliteInventoryRepository::Restock(const core::RequestContext& ctx, std::string_view reservation_id,
                                                int64_t now) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<void>([&](Connection& c) -> Result<void> {
        {
            EMPORIUM_ASSIGN_OR_RETURN(auto select, c.Prepare(kSelectReservation));
            select.Bind(1, reservation_id);
            EMPORIUM_ASSIGN_OR_RETURN(bool found, select.Step());
            if (!found) return Error::NotFound("No such reservation.");
            if (select.String(0) != "committed")
                return Error::Conflict("The reservation is " + select.String(0) + ", not sold.");
        }
        EMPORIUM_ASSIGN_OR_RETURN(auto mark, c.Prepare(kMarkRestocked));
        mark.Bind(1, reservation_id).Bind(2, now);
        EMPORIUM_TRY(mark.Run());
        if (c.ChangedRows() == 0) return core::Ok();  // restocked before
        EMPORIUM_ASSIGN_OR_RETURN(auto lines, ReadReservationLines(c, reservation_id));
        for (const auto& line : lines) {
            EMPORIUM_ASSIGN_OR_RETURN(auto back, c.Prepare(kRestockStock));
            back.Bind(1, line.sku).Bind(2, line.quantity).Bind(3, now);
            EMPORIUM_TRY(back.Run());
            if (c.ChangedRows() == 0)
                return Error::Internal("stock of " + line.sku + " has fewer units sold than the reservation holds");
            EMPORIUM_TRY(PublishIfCrossedZero(c, line.sku, line.quantity, now));
        }
        return core::Ok();
    });
}

Result<std::vector<std::string>> SqliteInventoryRepository::FindExpired(const core::RequestContext& ctx, int64_t now,
                                                                        int limit) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<std::vector<std::string>>([&](Connection& c) -> Result<std::vector<std::string>> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kSelectExpired));
        stmt.Bind(1, now).Bind(2, limit);
        std::vector<std::string> ids;
        while (true) {
            EMPORIUM_ASSIGN_OR_RETURN(bool row, stmt.Step());
            if (!row) break;
            ids.push_back(stmt.String(0));
        }
        return ids;
    });
}

}  // namespace emporium::inventory

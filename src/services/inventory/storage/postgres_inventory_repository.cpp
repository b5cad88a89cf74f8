#include "services/inventory/storage/postgres_inventory_repository.hpp"

#include <map>
#include <unordered_map>

#include "core/deadline.hpp"
#include "core/json_writer.hpp"
#include "infra/postgres/outbox.hpp"
#include "services/inventory/storage/inventory_rows.hpp"

namespace emporium::inventory {

using core::Error;
using core::Result;
using infra::postgres::Connection;
using infra::postgres::Params;
using infra::postgres::Row;

namespace {

constexpr std::string_view kSelectStock = "SELECT sku, available, reserved, sold, updated_at FROM stock WHERE sku = $1";
// Any number of SKUs as one JSON array parameter: one statement, prepared once.
constexpr std::string_view kSelectStocks =
    "SELECT sku, available, reserved, sold, updated_at FROM stock WHERE sku = ANY (ARRAY (SELECT "
    "json_array_elements_text($1::json)))";
// Row locks are taken after the sort: every job locks its stock rows in SKU order (byte
// order: the column is COLLATE "C"), so concurrent jobs never wait on each other in a cycle.
constexpr std::string_view kLockStocks =
    "SELECT sku, available, reserved, sold, updated_at FROM stock WHERE sku = ANY (ARRAY (SELECT "
    "json_array_elements_text($1::json))) ORDER BY sku FOR UPDATE";
constexpr std::string_view kEnsureStock =
    "INSERT INTO stock (sku, available, reserved, sold, updated_at) VALUES ($1, 0, 0, 0, $2) ON CONFLICT (sku) DO "
    "NOTHING";
constexpr std::string_view kAdjustAvailable =
    "UPDATE stock SET available = available + $2, updated_at = $3 WHERE sku = $1";
constexpr std::string_view kInsertAdjustment =
    "INSERT INTO stock_adjustments (id, sku, delta, reason, actor_id, available_after, created_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7)";
constexpr std::string_view kSelectAdjustments =
    "SELECT id, sku, delta, reason, actor_id, available_after, created_at, seq FROM stock_adjustments "
    "WHERE sku = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3";
// Reserving an id twice is a no-op: the second insert finds the first's row (waiting for
// it to commit or roll back when both run at once) and inserts nothing.
constexpr std::string_view kInsertReservation =
    "INSERT INTO reservations (id, status, expires_at, created_at, updated_at) VALUES ($1, 'active', $2, $3, $3) "
    "ON CONFLICT (id) DO NOTHING";
constexpr std::string_view kInsertReservationLine =
    "INSERT INTO reservation_lines (reservation_id, sku, quantity) VALUES ($1, $2, $3)";
// Run only on rows the job has locked and checked; the CHECK (available >= 0) constraint
// would still refuse an oversell.
constexpr std::string_view kReserveStock =
    "UPDATE stock SET available = available - $2, reserved = reserved + $2, updated_at = $3 WHERE sku = $1";
constexpr std::string_view kLockReservation = "SELECT status FROM reservations WHERE id = $1 FOR UPDATE";
// A reservation's lines with the stock of each, those stock rows locked in SKU order.
constexpr std::string_view kLockReservationStock =
    "SELECT l.sku, l.quantity, s.available, s.sold FROM reservation_lines l JOIN stock s ON s.sku = l.sku "
    "WHERE l.reservation_id = $1 ORDER BY l.sku FOR UPDATE OF s";
constexpr std::string_view kCommitStock =
    "UPDATE stock SET reserved = reserved - $2, sold = sold + $2, updated_at = $3 WHERE sku = $1";
constexpr std::string_view kReleaseStock =
    "UPDATE stock SET reserved = reserved - $2, available = available + $2, updated_at = $3 WHERE sku = $1";
constexpr std::string_view kRestockStock =
    "UPDATE stock SET sold = sold - $2, available = available + $2, updated_at = $3 WHERE sku = $1";
constexpr std::string_view kMarkRestocked =
    "INSERT INTO restocked_reservations (reservation_id, restocked_at) VALUES ($1, $2) "
    "ON CONFLICT (reservation_id) DO NOTHING";
constexpr std::string_view kSetReservationStatus = "UPDATE reservations SET status = $2, updated_at = $3 WHERE id = $1";
constexpr std::string_view kSelectExpired =
    "SELECT id FROM reservations WHERE status = 'active' AND expires_at <= $1 ORDER BY expires_at LIMIT $2";

// Locks the stock rows of `skus` (sorted, distinct) in that order and returns them by SKU;
// SKUs without a row are left out.
Result<std::unordered_map<std::string, Stock>> LockStocks(Connection& c, const std::vector<std::string>& skus) {
    std::unordered_map<std::string, Stock> locked;
    if (skus.empty()) return locked;
    EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(kLockStocks, Params(core::JsonStringArray(skus))));
    for (int i = 0; i < rows.size(); ++i) {
        Stock stock = ReadStock(rows[i]);
        locked.emplace(stock.sku, std::move(stock));
    }
    return locked;
}

// Search and the storefront show "in stock" or not: publish when a SKU's available count
// crosses zero (either way), not on every unit, so an order rush does not flood the bus.
// The job holds the SKU's row lock, so `before` is what the change started from.
void PublishIfCrossedZero(Connection& c, std::string_view sku, int64_t before, int64_t after, int64_t now) {
    if ((before > 0) == (after > 0)) return;
    infra::postgres::AppendToOutbox(c, StockChangedEvent(sku, after, now));
}

// Applies `adjustments` in order, all or nothing: creates the rows of SKUs never stocked,
// locks every row concerned in SKU order, checks each adjustment against the count the
// ones before it left, and queues the updates and audit rows (they go with the commit).
// Fills each `available_after`; returns the stock of the last one's SKU after it.
Result<Stock> Apply(Connection& c, std::vector<Adjustment>& adjustments, bool publish) {
    std::map<std::string, int64_t> first_created_at;  // sorted: the order rows are created and locked in
    for (const auto& a : adjustments) first_created_at.emplace(a.sku, a.created_at);
    std::vector<std::string> skus;
    for (const auto& [sku, created_at] : first_created_at) {
        c.Queue(kEnsureStock, Params(sku, created_at));
        skus.push_back(sku);
    }
    EMPORIUM_ASSIGN_OR_RETURN(auto stocks, LockStocks(c, skus));
    Stock last;
    for (auto& a : adjustments) {
        Stock& stock = stocks.at(a.sku);
        int64_t before = stock.available;
        if (before + a.delta < 0)
            return Error{core::ErrorCode::kConflict,
                         "Available stock cannot go below zero.",
                         {{"delta", "would make available stock negative"}}};
        stock.available += a.delta;
        stock.updated_at = a.created_at;
        a.available_after = stock.available;
        c.Queue(kAdjustAvailable, Params(a.sku, a.delta, a.created_at));
        c.Queue(kInsertAdjustment, Params(a.id, a.sku, a.delta, a.reason, a.actor_id, a.available_after, a.created_at));
        if (publish) PublishIfCrossedZero(c, a.sku, before, stock.available, a.created_at);
        last = stock;
    }
    return last;
}

}  // namespace

Result<std::vector<Stock>> PostgresInventoryRepository::FindStocks(const core::RequestContext& ctx,
                                                                   const std::vector<std::string>& skus) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    std::string list = core::JsonStringArray(skus);
    return db_.Read<std::vector<Stock>>(ctx, [&](Connection& c) -> Result<std::vector<Stock>> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(kSelectStocks, Params(list)));
        std::unordered_map<std::string, Stock> found;
        for (int i = 0; i < rows.size(); ++i) {
            Stock stock = ReadStock(rows[i]);
            found.emplace(stock.sku, std::move(stock));
        }
        return StocksInOrderAsked(skus, found);
    });
}

Result<Stock> PostgresInventoryRepository::FindStock(const core::RequestContext& ctx, std::string_view sku) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<Stock>(ctx, [&](Connection& c) -> Result<Stock> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(kSelectStock, Params(sku)));
        if (rows.empty()) return Stock{std::string(sku), 0, 0, 0, 0};
        return ReadStock(rows[0]);
    });
}

Result<Stock> PostgresInventoryRepository::ApplyAdjustment(const core::RequestContext& ctx, Adjustment& a) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<Stock>(ctx, [&](Connection& c) -> Result<Stock> {
        std::vector<Adjustment> one{a};
        EMPORIUM_ASSIGN_OR_RETURN(Stock stock, Apply(c, one, true));
        a.available_after = one[0].available_after;
        return stock;
    });
}

Result<void> PostgresInventoryRepository::ApplyAdjustments(const core::RequestContext& ctx,
                                                           std::vector<Adjustment>& adjustments) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<void>(ctx, [&](Connection& c) -> Result<void> {
        EMPORIUM_TRY(Apply(c, adjustments, false));
        return core::Ok();
    });
}

Result<std::vector<std::pair<Adjustment, int64_t>>> PostgresInventoryRepository::ListAdjustments(
    const core::RequestContext& ctx, std::string_view sku, std::optional<int64_t> before_seq, int limit) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    using Listed = std::vector<std::pair<Adjustment, int64_t>>;
    return db_.Read<Listed>(ctx, [&](Connection& c) -> Result<Listed> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows,
                                  c.Query(kSelectAdjustments, Params(sku, before_seq.value_or(INT64_MAX), limit)));
        Listed listed;
        listed.reserve(rows.size());
        for (int i = 0; i < rows.size(); ++i) {
            listed.emplace_back(ReadAdjustment(rows[i]), rows[i].Int(7));
        }
        return listed;
    });
}

Result<void> PostgresInventoryRepository::Reserve(const core::RequestContext& ctx, std::string_view reservation_id,
                                                  const std::vector<ReservationLine>& lines, int64_t expires_at,
                                                  int64_t now) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    std::map<std::string, int64_t> totals;  // lines of one SKU add up; sorted: the lock order
    for (const auto& line : lines) totals[line.sku] += line.quantity;
    std::vector<std::string> skus;
    for (const auto& [sku, quantity] : totals) skus.push_back(sku);
    return db_.Write<void>(ctx, [&](Connection& c) -> Result<void> {
        EMPORIUM_ASSIGN_OR_RETURN(int64_t inserted,
                                  c.Exec(kInsertReservation, Params(reservation_id, expires_at, now)));
        if (inserted == 0) return core::Ok();  // reserved before: same answer again
        EMPORIUM_ASSIGN_OR_RETURN(auto stocks, LockStocks(c, skus));
        // With the rows locked, the counts cannot move until the commit: check every line
        // in the order given, so the error names the first line that is short.
        std::unordered_map<std::string, int64_t> left;
        for (const auto& sku : skus) {
            auto it = stocks.find(sku);
            left[sku] = it != stocks.end() ? it->second.available : 0;
        }
        for (const auto& line : lines) {
            int64_t& available = left[line.sku];
            available -= line.quantity;
            if (available < 0)
                return Error{core::ErrorCode::kConflict, "Not enough stock for " + line.sku + ".", {{"sku", line.sku}}};
        }
        for (const auto& [sku, quantity] : totals) {
            c.Queue(kReserveStock, Params(sku, quantity, now));
            c.Queue(kInsertReservationLine, Params(reservation_id, sku, quantity));
            int64_t before = stocks.at(sku).available;
            PublishIfCrossedZero(c, sku, before, before - quantity, now);
        }
        return core::Ok();
    });
}

Result<void> PostgresInventoryRepository::Finish(const core::RequestContext& ctx, std::string_view reservation_id,
                                                 ReservationStatus to, int64_t now,
                                                 std::optional<std::string> released_event_reason) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<void>(ctx, [&](Connection& c) -> Result<void> {
        // The reservation's row lock makes a payment's commit and the expiry sweeper's
        // release of one reservation take turns: the second sees what the first did.
        EMPORIUM_ASSIGN_OR_RETURN(auto reservation, c.Query(kLockReservation, Params(reservation_id)));
        if (reservation.empty()) return Error::NotFound("No such reservation.");
        std::string status = reservation[0].String(0);
        if (status == StatusName(to)) return core::Ok();
        if (status != "active") return Error::Conflict("The reservation is already " + status + ".");
        EMPORIUM_ASSIGN_OR_RETURN(auto lines, c.Query(kLockReservationStock, Params(reservation_id)));
        for (int i = 0; i < lines.size(); ++i) {
            Row line = lines[i];
            std::string sku = line.String(0);
            int64_t quantity = line.Int(1);
            c.Queue(to == ReservationStatus::kCommitted ? kCommitStock : kReleaseStock, Params(sku, quantity, now));
            if (to == ReservationStatus::kReleased) {
                int64_t before = line.Int(2);
                PublishIfCrossedZero(c, sku, before, before + quantity, now);
            }
        }
        c.Queue(kSetReservationStatus, Params(reservation_id, StatusName(to), now));
        if (to == ReservationStatus::kReleased && released_event_reason) {
            infra::postgres::AppendToOutbox(c, ReservationReleasedEvent(reservation_id, *released_event_reason, now));
        }
        return core::Ok();
    });
}

Result<void> PostgresInventoryRepository::Restock(const core::RequestContext& ctx, std::string_view reservation_id,
                                                  int64_t now) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<void>(ctx, [&](Connection& c) -> Result<void> {
        EMPORIUM_ASSIGN_OR_RETURN(auto reservation, c.Query(kLockReservation, Params(reservation_id)));
        if (reservation.empty()) return Error::NotFound("No such reservation.");
        std::string status = reservation[0].String(0);
        if (status != "committed") return Error::Conflict("The reservation is " + status + ", not sold.");
        EMPORIUM_ASSIGN_OR_RETURN(int64_t marked, c.Exec(kMarkRestocked, Params(reservation_id, now)));
        if (marked == 0) return core::Ok();  // restocked before
        EMPORIUM_ASSIGN_OR_RETURN(auto lines, c.Query(kLockReservationStock, Params(reservation_id)));
        for (int i = 0; i < lines.size(); ++i) {
            Row line = lines[i];
            std::string sku = line.String(0);
            int64_t quantity = line.Int(1);
            if (line.Int(3) < quantity)
                return Error::Internal("stock of " + sku + " has fewer units sold than the reservation holds");
            c.Queue(kRestockStock, Params(sku, quantity, now));
            int64_t before = line.Int(2);
            PublishIfCrossedZero(c, sku, before, before + quantity, now);
        }
        return core::Ok();
    });
}

Result<std::vector<std::string>> PostgresInventoryRepository::FindExpired(const core::RequestContext& ctx, int64_t now,
                                                                          int limit) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<std::vector<std::string>>(ctx, [&](Connection& c) -> Result<std::vector<std::string>> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(kSelectExpired, Params(now, limit)));
        std::vector<std::string> ids;
        ids.reserve(rows.size());
        for (int i = 0; i < rows.size(); ++i) ids.push_back(rows[i].String(0));
        return ids;
    });
}

}  // namespace emporium::inventory

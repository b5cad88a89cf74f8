#include "services/orders/storage/sqlite_orders_repository.hpp"

#include "core/deadline.hpp"
#include "infra/sqlite/outbox.hpp"
#include "services/orders/order_events.hpp"
#include "services/orders/storage/orders_rows.hpp"

namespace emporium::orders {

using core::Error;
using core::Result;
using infra::sqlite::Connection;
using infra::sqlite::Statement;

namespace {

constexpr std::string_view kSelectOrder =
    "SELECT seq, id, user_id, status, currency, subtotal, total, item_count, ship_name, ship_line1, ship_line2, "
    "ship_city, ship_region, ship_postal_code, ship_country, ship_phone, reservation_expires_at, created_at, "
    "updated_at FROM orders WHERE id = ?1";
constexpr std::string_view kSelectUserOrders =
    "SELECT seq, id, user_id, status, currency, subtotal, total, item_count, ship_name, ship_line1, ship_line2, "
    "ship_city, ship_region, ship_postal_code, ship_country, ship_phone, reservation_expires_at, created_at, "
    "updated_at FROM orders WHERE user_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3";
// The index on (created_at, id) serves it: the bound on created_at is a range on the index.
constexpr std::string_view kSelectAllOrders =
    "SELECT seq, id, user_id, status, currency, subtotal, total, item_count, ship_name, ship_line1, ship_line2, "
    "ship_city, ship_region, ship_postal_code, ship_country, ship_phone, reservation_expires_at, created_at, "
    "updated_at FROM orders WHERE (?1 = '' OR status = ?1) AND (?2 = '' OR user_id = ?2) AND (?3 = '' OR id = ?3) "
    "AND created_at >= ?4 AND created_at < ?5 AND created_at <= ?6 AND (created_at < ?6 OR id < ?7) "
    "ORDER BY created_at DESC, id DESC LIMIT ?8";
constexpr std::string_view kCountUnpaid =
    "SELECT count(*) FROM orders WHERE user_id = ?1 AND status IN ('PENDING_PAYMENT', 'PAYMENT_PENDING') "
    "AND reservation_expires_at > ?2";
constexpr std::string_view kInsertOrder =
    "INSERT INTO orders (id, user_id, status, currency, subtotal, total, item_count, ship_name, ship_line1, "
    "ship_line2, ship_city, ship_region, ship_postal_code, ship_country, ship_phone, reservation_expires_at, "
    "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?17)";
constexpr std::string_view kSelectItems =
    "SELECT sku, product_id, product_name, variant_name, quantity, unit_price, line_total FROM order_items "
    "WHERE order_id = ?1 ORDER BY position";
constexpr std::string_view kInsertItem =
    "INSERT INTO order_items (order_id, position, sku, product_id, product_name, variant_name, quantity, unit_price, "
    "line_total) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
constexpr std::string_view kInsertHistory =
    "INSERT INTO order_status_history (order_id, status, reason, at, actor) VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr std::string_view kSelectHistory =
    "SELECT status, at, reason, actor FROM order_status_history WHERE order_id = ?1 ORDER BY seq";
constexpr std::string_view kSelectIdempotency =
    "SELECT request_hash, order_id FROM idempotency_keys WHERE user_id = ?1 AND key = ?2";
constexpr std::string_view kInsertIdempotency =
    "INSERT INTO idempotency_keys (user_id, key, request_hash, order_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr std::string_view kUpdateStatus = "UPDATE orders SET status = ?2, updated_at = ?3 WHERE id = ?1";

// Reads an orders row (kOrderColumns order) and its items; returns the row's seq.
Result<int64_t> ReadOrder(Connection& c, const Statement& row, Order& o) {
    int64_t seq = ReadOrderRow(row, o);
    EMPORIUM_ASSIGN_OR_RETURN(auto items, c.Prepare(kSelectItems));
    items.Bind(1, o.id);
    while (true) {
        EMPORIUM_ASSIGN_OR_RETURN(bool more, items.Step());
        if (!more) break;
        o.items.push_back(ReadOrderLine(items, 0, o.total.currency));
    }
    return seq;
}

Result<Order> LoadOrder(Connection& c, std::string_view order_id) {
    EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kSelectOrder));
    stmt.Bind(1, order_id);
    EMPORIUM_ASSIGN_OR_RETURN(bool found, stmt.Step());
    if (!found) return Error::NotFound("No such order.");
    Order order;
    EMPORIUM_TRY(ReadOrder(c, stmt, order));
    return order;
}

Result<void> AddHistory(Connection& c, std::string_view order_id, OrderStatus status, std::string_view reason,
                        int64_t at, std::string_view actor) {
    EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kInsertHistory));
    stmt.Bind(1, order_id).Bind(2, StatusName(status)).Bind(3, reason).Bind(4, at).Bind(5, actor);
    return stmt.Run();
}

// Inside a write job: moves the order to `to` if CanTransition allows it, with its history
// entry and OrderStatusChanged event. Already in `to`: no change. Changes nothing when it
// answers kNotFound or kConflict.
Result<Order> TransitionIn(Connection& c, std::string_view order_id, OrderStatus to, std::string_view reason,
                           int64_t now, std::string_view actor) {
    EMPORIUM_ASSIGN_OR_RETURN(Order order, LoadOrder(c, order_id));
    if (order.status == to) return order;
    if (!CanTransition(order.status, to)) return TransitionRefused(order.status, to);
    OrderStatus from = order.status;
    EMPORIUM_ASSIGN_OR_RETURN(auto update, c.Prepare(kUpdateStatus));
    update.Bind(1, order_id).Bind(2, StatusName(to)).Bind(3, now);
    EMPORIUM_TRY(update.Run());
    EMPORIUM_TRY(AddHistory(c, order_id, to, reason, now, actor));
    order.status = to;
    order.updated_at = now;
    EMPORIUM_TRY(infra::sqlite::AppendToOutbox(c, NewOrderStatusChangedEvent(order, from, to, reason, now)));
    return order;
}

}  // namespace

Result<infra::sqlite::Database*> SqliteOrdersRepository::Shard(int shard) const {
    if (shard < 0 || shard >= static_cast<int>(shards_.size())) return Error::NotFound("No such order.");
    return shards_[static_cast<std::size_t>(shard)];
}

Result<void> SqliteOrdersRepository::CreateOrder(const core::RequestContext& ctx, int shard, const Order& o,
                                                 const std::optional<IdempotencyRecord>& idempotency) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    EMPORIUM_ASSIGN_OR_RETURN(auto* db, Shard(shard));
    return db->Write<void>([&](Connection& c) -> Result<void> {
        if (idempotency) {
            EMPORIUM_ASSIGN_OR_RETURN(auto key, c.Prepare(kInsertIdempotency));
            key.Bind(1, idempotency->user_id).Bind(2, idempotency->key).Bind(3, idempotency->request_hash);
            key.Bind(4, idempotency->order_id).Bind(5, o.created_at);
            auto inserted = key.Run();
            if (!inserted.ok()) {
                if (inserted.error().code == core::ErrorCode::kConflict) return IdempotencyKeyTaken();
                return inserted;
            }
        }
        EMPORIUM_ASSIGN_OR_RETURN(auto insert, c.Prepare(kInsertOrder));
        insert.Bind(1, o.id).Bind(2, o.user_id).Bind(3, StatusName(o.status)).Bind(4, o.total.currency);
        insert.Bind(5, o.subtotal.amount).Bind(6, o.total.amount).Bind(7, o.item_count);
        if (o.shipping_address) {
            const auto& a = *o.shipping_address;
            insert.Bind(8, a.name).Bind(9, a.line1).Bind(10, a.line2).Bind(11, a.city).Bind(12, a.region);
            insert.Bind(13, a.postal_code).Bind(14, a.country).Bind(15, a.phone);
        } else {
            for (int i = 8; i <= 15; ++i) insert.BindNull(i);
        }
        insert.Bind(16, o.reservation_expires_at).Bind(17, o.created_at);
        EMPORIUM_TRY(insert.Run());
        for (std::size_t i = 0; i < o.items.size(); ++i) {
            const auto& line = o.items[i];
            EMPORIUM_ASSIGN_OR_RETURN(auto item, c.Prepare(kInsertItem));
            item.Bind(1, o.id).Bind(2, static_cast<int64_t>(i)).Bind(3, line.sku).Bind(4, line.product_id);
            item.Bind(5, line.product_name).Bind(6, line.variant_name).Bind(7, line.quantity);
            item.Bind(8, line.unit_price.amount).Bind(9, line.line_total.amount);
            EMPORIUM_TRY(item.Run());
        }
        EMPORIUM_TRY(AddHistory(c, o.id, o.status, "order placed", o.created_at, ActorOf(ctx)));
        return infra::sqlite::AppendToOutbox(c, NewOrderPlacedEvent(o));
    });
}

Result<int64_t> SqliteOrdersRepository::PruneIdempotency(const core::RequestContext& ctx, int shard, int64_t before) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    EMPORIUM_ASSIGN_OR_RETURN(auto* db, Shard(shard));
    return infra::sqlite::DeleteInBatches(*db,
                                          "DELETE FROM idempotency_keys WHERE (user_id, key) IN "
                                          "(SELECT user_id, key FROM idempotency_keys WHERE created_at < ?1 LIMIT ?2)",
                                          before);
}

Result<std::optional<IdempotencyRecord>> SqliteOrdersRepository::FindIdempotency(const core::RequestContext& ctx,
                                                                                 int shard, std::string_view user_id,
                                                                                 std::string_view key) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    EMPORIUM_ASSIGN_OR_RETURN(auto* db, Shard(shard));
    return db->Read<std::optional<IdempotencyRecord>>([&](Connection& c) -> Result<std::optional<IdempotencyRecord>> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kSelectIdempotency));
        stmt.Bind(1, user_id).Bind(2, key);
        EMPORIUM_ASSIGN_OR_RETURN(bool found, stmt.Step());
        if (!found) return std::optional<IdempotencyRecord>();
        return std::optional<IdempotencyRecord>(ReadIdempotency(stmt, user_id, key));
    });
}

Result<Order> SqliteOrdersRepository::FindOrder(const core::RequestContext& ctx, int shard, std::string_view order_id) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    EMPORIUM_ASSIGN_OR_RETURN(auto* db, Shard(shard));
    return db->Read<Order>([&](Connection& c) { return LoadOrder(c, order_id); });
}

Result<std::vector<Result<Order>>> SqliteOrdersRepository::FindOrders(const core::RequestContext& ctx, int shard,
                                                                      const std::vector<std::string>& order_ids) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    using Outcomes = std::vector<Result<Order>>;
    EMPORIUM_ASSIGN_OR_RETURN(auto* db, Shard(shard));
    return db->Read<Outcomes>([&](Connection& c) -> Result<Outcomes> {
        Outcomes outcomes;
        outcomes.reserve(order_ids.size());
        for (const auto& order_id : order_ids) {
            auto order = LoadOrder(c, order_id);
            if (!order.ok() && order.error().code != core::ErrorCode::kNotFound) return order.error();
            outcomes.push_back(std::move(order));
        }
        return outcomes;
    });
}

Result<int64_t> SqliteOrdersRepository::CountUnpaidOrders(const core::RequestContext& ctx, int shard,
                                                          std::string_view user_id, int64_t now) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    EMPORIUM_ASSIGN_OR_RETURN(auto* db, Shard(shard));
    return db->Read<int64_t>([&](Connection& c) -> Result<int64_t> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kCountUnpaid));
        stmt.Bind(1, user_id).Bind(2, now);
        EMPORIUM_ASSIGN_OR_RETURN(bool row, stmt.Step());
        return row ? stmt.Int(0) : int64_t{0};
    });
}

Result<std::vector<std::pair<Order, int64_t>>> SqliteOrdersRepository::ListOrders(const core::RequestContext& ctx,
                                                                                  int shard, std::string_view user_id,
                                                                                  std::optional<int64_t> before_seq,
                                                                                  int limit) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    using Rows = std::vector<std::pair<Order, int64_t>>;
    EMPORIUM_ASSIGN_OR_RETURN(auto* db, Shard(shard));
    return db->Read<Rows>([&](Connection& c) -> Result<Rows> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kSelectUserOrders));
        stmt.Bind(1, user_id).Bind(2, before_seq.value_or(INT64_MAX)).Bind(3, limit);
        Rows rows;
        while (true) {
            EMPORIUM_ASSIGN_OR_RETURN(bool row, stmt.Step());
            if (!row) break;
            Order order;
            EMPORIUM_ASSIGN_OR_RETURN(int64_t seq, ReadOrder(c, stmt, order));
            rows.emplace_back(std::move(order), seq);
        }
        return rows;
    });
}

Result<std::vector<Order>> SqliteOrdersRepository::ListAllOrders(const core::RequestContext& ctx,
                                                                 const OrderFilter& filter,
                                                                 const std::optional<core::TimeIdCursor>& after,
                                                                 int limit) {
    AllOrdersQuery query(filter, after);
    std::vector<Order> orders;
    for (auto* db : DistinctStores(shards_)) {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        EMPORIUM_TRY(db->Read<void>([&](Connection& c) -> Result<void> {
            EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kSelectAllOrders));
            stmt.Bind(1, query.status).Bind(2, query.user_id).Bind(3, query.order_id).Bind(4, query.created_from);
            stmt.Bind(5, query.created_before).Bind(6, query.before_time).Bind(7, query.before_id).Bind(8, limit);
            while (true) {
                EMPORIUM_ASSIGN_OR_RETURN(bool row, stmt.Step());
                if (!row) break;
                Order order;
                EMPORIUM_TRY(ReadOrder(c, stmt, order));
                orders.push_back(std::move(order));
            }
            return core::Ok();
        }));
    }
    KeepNewest(orders, limit);
    return orders;
}

Result<std::vector<StatusChange>> SqliteOrdersRepository::History(const core::RequestContext& ctx, int shard,
                                                                  std::string_view order_id) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    EMPORIUM_ASSIGN_OR_RETURN(auto* db, Shard(shard));
    return db->Read<std::vector<StatusChange>>([&](Connection& c) -> Result<std::vector<StatusChange>> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kSelectHistory));
        stmt.Bind(1, order_id);
        std::vector<StatusChange> history;
        while (true) {
            EMPORIUM_ASSIGN_OR_RETURN(bool row, stmt.Step());
            if (!row) break;
            history.push_back(ReadStatusChange(stmt));
        }
        return history;
    });
}

Result<Order> SqliteOrdersRepository::Transition(const core::RequestContext& ctx, int shard, std::string_view order_id,
                                                 OrderStatus to, std::string_view reason, int64_t now) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    EMPORIUM_ASSIGN_OR_RETURN(auto* db, Shard(shard));
    return db->Write<Order>([&](Connection& c) { return TransitionIn(c, order_id, to, reason, now, ActorOf(ctx)); });
}

Result<std::vector<Result<Order>>> SqliteOrdersRepository::TransitionEach(const core::RequestContext& ctx, int shard,
                                                                          const std::vector<std::string>& order_ids,
                                                                          OrderStatus to, std::string_view reason,
                                                                          int64_t now) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    using Outcomes = std::vector<Result<Order>>;
    EMPORIUM_ASSIGN_OR_RETURN(auto* db, Shard(shard));
    return db->Write<Outcomes>([&](Connection& c) -> Result<Outcomes> {
        Outcomes outcomes;
        outcomes.reserve(order_ids.size());
        for (const auto& order_id : order_ids) {
            // Each order in its own savepoint: one that fails leaves nothing half-written.
            EMPORIUM_TRY(c.Run("SAVEPOINT one_order"));
            auto moved = TransitionIn(c, order_id, to, reason, now, ActorOf(ctx));
            // A failed rollback means SQLite ended the whole transaction itself: its cause
            // is the error to report.
            if (!moved.ok() && !c.Run("ROLLBACK TO one_order").ok()) return moved.error();
            EMPORIUM_TRY(c.Run("RELEASE one_order"));
            // A missing order or an illegal move is that order's answer; anything else (the
            // database failing) is the transaction's.
            if (!moved.ok() && moved.error().code != core::ErrorCode::kNotFound &&
                moved.error().code != core::ErrorCode::kConflict)
                return moved.error();
            outcomes.push_back(std::move(moved));
        }
        return outcomes;
    });
}

}  // namespace emporium::orders

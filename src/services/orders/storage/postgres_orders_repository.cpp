#include "services/orders/storage/postgres_orders_repository.hpp"

#include <unordered_map>

#include "core/deadline.hpp"
#include "core/json_writer.hpp"
#include "infra/postgres/outbox.hpp"
#include "services/orders/order_events.hpp"
#include "services/orders/storage/orders_rows.hpp"

namespace emporium::orders {

using core::Error;
using core::Result;
using infra::postgres::Connection;
using infra::postgres::Params;
using infra::postgres::Rows;

namespace {

// Orders are read by a list of ids sent as one JSON array ($1): a batch of any size costs
// one statement, and `= ANY (ARRAY (…))` keeps it a lookup in the primary key's index.
constexpr std::string_view kSelectOrders =
    "SELECT seq, id, user_id, status, currency, subtotal, total, item_count, ship_name, ship_line1, ship_line2, "
    "ship_city, ship_region, ship_postal_code, ship_country, ship_phone, reservation_expires_at, created_at, "
    "updated_at FROM orders WHERE id = ANY (ARRAY (SELECT json_array_elements_text($1::json)))";
// The same, locking the rows until the transaction ends, so a concurrent transition of the
// same order waits and then reads the status this one left. Locked in id order: two jobs
// locking overlapping sets of orders take them in the same order and cannot deadlock.
constexpr std::string_view kLockOrders =
    "SELECT seq, id, user_id, status, currency, subtotal, total, item_count, ship_name, ship_line1, ship_line2, "
    "ship_city, ship_region, ship_postal_code, ship_country, ship_phone, reservation_expires_at, created_at, "
    "updated_at FROM orders WHERE id = ANY (ARRAY (SELECT json_array_elements_text($1::json))) "
    "ORDER BY id FOR UPDATE";
constexpr std::string_view kSelectUserOrders =
    "SELECT seq, id, user_id, status, currency, subtotal, total, item_count, ship_name, ship_line1, ship_line2, "
    "ship_city, ship_region, ship_postal_code, ship_country, ship_phone, reservation_expires_at, created_at, "
    "updated_at FROM orders WHERE user_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3";
// The index on (created_at, id) serves it: (created_at, id) < ($6, $7) is a range on it.
constexpr std::string_view kSelectAllOrders =
    "SELECT seq, id, user_id, status, currency, subtotal, total, item_count, ship_name, ship_line1, ship_line2, "
    "ship_city, ship_region, ship_postal_code, ship_country, ship_phone, reservation_expires_at, created_at, "
    "updated_at FROM orders WHERE ($1 = '' OR status = $1) AND ($2 = '' OR user_id = $2) AND ($3 = '' OR id = $3) "
    "AND created_at >= $4 AND created_at < $5 AND (created_at, id) < ($6, $7) "
    "ORDER BY created_at DESC, id DESC LIMIT $8";
constexpr std::string_view kCountUnpaid =
    "SELECT count(*) FROM orders WHERE user_id = $1 AND status IN ('PENDING_PAYMENT', 'PAYMENT_PENDING') "
    "AND reservation_expires_at > $2";
constexpr std::string_view kInsertOrder =
    "INSERT INTO orders (id, user_id, status, currency, subtotal, total, item_count, ship_name, ship_line1, "
    "ship_line2, ship_city, ship_region, ship_postal_code, ship_country, ship_phone, reservation_expires_at, "
    "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)";
// The items of a list of orders (a JSON array of ids, as kSelectOrders).
constexpr std::string_view kSelectItems =
    "SELECT order_id, sku, product_id, product_name, variant_name, quantity, unit_price, line_total "
    "FROM order_items WHERE order_id = ANY (ARRAY (SELECT json_array_elements_text($1::json))) "
    "ORDER BY order_id, position";
constexpr std::string_view kInsertItem =
    "INSERT INTO order_items (order_id, position, sku, product_id, product_name, variant_name, quantity, unit_price, "
    "line_total) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
constexpr std::string_view kInsertHistory =
    "INSERT INTO order_status_history (order_id, status, reason, at, actor) VALUES ($1, $2, $3, $4, $5)";
constexpr std::string_view kSelectHistory =
    "SELECT status, at, reason, actor FROM order_status_history WHERE order_id = $1 ORDER BY seq";
constexpr std::string_view kSelectIdempotency =
    "SELECT request_hash, order_id FROM idempotency_keys WHERE user_id = $1 AND key = $2";
// Answers a row only when this request took the key. A concurrent request holding the same
// key uncommitted makes it wait for that one's outcome: of two, exactly one places its order.
constexpr std::string_view kClaimIdempotency =
    "INSERT INTO idempotency_keys (user_id, key, request_hash, order_id, created_at) VALUES ($1, $2, $3, $4, $5) "
    "ON CONFLICT (user_id, key) DO NOTHING RETURNING 1";
constexpr std::string_view kUpdateStatus = "UPDATE orders SET status = $2, updated_at = $3 WHERE id = $1";
constexpr std::string_view kPruneIdempotency =
    "DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY (SELECT ctid FROM idempotency_keys WHERE created_at < $1 "
    "LIMIT $2))";
constexpr int64_t kPruneBatchRows = 1000;

// The JSON array of `ids`: the $1 of kSelectOrders, kLockOrders and kSelectItems.
std::string IdList(const std::vector<std::string>& ids) {
    std::string list;
    core::JsonWriter json(list);
    json.BeginArray();
    for (const auto& id : ids) json.String(id);
    json.EndArray();
    return list;
}

// The orders of `rows` (in their order) with their items, which one more statement reads
// for all of them; each with its seq. Items commit with their order, so the two statements
// agree without a snapshot.
Result<std::vector<std::pair<Order, int64_t>>> ReadOrders(Connection& c, const Rows& rows) {
    std::vector<std::pair<Order, int64_t>> orders;
    orders.reserve(static_cast<std::size_t>(rows.size()));
    std::vector<std::string> ids;
    std::unordered_map<std::string, std::size_t> position_of;
    for (int i = 0; i < rows.size(); ++i) {
        Order order;
        int64_t seq = ReadOrderRow(rows[i], order);
        ids.push_back(order.id);
        position_of.emplace(order.id, orders.size());
        orders.emplace_back(std::move(order), seq);
    }
    if (orders.empty()) return orders;
    EMPORIUM_ASSIGN_OR_RETURN(auto items, c.Query(kSelectItems, Params(IdList(ids))));
    for (int i = 0; i < items.size(); ++i) {
        auto found = position_of.find(items[i].String(0));
        if (found == position_of.end()) continue;
        Order& order = orders[found->second].first;
        order.items.push_back(ReadOrderLine(items[i], 1, order.total.currency));
    }
    return orders;
}

// The orders among `order_ids` that exist, by id. `lock`: their rows stay locked until the
// transaction ends (inside a Write job).
Result<std::unordered_map<std::string, Order>> LoadOrders(Connection& c, const std::vector<std::string>& order_ids,
                                                          bool lock) {
    EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(lock ? kLockOrders : kSelectOrders, Params(IdList(order_ids))));
    EMPORIUM_ASSIGN_OR_RETURN(auto orders, ReadOrders(c, rows));
    std::unordered_map<std::string, Order> by_id;
    for (auto& [order, seq] : orders) by_id.emplace(order.id, std::move(order));
    return by_id;
}

// Inside a write job, on orders loaded with their rows locked: moves `order_id` to `to` if
// CanTransition allows it, queueing its update, history entry and OrderStatusChanged event,
// and updates `orders` to match. Already in `to`: no change. Queues nothing when it answers
// kNotFound or kConflict.
Result<Order> TransitionIn(Connection& c, std::unordered_map<std::string, Order>& orders, const std::string& order_id,
                           OrderStatus to, std::string_view reason, int64_t now, std::string_view actor) {
    auto found = orders.find(order_id);
    if (found == orders.end()) return Error::NotFound("No such order.");
    Order& order = found->second;
    if (order.status == to) return order;
    if (!CanTransition(order.status, to)) return TransitionRefused(order.status, to);
    OrderStatus from = order.status;
    c.Queue(kUpdateStatus, Params(order_id, StatusName(to), now));
    c.Queue(kInsertHistory, Params(order_id, StatusName(to), reason, now, actor));
    order.status = to;
    order.updated_at = now;
    infra::postgres::AppendToOutbox(c, NewOrderStatusChangedEvent(order, from, to, reason, now));
    return order;
}

}  // namespace

Result<infra::postgres::Database*> PostgresOrdersRepository::Shard(int shard) const {
    if (shard < 0 || shard >= static_cast<int>(shards_.size())) return Error::NotFound("No such order.");
    return shards_[static_cast<std::size_t>(shard)];
}

Result<void> PostgresOrdersRepository::CreateOrder(const core::RequestContext& ctx, int shard, const Order& o,
                                                   const std::optional<IdempotencyRecord>& idempotency) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    EMPORIUM_ASSIGN_OR_RETURN(auto* db, Shard(shard));
    return db->Write<void>(ctx, [&](Connection& c) -> Result<void> {
        // The key first: a request that loses it waits only there, and queues nothing.
        if (idempotency) {
            EMPORIUM_ASSIGN_OR_RETURN(
                auto claimed,
                c.Query(kClaimIdempotency, Params(idempotency->user_id, idempotency->key, idempotency->request_hash,
                                                  idempotency->order_id, o.created_at)));
            if (claimed.empty()) return IdempotencyKeyTaken();
        }
        // The rest rides with the COMMIT.
        Params order;
        order.Add(o.id).Add(o.user_id).Add(StatusName(o.status)).Add(o.total.currency);
        order.Add(o.subtotal.amount).Add(o.total.amount).Add(o.item_count);
        if (o.shipping_address) {
            const auto& a = *o.shipping_address;
            order.Add(a.name).Add(a.line1).Add(a.line2).Add(a.city).Add(a.region).Add(a.postal_code).Add(a.country);
            order.Add(a.phone);
        } else {
            for (int i = 8; i <= 15; ++i) order.AddNull();
        }
        order.Add(o.reservation_expires_at).Add(o.created_at);
        c.Queue(kInsertOrder, std::move(order));
        for (std::size_t i = 0; i < o.items.size(); ++i) {
            const auto& line = o.items[i];
            c.Queue(kInsertItem,
                    Params(o.id, static_cast<int64_t>(i), line.sku, line.product_id, line.product_name,
                           line.variant_name, line.quantity, line.unit_price.amount, line.line_total.amount));
        }
        c.Queue(kInsertHistory, Params(o.id, StatusName(o.status), "order placed", o.created_at, ActorOf(ctx)));
        infra::postgres::AppendToOutbox(c, NewOrderPlacedEvent(o));
        return core::Ok();
    });
}

Result<int64_t> PostgresOrdersRepository::PruneIdempotency(const core::RequestContext& ctx, int shard, int64_t before) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    EMPORIUM_ASSIGN_OR_RETURN(auto* db, Shard(shard));
    // In commits of at most kPruneBatchRows rows, so a large backlog never holds locks for long.
    int64_t total = 0;
    for (;;) {
        EMPORIUM_ASSIGN_OR_RETURN(int64_t deleted, db->Write<int64_t>(ctx, [&](Connection& c) {
            return c.Exec(kPruneIdempotency, Params(before, kPruneBatchRows));
        }));
        total += deleted;
        if (deleted < kPruneBatchRows) return total;
    }
}

Result<std::optional<IdempotencyRecord>> PostgresOrdersRepository::FindIdempotency(const core::RequestContext& ctx,
                                                                                   int shard, std::string_view user_id,
                                                                                   std::string_view key) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    EMPORIUM_ASSIGN_OR_RETURN(auto* db, Shard(shard));
    using Answer = std::optional<IdempotencyRecord>;
    return db->Read<Answer>(ctx, [&](Connection& c) -> Result<Answer> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(kSelectIdempotency, Params(user_id, key)));
        if (rows.empty()) return Answer();
        return Answer(ReadIdempotency(rows[0], user_id, key));
    });
}

Result<Order> PostgresOrdersRepository::FindOrder(const core::RequestContext& ctx, int shard,
                                                  std::string_view order_id) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    EMPORIUM_ASSIGN_OR_RETURN(auto* db, Shard(shard));
    return db->Read<Order>(ctx, [&](Connection& c) -> Result<Order> {
        EMPORIUM_ASSIGN_OR_RETURN(auto orders, LoadOrders(c, {std::string(order_id)}, false));
        if (orders.empty()) return Error::NotFound("No such order.");
        return std::move(orders.begin()->second);
    });
}

Result<std::vector<Result<Order>>> PostgresOrdersRepository::FindOrders(const core::RequestContext& ctx, int shard,
                                                                        const std::vector<std::string>& order_ids) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    using Outcomes = std::vector<Result<Order>>;
    EMPORIUM_ASSIGN_OR_RETURN(auto* db, Shard(shard));
    return db->Read<Outcomes>(ctx, [&](Connection& c) -> Result<Outcomes> {
        EMPORIUM_ASSIGN_OR_RETURN(auto orders, LoadOrders(c, order_ids, false));
        Outcomes outcomes;
        outcomes.reserve(order_ids.size());
        for (const auto& order_id : order_ids) {
            auto found = orders.find(order_id);
            if (found == orders.end())
                outcomes.emplace_back(Error::NotFound("No such order."));
            else
                outcomes.emplace_back(found->second);
        }
        return outcomes;
    });
}

Result<int64_t> PostgresOrdersRepository::CountUnpaidOrders(const core::RequestContext& ctx, int shard,
                                                            std::string_view user_id, int64_t now) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    EMPORIUM_ASSIGN_OR_RETURN(auto* db, Shard(shard));
    return db->Read<int64_t>(ctx, [&](Connection& c) -> Result<int64_t> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(kCountUnpaid, Params(user_id, now)));
        return rows.size() > 0 ? rows[0].Int(0) : int64_t{0};
    });
}

Result<std::vector<std::pair<Order, int64_t>>> PostgresOrdersRepository::ListOrders(const core::RequestContext& ctx,
                                                                                    int shard, std::string_view user_id,
                                                                                    std::optional<int64_t> before_seq,
                                                                                    int limit) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    using Listed = std::vector<std::pair<Order, int64_t>>;
    EMPORIUM_ASSIGN_OR_RETURN(auto* db, Shard(shard));
    return db->Read<Listed>(ctx, [&](Connection& c) -> Result<Listed> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows,
                                  c.Query(kSelectUserOrders, Params(user_id, before_seq.value_or(INT64_MAX), limit)));
        return ReadOrders(c, rows);
    });
}

Result<std::vector<Order>> PostgresOrdersRepository::ListAllOrders(const core::RequestContext& ctx,
                                                                   const OrderFilter& filter,
                                                                   const std::optional<core::TimeIdCursor>& after,
                                                                   int limit) {
    using Listed = std::vector<std::pair<Order, int64_t>>;
    AllOrdersQuery query(filter, after);
    std::vector<Order> orders;
    for (auto* db : DistinctStores(shards_)) {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        EMPORIUM_ASSIGN_OR_RETURN(auto listed, db->Read<Listed>(ctx, [&](Connection& c) -> Result<Listed> {
            Params params(query.status, query.user_id, query.order_id, query.created_from, query.created_before,
                          query.before_time, query.before_id, limit);
            EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(kSelectAllOrders, std::move(params)));
            return ReadOrders(c, rows);
        }));
        for (auto& [order, seq] : listed) orders.push_back(std::move(order));
    }
    KeepNewest(orders, limit);
    return orders;
}

Result<std::vector<StatusChange>> PostgresOrdersRepository::History(const core::RequestContext& ctx, int shard,
                                                                    std::string_view order_id) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    EMPORIUM_ASSIGN_OR_RETURN(auto* db, Shard(shard));
    return db->Read<std::vector<StatusChange>>(ctx, [&](Connection& c) -> Result<std::vector<StatusChange>> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(kSelectHistory, Params(order_id)));
        std::vector<StatusChange> history;
        history.reserve(static_cast<std::size_t>(rows.size()));
        for (int i = 0; i < rows.size(); ++i) history.push_back(ReadStatusChange(rows[i]));
        return history;
    });
}

Result<Order> PostgresOrdersRepository::Transition(const core::RequestContext& ctx, int shard,
                                                   std::string_view order_id, OrderStatus to, std::string_view reason,
                                                   int64_t now) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    EMPORIUM_ASSIGN_OR_RETURN(auto* db, Shard(shard));
    std::string id(order_id);
    return db->Write<Order>(ctx, [&](Connection& c) -> Result<Order> {
        EMPORIUM_ASSIGN_OR_RETURN(auto orders, LoadOrders(c, {id}, true));
        return TransitionIn(c, orders, id, to, reason, now, ActorOf(ctx));
    });
}

Result<std::vector<Result<Order>>> PostgresOrdersRepository::TransitionEach(const core::RequestContext& ctx, int shard,
                                                                            const std::vector<std::string>& order_ids,
                                                                            OrderStatus to, std::string_view reason,
                                                                            int64_t now) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    using Outcomes = std::vector<Result<Order>>;
    EMPORIUM_ASSIGN_OR_RETURN(auto* db, Shard(shard));
    return db->Write<Outcomes>(ctx, [&](Connection& c) -> Result<Outcomes> {
        // Every order locked at once (in id order); each answer is then decided before anything
        // of it is queued, so an order that fails leaves nothing half-written without a savepoint.
        EMPORIUM_ASSIGN_OR_RETURN(auto orders, LoadOrders(c, order_ids, true));
        Outcomes outcomes;
        outcomes.reserve(order_ids.size());
        for (const auto& order_id : order_ids)
            outcomes.push_back(TransitionIn(c, orders, order_id, to, reason, now, ActorOf(ctx)));
        return outcomes;
    });
}

}  // namespace emporium::orders

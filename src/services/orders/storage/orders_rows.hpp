#pragma once

// Both SQL adapters of the orders service (SQLite and PostgreSQL) decode the same records
// and answer the same refusals: the row decoders and those errors live here once, so that
// the two adapters cannot drift apart (the events they append are in order_events.hpp).
// Decoders are templates over the row type: infra::sqlite::Statement and
// infra::postgres::Row read columns alike.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "services/orders/orders_repository.hpp"

namespace emporium::orders {

// Reads an orders row (seq, id, user_id, status, currency, subtotal, total, item_count,
// ship_name … ship_phone, reservation_expires_at, created_at, updated_at) without its
// items; returns its seq.
template <typename Row>
int64_t ReadOrderRow(const Row& row, Order& o) {
    o.id = row.String(1);
    o.user_id = row.String(2);
    o.status = ParseStatus(row.Text(3)).value_or(OrderStatus::kPendingPayment);
    std::string currency = row.String(4);
    o.subtotal = catalog::Money{row.Int(5), currency};
    o.total = catalog::Money{row.Int(6), currency};
    o.item_count = row.Int(7);
    if (!row.IsNull(8)) {
        o.shipping_address = ShippingAddress{row.String(8),  row.String(9),  row.String(10), row.String(11),
                                             row.String(12), row.String(13), row.String(14), row.String(15)};
    }
    o.reservation_expires_at = row.Int(16);
    o.created_at = row.Int(17);
    o.updated_at = row.Int(18);
    return row.Int(0);
}

// Reads the order_items columns sku, product_id, product_name, variant_name, quantity,
// unit_price, line_total starting at `first`; the amounts are in the order's `currency`.
template <typename Row>
OrderLine ReadOrderLine(const Row& row, int first, const std::string& currency) {
    return OrderLine{row.String(first),
                     row.String(first + 1),
                     row.String(first + 2),
                     row.String(first + 3),
                     row.Int(first + 4),
                     catalog::Money{row.Int(first + 5), currency},
                     catalog::Money{row.Int(first + 6), currency}};
}

// Columns: status, at, reason.
template <typename Row>
StatusChange ReadStatusChange(const Row& row) {
    return StatusChange{ParseStatus(row.Text(0)).value_or(OrderStatus::kPendingPayment), row.Int(1), row.String(2),
                        row.String(3)};
}

// Columns: request_hash, order_id; the user and key are what it was looked up by.
template <typename Row>
IdempotencyRecord ReadIdempotency(const Row& row, std::string_view user_id, std::string_view key) {
    return IdempotencyRecord{std::string(user_id), std::string(key), row.String(0), row.String(1)};
}

// The answer to an order placed again under an idempotency key another request took.
inline core::Error IdempotencyKeyTaken() {
    return core::Error{core::ErrorCode::kConflict, "idempotency key taken", {{"idempotency_key", "exists"}}};
}

// The actor recorded with a status change: the user whose request made it, '' if none (never a
// null view: the SQLite adapter would bind it as NULL).
inline std::string_view ActorOf(const core::RequestContext& ctx) {
    return ctx.principal ? std::string_view(ctx.principal->user_id) : std::string_view("");
}

// The parameters of the list of every order, bound alike by both adapters: '' means "no
// filter" for the text ones, and the bounds are open ends when absent. `before_id` sorts after
// every order id when there is no cursor ('~' follows letters, digits and '_').
struct AllOrdersQuery {
    std::string status, user_id, order_id;
    int64_t created_from = std::numeric_limits<int64_t>::min();
    int64_t created_before = std::numeric_limits<int64_t>::max();
    int64_t before_time = std::numeric_limits<int64_t>::max();
    std::string before_id = "~";

    AllOrdersQuery(const OrderFilter& filter, const std::optional<core::TimeIdCursor>& after) {
        if (filter.status) status = std::string(StatusName(*filter.status));
        user_id = filter.user_id.value_or("");
        order_id = filter.order_id.value_or("");
        if (filter.created_after) created_from = *filter.created_after;
        if (filter.created_before) created_before = *filter.created_before;
        if (after) {
            before_time = after->time;
            before_id = after->id;
        }
    }
};

// Each store's newest `limit` orders, merged: the newest `limit` of them all.
inline void KeepNewest(std::vector<Order>& orders, int limit) {
    std::sort(orders.begin(), orders.end(), [](const Order& a, const Order& b) {
        return a.created_at != b.created_at ? a.created_at > b.created_at : a.id > b.id;
    });
    if (static_cast<int>(orders.size()) > limit) orders.resize(static_cast<std::size_t>(limit));
}

// The distinct stores behind the logical shards, each once, in shard order.
template <typename Store>
std::vector<Store*> DistinctStores(const std::vector<Store*>& shards) {
    std::vector<Store*> stores;
    for (Store* store : shards)
        if (std::find(stores.begin(), stores.end(), store) == stores.end()) stores.push_back(store);
    return stores;
}

// The answer to a move CanTransition refuses.
inline core::Error TransitionRefused(OrderStatus from, OrderStatus to) {
    return core::Error::Conflict("An order in state " + std::string(StatusName(from)) + " cannot become " +
                                 std::string(StatusName(to)) + ".");
}

}  // namespace emporium::orders

#pragma once

// Both SQL adapters of the orders service (SQLite and PostgreSQL) decode the same records
// and answer the same refusals: the row decoders and those errors live here once, so that
// the two adapters cannot drift apart (the events they append are in order_events.hpp).
// Decoders are templates over the row type: infra::sqlite::Statement and
// infra::postgres::Row read columns alike.

#include <cstdint>
#include <string>
#include <string_view>

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
    return StatusChange{ParseStatus(row.Text(0)).value_or(OrderStatus::kPendingPayment), row.Int(1), row.String(2)};
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

// The answer to a move CanTransition refuses.
inline core::Error TransitionRefused(OrderStatus from, OrderStatus to) {
    return core::Error::Conflict("An order in state " + std::string(StatusName(from)) + " cannot become " +
                                 std::string(StatusName(to)) + ".");
}

}  // namespace emporium::orders

#pragma once

// Both SQL adapters of the payments service (SQLite and PostgreSQL) decode and encode the
// same records: the row decoders and the PaymentSucceeded event they append to the outbox
// live here once, so that the two adapters cannot drift apart. Decoders are templates over
// the row type: infra::sqlite::Statement and infra::postgres::Row read columns alike.

#include <string>
#include <string_view>

#include "bus/event.hpp"
#include "core/json_writer.hpp"
#include "services/payments/payments_service.hpp"

namespace emporium::payments {

// The payments.status column's values, as StatusName writes them; anything else is read
// as still processing.
inline PaymentStatus ParseStatus(std::string_view text) {
    if (text == "succeeded") return PaymentStatus::kSucceeded;
    if (text == "failed") return PaymentStatus::kFailed;
    if (text == "refunded") return PaymentStatus::kRefunded;
    return PaymentStatus::kProcessing;
}

// PaymentSucceeded for `payment`'s order, published when it settles to kSucceeded.
inline bus::Event PaymentSucceededEvent(const Payment& payment) {
    std::string payload;
    core::JsonWriter json(payload);
    json.BeginObject().Field("payment_id", payment.id).Field("order_id", payment.order_id).EndObject();
    return bus::NewEvent(std::string(kPaymentSucceeded), payment.order_id, std::move(payload), payment.updated_at);
}

// Columns: id, order_id, user_id, status, amount, currency, card_token, card_last4,
// card_brand, psp_charge_id, failure_code, attempts, next_retry_at, retry_deadline,
// created_at, updated_at.
template <typename Row>
Payment ReadPayment(const Row& row) {
    Payment p;
    p.id = row.String(0);
    p.order_id = row.String(1);
    p.user_id = row.String(2);
    p.status = ParseStatus(row.Text(3));
    p.amount = row.Int(4);
    p.currency = row.String(5);
    p.card_token = row.String(6);
    p.card_last4 = row.String(7);
    p.card_brand = row.String(8);
    p.provider_charge_id = row.String(9);  // "" when NULL
    p.failure_code = row.String(10);
    p.attempts = row.Int(11);
    if (!row.IsNull(12)) p.next_retry_at = row.Int(12);
    p.retry_deadline = row.Int(13);
    p.created_at = row.Int(14);
    p.updated_at = row.Int(15);
    return p;
}

// Columns: key, fingerprint, status, content_type, body. The claim's time is not read.
template <typename Row>
KeyedRequest ReadKeyedRequest(const Row& row) {
    return KeyedRequest{row.String(0), row.String(1), static_cast<int>(row.Int(2)), row.String(3), row.String(4)};
}

}  // namespace emporium::payments

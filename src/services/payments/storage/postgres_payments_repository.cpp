#include "services/payments/storage/postgres_payments_repository.hpp"

#include "core/deadline.hpp"
#include "infra/postgres/outbox.hpp"
#include "services/payments/storage/payments_rows.hpp"

namespace emporium::payments {

using core::Error;
using core::Result;
using infra::postgres::Connection;
using infra::postgres::Params;

namespace {

constexpr std::string_view kInsert =
    "INSERT INTO payments (id, order_id, user_id, status, amount, currency, card_token, card_last4, card_brand, "
    "attempts, next_retry_at, retry_deadline, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $12, $10, $11, $11)";
constexpr std::string_view kSelectByOrder =
    "SELECT id, order_id, user_id, status, amount, currency, card_token, card_last4, card_brand, psp_charge_id, "
    "failure_code, attempts, next_retry_at, retry_deadline, created_at, updated_at FROM payments WHERE order_id = $1";
constexpr std::string_view kSelectDue =
    "SELECT id, order_id, user_id, status, amount, currency, card_token, card_last4, card_brand, psp_charge_id, "
    "failure_code, attempts, next_retry_at, retry_deadline, created_at, updated_at FROM payments "
    "WHERE status = 'processing' AND next_retry_at <= $1 ORDER BY next_retry_at LIMIT $2";
// Compare-and-set on the status: a concurrent settler that changed the row first makes this
// one touch nothing (READ COMMITTED re-checks the WHERE on the row it waited for).
constexpr std::string_view kUpdate =
    "UPDATE payments SET status = $2, psp_charge_id = $3, failure_code = $4, attempts = $5, next_retry_at = $6, "
    "updated_at = $7, card_last4 = $9, card_brand = $10 WHERE id = $1 AND status = $8";

// One statement claims a new key or takes over a stale claim, and answers a row only then.
// Otherwise it still locks the stored row (ON CONFLICT DO UPDATE locks the rows it skips),
// so the read that follows finds it even if its request finishes or forgets it meanwhile.
constexpr std::string_view kClaimKeyedRequest =
    "INSERT INTO keyed_requests (user_id, key, fingerprint, status, content_type, body, created_at) "
    "VALUES ($1, $2, $3, 0, '', '', $4) ON CONFLICT (user_id, key) DO UPDATE "
    "SET fingerprint = EXCLUDED.fingerprint, created_at = EXCLUDED.created_at "
    "WHERE keyed_requests.status = 0 AND keyed_requests.created_at < $5 RETURNING 1";
constexpr std::string_view kSelectKeyedRequest =
    "SELECT key, fingerprint, status, content_type, body FROM keyed_requests WHERE user_id = $1 AND key = $2";
// A claim is known by its key and the time it was made (a takeover moves that time).
constexpr std::string_view kFinishKeyedRequest =
    "UPDATE keyed_requests SET status = $3, content_type = $4, body = $5 "
    "WHERE user_id = $1 AND key = $2 AND status = 0 AND created_at = $6";
constexpr std::string_view kForgetKeyedRequest =
    "DELETE FROM keyed_requests WHERE user_id = $1 AND key = $2 AND status = 0 AND created_at = $3";
// The repeated time test spares a claim taken over after the inner select saw it.
constexpr std::string_view kPruneKeyedRequests =
    "DELETE FROM keyed_requests WHERE ctid = ANY (ARRAY (SELECT ctid FROM keyed_requests WHERE created_at < $1 "
    "LIMIT $2)) AND created_at < $1";
constexpr int64_t kPruneBatchRows = 1000;

}  // namespace

Result<void> PostgresPaymentsRepository::Insert(const core::RequestContext& ctx, const Payment& p) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<void>(ctx, [&](Connection& c) -> Result<void> {
        // A second payment for the order breaks order_id's unique index: kConflict.
        c.Queue(kInsert, Params(p.id, p.order_id, p.user_id, StatusName(p.status), p.amount, p.currency, p.card_token,
                                p.card_last4, p.card_brand, p.retry_deadline, p.created_at, p.next_retry_at));
        return core::Ok();
    });
}

Result<Payment> PostgresPaymentsRepository::FindByOrder(const core::RequestContext& ctx, std::string_view order_id) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<Payment>(ctx, [&](Connection& c) -> Result<Payment> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(kSelectByOrder, Params(order_id)));
        if (rows.empty()) return Error::NotFound("This order has no payment.");
        return ReadPayment(rows[0]);
    });
}

Result<bool> PostgresPaymentsRepository::Update(const core::RequestContext& ctx, const Payment& p,
                                                PaymentStatus expected) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<bool>(ctx, [&](Connection& c) -> Result<bool> {
        EMPORIUM_ASSIGN_OR_RETURN(
            int64_t updated,
            c.Exec(kUpdate, Params(p.id, StatusName(p.status), p.provider_charge_id, p.failure_code, p.attempts,
                                   p.next_retry_at, p.updated_at, StatusName(expected), p.card_last4, p.card_brand)));
        if (updated != 1) return false;
        if (p.status == PaymentStatus::kSucceeded && expected == PaymentStatus::kProcessing) {
            infra::postgres::AppendToOutbox(c, PaymentSucceededEvent(p));
        }
        return true;
    });
}

Result<std::vector<Payment>> PostgresPaymentsRepository::FindDue(const core::RequestContext& ctx, int64_t now,
                                                                 int limit) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<std::vector<Payment>>(ctx, [&](Connection& c) -> Result<std::vector<Payment>> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(kSelectDue, Params(now, limit)));
        std::vector<Payment> due;
        due.reserve(static_cast<std::size_t>(rows.size()));
        for (int i = 0; i < rows.size(); ++i) due.push_back(ReadPayment(rows[i]));
        return due;
    });
}

Result<std::optional<KeyedRequest>> PostgresPaymentsRepository::ClaimKeyedRequest(const core::RequestContext& ctx,
                                                                                  std::string_view user_id,
                                                                                  std::string_view key,
                                                                                  std::string_view fingerprint,
                                                                                  int64_t now, int64_t stale_before) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    using Answer = std::optional<KeyedRequest>;
    return db_.Write<Answer>(ctx, [&](Connection& c) -> Result<Answer> {
        EMPORIUM_ASSIGN_OR_RETURN(auto claimed,
                                  c.Query(kClaimKeyedRequest, Params(user_id, key, fingerprint, now, stale_before)));
        if (!claimed.empty()) return Answer();
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(kSelectKeyedRequest, Params(user_id, key)));
        if (rows.empty()) return Error::Internal("keyed request vanished inside its transaction");
        // As the SQLite adapter answers it: the claim's time is not read back.
        return Answer(ReadKeyedRequest(rows[0]));
    });
}

Result<int64_t> PostgresPaymentsRepository::PruneKeyedRequests(const core::RequestContext& ctx, int64_t before) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    // In commits of at most kPruneBatchRows rows, so a large backlog never holds locks for long.
    int64_t total = 0;
    for (;;) {
        EMPORIUM_ASSIGN_OR_RETURN(int64_t deleted, db_.Write<int64_t>(ctx, [&](Connection& c) {
            return c.Exec(kPruneKeyedRequests, Params(before, kPruneBatchRows));
        }));
        total += deleted;
        if (deleted < kPruneBatchRows) return total;
    }
}

Result<bool> PostgresPaymentsRepository::FinishKeyedRequest(const core::RequestContext& ctx, std::string_view user_id,
                                                            const KeyedRequest& answer, bool forget) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<bool>(ctx, [&](Connection& c) -> Result<bool> {
        int64_t changed = 0;
        if (forget) {
            EMPORIUM_ASSIGN_OR_RETURN(changed,
                                      c.Exec(kForgetKeyedRequest, Params(user_id, answer.key, answer.claimed_at)));
        } else {
            EMPORIUM_ASSIGN_OR_RETURN(
                changed, c.Exec(kFinishKeyedRequest, Params(user_id, answer.key, answer.status, answer.content_type,
                                                            answer.body, answer.claimed_at)));
        }
        return changed == 1;
    });
}

}  // namespace emporium::payments

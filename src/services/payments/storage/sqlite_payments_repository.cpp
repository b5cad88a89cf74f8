#include "services/payments/storage/sqlite_payments_repository.hpp"

#include "core/deadline.hpp"
#include "infra/sqlite/outbox.hpp"
#include "services/payments/storage/payments_rows.hpp"

namespace emporium::payments {

using core::Error;
using core::Result;
using infra::sqlite::Connection;

namespace {

constexpr std::string_view kInsert =
    "INSERT INTO payments (id, order_id, user_id, status, amount, currency, card_token, card_last4, card_brand, "
    "attempts, next_retry_at, retry_deadline, created_at, updated_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?12, ?10, ?11, ?11)";
constexpr std::string_view kSelectByOrder =
    "SELECT id, order_id, user_id, status, amount, currency, card_token, card_last4, card_brand, psp_charge_id, "
    "failure_code, attempts, next_retry_at, retry_deadline, created_at, updated_at FROM payments WHERE order_id = ?1";
constexpr std::string_view kSelectDue =
    "SELECT id, order_id, user_id, status, amount, currency, card_token, card_last4, card_brand, psp_charge_id, "
    "failure_code, attempts, next_retry_at, retry_deadline, created_at, updated_at FROM payments "
    "WHERE status = 'processing' AND next_retry_at <= ?1 ORDER BY next_retry_at LIMIT ?2";
constexpr std::string_view kUpdate =
    "UPDATE payments SET status = ?2, psp_charge_id = ?3, failure_code = ?4, attempts = ?5, next_retry_at = ?6, "
    "updated_at = ?7, card_last4 = ?9, card_brand = ?10 WHERE id = ?1 AND status = ?8";

constexpr std::string_view kClaimKeyedRequest =
    "INSERT INTO keyed_requests (user_id, key, fingerprint, status, content_type, body, created_at) "
    "VALUES (?1, ?2, ?3, 0, '', '', ?4) ON CONFLICT (user_id, key) DO NOTHING";
constexpr std::string_view kSelectKeyedRequest =
    "SELECT key, fingerprint, status, content_type, body, created_at FROM keyed_requests "
    "WHERE user_id = ?1 AND key = ?2";
constexpr std::string_view kTakeOverKeyedRequest =
    "UPDATE keyed_requests SET fingerprint = ?3, created_at = ?4 WHERE user_id = ?1 AND key = ?2 AND status = 0";
// A claim is known by its key and the time it was made (a takeover moves that time).
constexpr std::string_view kFinishKeyedRequest =
    "UPDATE keyed_requests SET status = ?3, content_type = ?4, body = ?5 "
    "WHERE user_id = ?1 AND key = ?2 AND status = 0 AND created_at = ?6";
constexpr std::string_view kForgetKeyedRequest =
    "DELETE FROM keyed_requests WHERE user_id = ?1 AND key = ?2 AND status = 0 AND created_at = ?3";
constexpr std::string_view kPruneKeyedRequests =
    "DELETE FROM keyed_requests WHERE (user_id, key) IN "
    "(SELECT user_id, key FROM keyed_requests WHERE created_at < ?1 LIMIT ?2)";

}  // namespace

Result<void> SqlitePaymentsRepository::Insert(const core::RequestContext& ctx, const Payment& p) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<void>([&](Connection& c) -> Result<void> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kInsert));
        stmt.Bind(1, p.id).Bind(2, p.order_id).Bind(3, p.user_id).Bind(4, StatusName(p.status)).Bind(5, p.amount);
        stmt.Bind(6, p.currency).Bind(7, p.card_token).Bind(8, p.card_last4).Bind(9, p.card_brand);
        stmt.Bind(10, p.retry_deadline).Bind(11, p.created_at);
        if (p.next_retry_at)
            stmt.Bind(12, *p.next_retry_at);
        else
            stmt.BindNull(12);
        return stmt.Run();
    });
}

Result<Payment> SqlitePaymentsRepository::FindByOrder(const core::RequestContext& ctx, std::string_view order_id) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<Payment>([&](Connection& c) -> Result<Payment> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kSelectByOrder));
        stmt.Bind(1, order_id);
        EMPORIUM_ASSIGN_OR_RETURN(bool found, stmt.Step());
        if (!found) return Error::NotFound("This order has no payment.");
        return ReadPayment(stmt);
    });
}

Result<bool> SqlitePaymentsRepository::Update(const core::RequestContext& ctx, const Payment& p,
                                              PaymentStatus expected) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<bool>([&](Connection& c) -> Result<bool> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kUpdate));
        stmt.Bind(1, p.id).Bind(2, StatusName(p.status)).Bind(3, p.provider_charge_id).Bind(4, p.failure_code);
        stmt.Bind(5, p.attempts);
        if (p.next_retry_at)
            stmt.Bind(6, *p.next_retry_at);
        else
            stmt.BindNull(6);
        stmt.Bind(7, p.updated_at).Bind(8, StatusName(expected)).Bind(9, p.card_last4).Bind(10, p.card_brand);
        EMPORIUM_TRY(stmt.Run());
        if (c.ChangedRows() != 1) return false;
        if (p.status == PaymentStatus::kSucceeded && expected == PaymentStatus::kProcessing) {
            EMPORIUM_TRY(infra::sqlite::AppendToOutbox(c, PaymentSucceededEvent(p)));
        }
        return true;
    });
}

Result<std::vector<Payment>> SqlitePaymentsRepository::FindDue(const core::RequestContext& ctx, int64_t now,
                                                               int limit) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<std::vector<Payment>>([&](Connection& c) -> Result<std::vector<Payment>> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kSelectDue));
        stmt.Bind(1, now).Bind(2, limit);
        std::vector<Payment> due;
        while (true) {
            EMPORIUM_ASSIGN_OR_RETURN(bool row, stmt.Step());
            if (!row) break;
            due.push_back(ReadPayment(stmt));
        }
        return due;
    });
}

Result<std::optional<KeyedRequest>> SqlitePaymentsRepository::ClaimKeyedRequest(const core::RequestContext& ctx,
                                                                                std::string_view user_id,
                                                                                std::string_view key,
                                                                                std::string_view fingerprint,
                                                                                int64_t now, int64_t stale_before) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    using Answer = std::optional<KeyedRequest>;
    return db_.Write<Answer>([&](Connection& c) -> Result<Answer> {
        EMPORIUM_ASSIGN_OR_RETURN(auto claim, c.Prepare(kClaimKeyedRequest));
        claim.Bind(1, user_id).Bind(2, key).Bind(3, fingerprint).Bind(4, now);
        EMPORIUM_TRY(claim.Run());
        if (c.ChangedRows() == 1) return Answer();
        EMPORIUM_ASSIGN_OR_RETURN(auto select, c.Prepare(kSelectKeyedRequest));
        select.Bind(1, user_id).Bind(2, key);
        EMPORIUM_ASSIGN_OR_RETURN(bool found, select.Step());
        if (!found) return Error::Internal("keyed request vanished inside its transaction");
        KeyedRequest earlier = ReadKeyedRequest(select);
        if (earlier.status != 0 || select.Int(5) >= stale_before) return Answer(std::move(earlier));
        EMPORIUM_ASSIGN_OR_RETURN(auto take, c.Prepare(kTakeOverKeyedRequest));
        take.Bind(1, user_id).Bind(2, key).Bind(3, fingerprint).Bind(4, now);
        EMPORIUM_TRY(take.Run());
        return Answer();
    });
}

Result<int64_t> SqlitePaymentsRepository::PruneKeyedRequests(const core::RequestContext& ctx, int64_t before) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return infra::sqlite::DeleteInBatches(db_, kPruneKeyedRequests, before);
}

Result<bool> SqlitePaymentsRepository::FinishKeyedRequest(const core::RequestContext& ctx, std::string_view user_id,
                                                          const KeyedRequest& answer, bool forget) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<bool>([&](Connection& c) -> Result<bool> {
        if (forget) {
            EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kForgetKeyedRequest));
            stmt.Bind(1, user_id).Bind(2, answer.key).Bind(3, answer.claimed_at);
            EMPORIUM_TRY(stmt.Run());
            return c.ChangedRows() == 1;
        }
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kFinishKeyedRequest));
        stmt.Bind(1, user_id).Bind(2, answer.key).Bind(3, answer.status).Bind(4, answer.content_type);
        stmt.Bind(5, answer.body).Bind(6, answer.claimed_at);
        EMPORIUM_TRY(stmt.Run());
        return c.ChangedRows() == 1;
    });
}

}  // namespace emporium::payments

#pragma once

#include "infra/postgres/database.hpp"
#include "services/payments/payments_repository.hpp"

namespace emporium::payments {

// PaymentsRepository over a PostgreSQL database (schemas/postgres/payments + bus tables).
// Several writes run at once: every state change is one conditional statement (the status
// or the claim it expects is in its WHERE), so of two concurrent writers only one acts.
class PostgresPaymentsRepository final : public PaymentsRepository {
  public:
    explicit PostgresPaymentsRepository(infra::postgres::Database& db) : db_(db) {}
    core::Result<void> Insert(const core::RequestContext& ctx, const Payment& payment) override;
    core::Result<Payment> FindByOrder(const core::RequestContext& ctx, std::string_view order_id) override;
    core::Result<bool> Update(const core::RequestContext& ctx, const Payment& payment, PaymentStatus expected) override;
    core::Result<std::vector<Payment>> FindDue(const core::RequestContext& ctx, int64_t now, int limit) override;
    core::Result<std::optional<KeyedRequest>> ClaimKeyedRequest(const core::RequestContext& ctx,
                                                                std::string_view user_id, std::string_view key,
                                                                std::string_view fingerprint, int64_t now,
                                                                int64_t stale_before) override;
    core::Result<int64_t> PruneKeyedRequests(const core::RequestContext& ctx, int64_t before) override;
    core::Result<bool> FinishKeyedRequest(const core::RequestContext& ctx, std::string_view user_id,
                                          const KeyedRequest& answer, bool forget) override;

  private:
    infra::postgres::Database& db_;
};

}  // namespace emporium::payments

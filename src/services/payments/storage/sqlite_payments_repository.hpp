#pragma once

#include "infra/sqlite/database.hpp"
#include "services/payments/payments_repository.hpp"

namespace emporium::payments {

// PaymentsRepository over the SQLite database "payments" (schemas/sqlite/payments).
class SqlitePaymentsRepository final : public PaymentsRepository {
  public:
    explicit SqlitePaymentsRepository(infra::sqlite::Database& db) : db_(db) {}
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
    infra::sqlite::Database& db_;
};

}  // namespace emporium::payments

#pragma once

#include "infra/postgres/database.hpp"
#include "services/recommendations/recommendations_repository.hpp"

namespace emporium::recommendations {

// RecommendationsRepository over PostgreSQL (schemas/postgres/recommendations + the bus
// tables, whose handled events make each order count once).
class PostgresRecommendationsRepository final : public RecommendationsRepository {
  public:
    explicit PostgresRecommendationsRepository(infra::postgres::Database& db) : db_(db) {}

    core::Result<void> RecordOrders(const core::RequestContext& ctx, const std::vector<OrderSales>& orders,
                                    int64_t now) override;
    core::Result<std::vector<ScoredProduct>> BoughtTogether(const core::RequestContext& ctx,
                                                            std::string_view product_id, int limit) override;
    core::Result<std::vector<ScoredProduct>> Trending(const core::RequestContext& ctx, int64_t since_hour,
                                                      int limit) override;

  private:
    infra::postgres::Database& db_;
};

}  // namespace emporium::recommendations

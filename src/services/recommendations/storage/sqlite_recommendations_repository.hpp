#pragma once

#include "infra/sqlite/database.hpp"
#include "services/recommendations/recommendations_repository.hpp"

namespace emporium::recommendations {

class SqliteRecommendationsRepository final : public RecommendationsRepository {
  public:
    explicit SqliteRecommendationsRepository(infra::sqlite::Database& db) : db_(db) {}

    core::Result<void> RecordOrders(const core::RequestContext& ctx, const std::vector<OrderSales>& orders,
                                    int64_t now) override;
    core::Result<std::vector<ScoredProduct>> BoughtTogether(const core::RequestContext& ctx,
                                                            std::string_view product_id, int limit) override;
    core::Result<std::vector<ScoredProduct>> Trending(const core::RequestContext& ctx, int64_t since_hour,
                                                      int limit) override;

  private:
    infra::sqlite::Database& db_;
};

}  // namespace emporium::recommendations

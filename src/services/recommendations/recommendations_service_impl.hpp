#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "bus/event_bus.hpp"
#include "core/clock.hpp"
#include "services/catalog/catalog_service.hpp"
#include "services/recommendations/recommendations_repository.hpp"
#include "services/recommendations/recommendations_service.hpp"

namespace emporium::recommendations {

struct RecommendationsSettings {
    bool enabled = true;
    int trending_window_hours = 24;
};

// RecommendationsService learnt from OrderPlaced events: pairs of products in one order,
// and units per product and hour, in its own tables (the repository).
class RecommendationsServiceImpl final : public RecommendationsService {
  public:
    RecommendationsServiceImpl(RecommendationsRepository& repository, catalog::CatalogService& catalog,
                               const core::Clock& clock, RecommendationsSettings settings)
        : repository_(repository), catalog_(catalog), clock_(clock), settings_(settings) {}

    // Subscribes the consumer "recommendations.orders" to OrderPlaced.
    void Subscribe(bus::EventBus& bus);
    // A batch of OrderPlaced events, recorded in one transaction. One outcome per event.
    std::vector<core::Result<void>> OnOrderPlaced(const core::RequestContext& ctx,
                                                  const std::vector<bus::Event>& events);

    core::Result<Recommendations> ForProduct(const core::RequestContext& ctx, std::string_view product_id_or_slug,
                                             int limit) override;
    Recommendations Trending(const core::RequestContext& ctx, int limit) override;
    bool healthy() const override { return settings_.enabled && healthy_.load(std::memory_order_relaxed); }

  private:
    // Active products for `scored`, skipping `exclude` and those already in `out`.
    void AppendProducts(const core::RequestContext& ctx, const std::vector<ScoredProduct>& scored,
                        std::string_view exclude, int limit, std::vector<catalog::Product>& out);

    RecommendationsRepository& repository_;
    catalog::CatalogService& catalog_;
    const core::Clock& clock_;
    RecommendationsSettings settings_;
    std::atomic<bool> healthy_{true};
};

}  // namespace emporium::recommendations

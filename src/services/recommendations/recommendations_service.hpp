#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "bus/event_bus.hpp"
#include "core/clock.hpp"
#include "core/request_context.hpp"
#include "core/result.hpp"
#include "services/catalog/catalog_service.hpp"
#include "services/recommendations/recommendations_repository.hpp"

namespace emporium::recommendations {

struct RecommendationsSettings {
    bool enabled = true;
    int trending_window_hours = 24;
};

struct Recommendations {
    std::vector<catalog::Product> items;
    bool available = true;  // false: disabled or failing; `items` is then empty
};

// "Bought together" and "trending", learnt from OrderPlaced events (every order shard):
// pairs of products in one order, and units per product and hour. Answers hold only
// active products. Never fails a page: when disabled or when its store fails it answers
// "unavailable" with nothing, and the storefront hides the section. Thread-safe.
class RecommendationsService {
  public:
    RecommendationsService(RecommendationsRepository& repository, catalog::CatalogService& catalog,
                           const core::Clock& clock, RecommendationsSettings settings)
        : repository_(repository), catalog_(catalog), clock_(clock), settings_(settings) {}

    // Subscribes the consumer "recommendations.orders" to OrderPlaced.
    void Subscribe(bus::EventBus& bus);
    // A batch of OrderPlaced events, recorded in one transaction. One outcome per event.
    std::vector<core::Result<void>> OnOrderPlaced(const std::vector<bus::Event>& events);

    // kNotFound when the product is unknown or not active; otherwise always an answer.
    core::Result<Recommendations> ForProduct(const core::RequestContext& ctx, std::string_view product_id_or_slug,
                                             int limit);
    Recommendations Trending(const core::RequestContext& ctx, int limit);

    // Whether the last answer could be given (enabled and the store answering).
    bool healthy() const { return settings_.enabled && healthy_.load(std::memory_order_relaxed); }

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

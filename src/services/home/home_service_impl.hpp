#pragma once

#include "services/catalog/catalog_service.hpp"
#include "services/home/home_service.hpp"
#include "services/recommendations/recommendations_service.hpp"
#include "services/search/search_service.hpp"

namespace emporium::home {

// HomeService assembled from the catalog (new arrivals), the search index (category
// counts, one facet query) and the recommender (trending).
class HomeServiceImpl final : public HomeService {
  public:
    HomeServiceImpl(catalog::CatalogService& catalog, search::SearchService& search,
                    recommendations::RecommendationsService& recommendations)
        : catalog_(catalog), search_(search), recommendations_(recommendations) {}

    core::Result<HomePage> Get(const core::RequestContext& ctx) override;

  private:
    catalog::CatalogService& catalog_;
    search::SearchService& search_;
    recommendations::RecommendationsService& recommendations_;
};

}  // namespace emporium::home

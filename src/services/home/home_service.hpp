#pragma once

#include <vector>

#include "core/request_context.hpp"
#include "core/result.hpp"
#include "services/catalog/catalog_service.hpp"
#include "services/recommendations/recommendations_service.hpp"
#include "services/search/search_service.hpp"

namespace emporium::home {

struct FeaturedCategory {
    catalog::Category category;
    int64_t product_count = 0;  // active products in its subtree
};

struct HomePage {
    std::vector<FeaturedCategory> featured_categories;
    std::vector<catalog::Product> trending;
    std::vector<catalog::Product> new_arrivals;
};

inline constexpr int kFeaturedCategories = 6;
inline constexpr int kHomeProducts = 8;

// The storefront's front page: featured categories, trending and new arrivals. Blocking;
// thread-safe. Adapter: HomeServiceImpl.
class HomeService {
  public:
    virtual ~HomeService() = default;

    virtual core::Result<HomePage> Get(const core::RequestContext& ctx) = 0;
};

}  // namespace emporium::home

#include "services/home/home_service_impl.hpp"

#include <algorithm>

namespace emporium::home {

using core::Result;

Result<HomePage> HomeServiceImpl::Get(const core::RequestContext& ctx) {
    HomePage page;
    search::SearchRequest everything;
    everything.limit = 1;
    EMPORIUM_ASSIGN_OR_RETURN(auto counts, search_.Search(ctx, everything));
    for (const auto& facet : counts.categories)
        if (!facet.category.parent_id) page.featured_categories.push_back({facet.category, facet.count});
    std::stable_sort(
        page.featured_categories.begin(), page.featured_categories.end(),
        [](const FeaturedCategory& a, const FeaturedCategory& b) { return a.product_count > b.product_count; });
    if (static_cast<int>(page.featured_categories.size()) > kFeaturedCategories)
        page.featured_categories.resize(kFeaturedCategories);

    page.trending = recommendations_.Trending(ctx, kHomeProducts).items;

    catalog::ProductQuery newest;
    newest.sort = catalog::ProductSort::kNewest;
    newest.limit = kHomeProducts;
    EMPORIUM_ASSIGN_OR_RETURN(auto arrivals, catalog_.ListProducts(ctx, newest));
    page.new_arrivals = std::move(arrivals.items);
    return page;
}

}  // namespace emporium::home

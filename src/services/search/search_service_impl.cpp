#include "services/search/search_service_impl.hpp"

#include <algorithm>
#include <map>

#include "core/cursor.hpp"
#include "core/text.hpp"

namespace emporium::search {

using core::Error;
using core::Result;

namespace {

constexpr std::string_view kCursorList = "search";

std::vector<PriceFacet> PriceFacets(const int64_t (&counts)[kPriceBuckets]) {
    std::vector<PriceFacet> facets;
    for (int i = 0; i < kPriceBuckets; ++i) {
        std::optional<int64_t> max;
        if (i + 1 < kPriceBuckets) max = kPriceBucketBounds[i + 1];
        facets.push_back(PriceFacet{kPriceBucketBounds[i], max, counts[i]});
    }
    return facets;
}

}  // namespace

Result<SearchPage> SearchServiceImpl::Search(const core::RequestContext& ctx, const SearchRequest& request) {
    std::vector<core::FieldError> errors;
    if (core::Utf8Length(request.text) > kMaxQueryLength) errors.push_back({"q", "must be at most 200 characters"});
    if (request.price_min && *request.price_min < 0) errors.push_back({"price_min", "must not be negative"});
    if (request.price_max && *request.price_max < 0) errors.push_back({"price_max", "must not be negative"});
    if (request.price_min && request.price_max && *request.price_min > *request.price_max)
        errors.push_back({"price_min", "must not be greater than price_max"});
    if (request.limit < 1 || request.limit > 100) errors.push_back({"limit", "must be between 1 and 100"});
    if (!errors.empty()) return Error{core::ErrorCode::kMalformed, "Invalid query parameters.", std::move(errors)};
    EMPORIUM_ASSIGN_OR_RETURN(auto cursor, core::DecodeOffsetCursor(kCursorList, request.cursor));

    SearchQuery query;
    query.text = request.text;
    query.price_min = request.price_min;
    query.price_max = request.price_max;
    query.in_stock_only = request.in_stock_only;
    query.sort = request.sort;
    if (cursor) {
        query.offset = static_cast<int>(std::min<int64_t>(cursor->offset, 1'000'000));
        query.snapshot = static_cast<uint64_t>(cursor->snapshot);
    }
    query.limit = request.limit;
    if (request.category) {
        auto category = catalog_.GetCategory(ctx, *request.category);
        if (!category.ok()) {
            if (category.error().code == core::ErrorCode::kNotFound) {  // as the product list: nothing matches
                SearchPage empty;
                empty.prices = PriceFacets(SearchResults{}.price_counts);
                return empty;
            }
            return category.error();
        }
        query.category_id = category->id;
    }

    EMPORIUM_ASSIGN_OR_RETURN(SearchResults results, index_.Search(ctx, query));
    SearchPage page;
    page.total = results.total;
    page.did_you_mean = std::move(results.did_you_mean);
    page.hits = std::move(results.hits);
    if (query.offset + static_cast<int64_t>(page.hits.size()) < results.total && !page.hits.empty())
        page.next_cursor = core::EncodeOffsetCursor(kCursorList, {query.offset + static_cast<int64_t>(page.hits.size()),
                                                                  static_cast<int64_t>(results.snapshot)});
    page.prices = PriceFacets(results.price_counts);
    if (!results.category_counts.empty()) {
        EMPORIUM_ASSIGN_OR_RETURN(auto categories, catalog_.ListCategories(ctx));
        std::map<std::string, const catalog::Category*> by_id;
        for (const auto& c : categories) by_id[c.id] = &c;
        for (const auto& [id, count] : results.category_counts) {
            auto found = by_id.find(id);
            if (found != by_id.end()) page.categories.push_back(CategoryFacet{*found->second, count});
        }
        std::stable_sort(page.categories.begin(), page.categories.end(),
                         [](const CategoryFacet& a, const CategoryFacet& b) { return a.count > b.count; });
    }
    return page;
}

Result<std::vector<Suggestion>> SearchServiceImpl::Suggest(const core::RequestContext& ctx, std::string_view prefix,
                                                           int limit) {
    std::vector<core::FieldError> errors;
    if (prefix.empty() || core::Utf8Length(prefix) > kMaxSuggestLength)
        errors.push_back({"q", "must be 1 to 100 characters"});
    if (limit < 1 || limit > kMaxSuggestions) errors.push_back({"limit", "must be between 1 and 20"});
    if (!errors.empty()) return Error{core::ErrorCode::kMalformed, "Invalid query parameters.", std::move(errors)};
    return index_.Suggest(ctx, prefix, limit);
}

}  // namespace emporium::search

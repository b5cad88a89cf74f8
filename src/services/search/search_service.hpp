#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/request_context.hpp"
#include "core/result.hpp"
#include "services/catalog/catalog_service.hpp"
#include "services/search/search_index.hpp"

namespace emporium::search {

inline constexpr std::size_t kMaxQueryLength = 200;
inline constexpr std::size_t kMaxSuggestLength = 100;
inline constexpr int kMaxSuggestions = 20;

struct SearchRequest {
    std::string text;
    std::optional<std::string> category;  // id or slug
    std::optional<int64_t> price_min, price_max;
    bool in_stock_only = false;
    SearchSort sort = SearchSort::kRelevance;
    std::string cursor;
    int limit = 20;
};

struct CategoryFacet {
    catalog::Category category;
    int64_t count = 0;
};

struct PriceFacet {
    int64_t min = 0;
    std::optional<int64_t> max;  // none for the last, open bucket
    int64_t count = 0;
};

struct SearchPage {
    std::vector<SearchHit> hits;
    std::optional<std::string> next_cursor;
    int64_t total = 0;
    std::optional<std::string> did_you_mean;
    std::vector<CategoryFacet> categories;  // highest count first
    std::vector<PriceFacet> prices;         // the six buckets, in order
};

// Full-text search over the catalog: validates a request, resolves its category, asks the
// index and names the facets. Blocking (index and catalog reads); thread-safe.
// kMalformed for bad parameters (400). Adapter: SearchServiceImpl (this process's index).
class SearchService {
  public:
    virtual ~SearchService() = default;

    virtual core::Result<SearchPage> Search(const core::RequestContext& ctx, const SearchRequest& request) = 0;
    virtual core::Result<std::vector<Suggestion>> Suggest(const core::RequestContext& ctx, std::string_view prefix,
                                                          int limit) = 0;
};

}  // namespace emporium::search

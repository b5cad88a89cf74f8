#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/request_context.hpp"
#include "core/result.hpp"

namespace emporium::search {

// What the index knows about one active product. Built by the indexer from the catalog
// and inventory; the index never reads those services itself.
struct SearchDocument {
    std::string product_id;
    std::string slug;
    std::string name;
    std::string description;
    std::string attributes_text;  // attribute values, searchable with less weight
    std::optional<std::string> category_id;
    std::string category_path;  // "/<root id>/.../<own id>/", empty without a category
    int64_t price_from = 0;     // minor units
    std::string currency;
    bool in_stock = false;
    int64_t created_at = 0;
};

enum class SearchSort { kRelevance, kPriceAsc, kPriceDesc, kNewest };

struct SearchQuery {
    std::string text;                             // may be empty: every document
    std::optional<std::string> category_id;       // includes sub-categories
    std::optional<int64_t> price_min, price_max;  // inclusive, on price_from
    bool in_stock_only = false;
    SearchSort sort = SearchSort::kRelevance;
    int offset = 0;
    int limit = 20;
    // 0: every document; else only those the index held at that snapshot (a `snapshot` of
    // an earlier search), so that a later page is not shifted by documents added since.
    uint64_t snapshot = 0;
};

struct SearchHit {
    SearchDocument document;
    std::string snippet;  // HTML-escaped excerpt with matches in <mark>…</mark>
    int score = 0;        // relevance percentage
};

// The six fixed price buckets of the facet, in minor units; the last one is open.
inline constexpr int64_t kPriceBucketBounds[] = {0, 1000, 2500, 5000, 10000, 25000};
inline constexpr int kPriceBuckets = 6;

struct SearchResults {
    std::vector<SearchHit> hits;
    int64_t total = 0;      // exact
    uint64_t snapshot = 0;  // the query's, or the index as this search saw it
    std::optional<std::string> did_you_mean;
    std::vector<std::pair<std::string, int64_t>> category_counts;  // category id → matches in its subtree
    int64_t price_counts[kPriceBuckets] = {};
};

struct Suggestion {
    std::string text;
    std::string product_id;
    std::string slug;
};

// The search port: a full-text index of the active products. Adapters: Xapian
// (embedded). Thread-safe: any number of concurrent searches beside one writer at a time.
// Writes are durable when the call returns.
// Every method answers kUnavailable at once, touching nothing, when the deadline of `ctx`
// has passed.
class SearchIndex {
  public:
    virtual ~SearchIndex() = default;

    // Adds or replaces documents by product id.
    virtual core::Result<void> Upsert(const core::RequestContext& ctx,
                                      const std::vector<SearchDocument>& documents) = 0;
    // Removes documents; unknown ids are ignored.
    virtual core::Result<void> Remove(const core::RequestContext& ctx, const std::vector<std::string>& product_ids) = 0;
    // Every product id in the index (for a rebuild to find what to remove).
    virtual core::Result<std::vector<std::string>> ProductIds(const core::RequestContext& ctx) = 0;
    virtual core::Result<int64_t> Count(const core::RequestContext& ctx) = 0;

    virtual core::Result<SearchResults> Search(const core::RequestContext& ctx, const SearchQuery& query) = 0;
    // Products whose name has words starting with the words of `prefix` (the last one
    // may be partial), best first.
    virtual core::Result<std::vector<Suggestion>> Suggest(const core::RequestContext& ctx, std::string_view prefix,
                                                          int limit) = 0;
};

}  // namespace emporium::search

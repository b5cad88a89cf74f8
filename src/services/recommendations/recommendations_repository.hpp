#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/request_context.hpp"
#include "core/result.hpp"

namespace emporium::recommendations {

struct ScoredProduct {
    std::string product_id;
    int64_t score = 0;
};

// One order's lines (product id, units) in an hour, from the event `event_id`.
struct OrderSales {
    std::string event_id;
    std::vector<std::pair<std::string, int64_t>> lines;
    int64_t hour = 0;
};

// Storage port of the recommender. Blocking, thread-safe.
// Every method takes the caller's context first and answers kUnavailable, touching
// nothing, when its deadline has passed.
class RecommendationsRepository {
  public:
    virtual ~RecommendationsRepository() = default;

    // Records orders' sales in one transaction, each once per event id (an event recorded
    // before is passed over).
    virtual core::Result<void> RecordOrders(const core::RequestContext& ctx, const std::vector<OrderSales>& orders,
                                            int64_t now) = 0;
    // Products ordered together with `product_id`, most often first.
    virtual core::Result<std::vector<ScoredProduct>> BoughtTogether(const core::RequestContext& ctx,
                                                                    std::string_view product_id, int limit) = 0;
    // Products by units ordered since `since_hour`, most first.
    virtual core::Result<std::vector<ScoredProduct>> Trending(const core::RequestContext& ctx, int64_t since_hour,
                                                              int limit) = 0;
};

}  // namespace emporium::recommendations

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace emporium::recommendations {

struct ScoredProduct {
    std::string product_id;
    int64_t score = 0;
};

// Storage port of the recommender. Blocking, thread-safe.
class RecommendationsRepository {
  public:
    virtual ~RecommendationsRepository() = default;

    // Records one order's lines (product id, units) in `hour`, once per `event_id`: false
    // when that event was recorded before.
    virtual core::Result<bool> RecordOrder(std::string_view event_id,
                                           const std::vector<std::pair<std::string, int64_t>>& lines, int64_t hour,
                                           int64_t now) = 0;
    // Products ordered together with `product_id`, most often first.
    virtual core::Result<std::vector<ScoredProduct>> BoughtTogether(std::string_view product_id, int limit) = 0;
    // Products by units ordered since `since_hour`, most first.
    virtual core::Result<std::vector<ScoredProduct>> Trending(int64_t since_hour, int limit) = 0;
};

}  // namespace emporium::recommendations

#pragma once

// An in-memory RecommendationsRepository for unit tests (LevelDB's NewMemEnv idea): maps
// under one mutex, behaving as SqliteRecommendationsRepository does, an expired deadline
// refused included.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/deadline.hpp"
#include "services/recommendations/recommendations_repository.hpp"

namespace emporium::recommendations {

class MemoryRecommendationsRepository final : public RecommendationsRepository {
  public:
    // Like the adapter: every line adds its units to its product's hour, and one order to
    // each pair of its product with another line's (a product listed twice counts twice).
    core::Result<void> RecordOrders(const core::RequestContext& ctx, const std::vector<OrderSales>& orders,
                                    int64_t) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        for (const OrderSales& order : orders) {
            if (!handled_.insert(order.event_id).second) continue;
            for (const auto& [product, units] : order.lines) {
                units_[{order.hour, product}] += units;
                for (const auto& [other, ignored] : order.lines)
                    if (other != product) ++pairs_[{product, other}];
            }
        }
        return core::Ok();
    }
    core::Result<std::vector<ScoredProduct>> BoughtTogether(const core::RequestContext& ctx,
                                                            std::string_view product_id, int limit) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        std::vector<ScoredProduct> out;
        for (const auto& [pair, orders] : pairs_)
            if (pair.first == product_id) out.push_back(ScoredProduct{pair.second, orders});
        return Ranked(std::move(out), limit);
    }
    core::Result<std::vector<ScoredProduct>> Trending(const core::RequestContext& ctx, int64_t since_hour,
                                                      int limit) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        std::map<std::string, int64_t> totals;
        for (const auto& [key, units] : units_)
            if (key.first >= since_hour) totals[key.second] += units;
        std::vector<ScoredProduct> out;
        for (const auto& [product, total] : totals) out.push_back(ScoredProduct{product, total});
        return Ranked(std::move(out), limit);
    }

  private:
    // Highest score first, then by product id; at most `limit` (a negative limit is none, as
    // in SQL).
    static std::vector<ScoredProduct> Ranked(std::vector<ScoredProduct> scored, int limit) {
        std::sort(scored.begin(), scored.end(), [](const ScoredProduct& a, const ScoredProduct& b) {
            if (a.score != b.score) return a.score > b.score;
            return a.product_id < b.product_id;
        });
        if (limit >= 0 && scored.size() > static_cast<std::size_t>(limit))
            scored.resize(static_cast<std::size_t>(limit));
        return scored;
    }

    std::mutex mutex_;
    std::set<std::string, std::less<>> handled_;                    // event ids
    std::map<std::pair<std::string, std::string>, int64_t> pairs_;  // (product, other) -> orders
    std::map<std::pair<int64_t, std::string>, int64_t> units_;      // (hour, product) -> units
};

}  // namespace emporium::recommendations

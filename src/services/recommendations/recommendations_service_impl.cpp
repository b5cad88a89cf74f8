#include "services/recommendations/recommendations_service_impl.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <map>

#include "observability/log.hpp"
#include "services/orders/order_events.hpp"

namespace emporium::recommendations {

using core::Result;

namespace {

constexpr int64_t kSecondsPerHour = 3600;

void LogFailure(std::string_view what, const core::Error& error) {
    observability::LogWarn("recommendations_unavailable",
                           [&](core::JsonWriter& json) { json.Field("what", what).Field("error", error.message); });
}

}  // namespace

void RecommendationsServiceImpl::Subscribe(bus::EventBus& bus) {
    bus.SubscribeBatch({.name = "recommendations.orders", .types = {std::string(orders::kOrderPlaced)}},
                       [this](const core::RequestContext& ctx, const std::vector<bus::Event>& events) {
                           return OnOrderPlaced(ctx, events);
                       });
}

std::vector<Result<void>> RecommendationsServiceImpl::OnOrderPlaced(const core::RequestContext& ctx,
                                                                    const std::vector<bus::Event>& events) {
    std::vector<OrderSales> orders;
    for (const bus::Event& event : events) {
        boost::system::error_code ec;
        auto parsed = boost::json::parse(event.payload, ec);
        if (ec || !parsed.is_object()) continue;  // nothing to learn
        auto* items = parsed.as_object().if_contains("items");
        if (!items || !items->is_array()) continue;
        std::map<std::string, int64_t> units;  // a product twice in one order (two variants) counts once as a pair
        for (const auto& item : items->as_array()) {
            if (!item.is_object()) continue;
            auto* product = item.as_object().if_contains("product_id");
            auto* quantity = item.as_object().if_contains("quantity");
            if (!product || !product->is_string()) continue;
            units[std::string(product->as_string())] += quantity && quantity->is_int64() ? quantity->as_int64() : 1;
        }
        if (units.empty()) continue;
        int64_t hour = (event.occurred_at > 0 ? event.occurred_at : clock_.NowSeconds()) / kSecondsPerHour;
        orders.push_back(OrderSales{event.id, {units.begin(), units.end()}, hour});
    }
    if (orders.empty()) return std::vector<Result<void>>(events.size(), core::Ok());
    auto recorded = repository_.RecordOrders(ctx, orders, clock_.NowSeconds());
    return std::vector<Result<void>>(events.size(), recorded);
}

void RecommendationsServiceImpl::AppendProducts(const core::RequestContext& ctx,
                                                const std::vector<ScoredProduct>& scored, std::string_view exclude,
                                                int limit, std::vector<catalog::Product>& out) {
    for (const auto& candidate : scored) {
        if (static_cast<int>(out.size()) >= limit) return;
        if (candidate.product_id == exclude) continue;
        if (std::any_of(out.begin(), out.end(),
                        [&](const catalog::Product& p) { return p.id == candidate.product_id; }))
            continue;
        auto product = catalog_.GetProduct(ctx, candidate.product_id, false);  // active only
        if (product.ok()) out.push_back(std::move(*product));
    }
}

Result<Recommendations> RecommendationsServiceImpl::ForProduct(const core::RequestContext& ctx,
                                                               std::string_view product_id_or_slug, int limit) {
    EMPORIUM_ASSIGN_OR_RETURN(catalog::Product product, catalog_.GetProduct(ctx, product_id_or_slug, false));
    Recommendations out;
    if (!settings_.enabled) {
        out.available = false;
        return out;
    }
    // Ask for more than needed: some may no longer be active.
    auto together = repository_.BoughtTogether(ctx, product.id, limit * 2);
    auto trending = repository_.Trending(
        ctx, clock_.NowSeconds() / kSecondsPerHour - settings_.trending_window_hours + 1, limit * 2 + 1);
    if (!together.ok() || !trending.ok()) {
        LogFailure("bought_together", !together.ok() ? together.error() : trending.error());
        healthy_ = false;
        out.available = false;
        return out;
    }
    healthy_ = true;
    AppendProducts(ctx, *together, product.id, limit, out.items);
    AppendProducts(ctx, *trending, product.id, limit, out.items);
    return out;
}

Recommendations RecommendationsServiceImpl::Trending(const core::RequestContext& ctx, int limit) {
    Recommendations out;
    if (!settings_.enabled) {
        out.available = false;
        return out;
    }
    auto trending = repository_.Trending(
        ctx, clock_.NowSeconds() / kSecondsPerHour - settings_.trending_window_hours + 1, limit * 2);
    if (!trending.ok()) {
        LogFailure("trending", trending.error());
        healthy_ = false;
        out.available = false;
        return out;
    }
    healthy_ = true;
    AppendProducts(ctx, *trending, "", limit, out.items);
    return out;
}

}  // namespace emporium::recommendations

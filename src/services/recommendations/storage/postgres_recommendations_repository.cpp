#include "services/recommendations/storage/postgres_recommendations_repository.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "core/deadline.hpp"
#include "infra/postgres/outbox.hpp"

namespace emporium::recommendations {

using core::Result;
using infra::postgres::Connection;
using infra::postgres::Params;

namespace {

constexpr std::string_view kConsumer = "recommendations.orders";
// Increments are added in the statement (not read and written back), so concurrent jobs
// counting the same pair lose nothing.
constexpr std::string_view kAddPairs =
    "INSERT INTO co_purchases (product_id, other_id, orders) VALUES ($1, $2, $3) "
    "ON CONFLICT (product_id, other_id) DO UPDATE SET orders = co_purchases.orders + excluded.orders";
constexpr std::string_view kAddSales =
    "INSERT INTO product_sales (hour, product_id, units) VALUES ($1, $2, $3) "
    "ON CONFLICT (hour, product_id) DO UPDATE SET units = product_sales.units + excluded.units";
constexpr std::string_view kSelectTogether =
    "SELECT other_id, orders FROM co_purchases WHERE product_id = $1 ORDER BY orders DESC, other_id LIMIT $2";
constexpr std::string_view kSelectTrending =
    "SELECT product_id, SUM(units)::BIGINT AS total FROM product_sales WHERE hour >= $1 GROUP BY product_id "
    "ORDER BY total DESC, product_id LIMIT $2";

std::vector<ScoredProduct> ReadScored(const infra::postgres::Rows& rows) {
    std::vector<ScoredProduct> out;
    out.reserve(rows.size());
    for (int i = 0; i < rows.size(); ++i) out.push_back(ScoredProduct{rows[i].String(0), rows[i].Int(1)});
    return out;
}

}  // namespace

Result<void> PostgresRecommendationsRepository::RecordOrders(const core::RequestContext& ctx,
                                                             const std::vector<OrderSales>& orders, int64_t now) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    if (orders.empty()) return core::Ok();
    // Rows are locked in one order by every job (handled events by event id, then sales and
    // pairs by key), so two jobs counting the same products queue instead of deadlocking.
    // Within a batch the first order of an event id is the one that counts, as in SQLite.
    std::vector<const OrderSales*> by_event;
    by_event.reserve(orders.size());
    for (const OrderSales& order : orders) by_event.push_back(&order);
    std::stable_sort(by_event.begin(), by_event.end(),
                     [](const OrderSales* a, const OrderSales* b) { return a->event_id < b->event_id; });
    return db_.Write<void>(ctx, [&](Connection& c) -> Result<void> {
        std::map<std::pair<int64_t, std::string>, int64_t> units;      // (hour, product) → units
        std::map<std::pair<std::string, std::string>, int64_t> pairs;  // (product, other) → orders
        for (const OrderSales* order : by_event) {
            EMPORIUM_ASSIGN_OR_RETURN(bool first_time,
                                      infra::postgres::MarkHandled(c, kConsumer, order->event_id, now));
            if (!first_time) continue;
            for (const auto& [product, count] : order->lines) {
                units[{order->hour, product}] += count;
                for (const auto& [other, ignored] : order->lines)
                    if (other != product) ++pairs[{product, other}];
            }
        }
        for (const auto& [key, count] : units) c.Queue(kAddSales, Params(key.first, key.second, count));
        for (const auto& [key, count] : pairs) c.Queue(kAddPairs, Params(key.first, key.second, count));
        return core::Ok();
    });
}

Result<std::vector<ScoredProduct>> PostgresRecommendationsRepository::BoughtTogether(const core::RequestContext& ctx,
                                                                                     std::string_view product_id,
                                                                                     int limit) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<std::vector<ScoredProduct>>(ctx, [&](Connection& c) -> Result<std::vector<ScoredProduct>> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(kSelectTogether, Params(product_id, limit)));
        return ReadScored(rows);
    });
}

Result<std::vector<ScoredProduct>> PostgresRecommendationsRepository::Trending(const core::RequestContext& ctx,
                                                                               int64_t since_hour, int limit) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<std::vector<ScoredProduct>>(ctx, [&](Connection& c) -> Result<std::vector<ScoredProduct>> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(kSelectTrending, Params(since_hour, limit)));
        return ReadScored(rows);
    });
}

}  // namespace emporium::recommendations

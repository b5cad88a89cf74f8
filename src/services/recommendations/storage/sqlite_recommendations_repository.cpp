#include "services/recommendations/storage/sqlite_recommendations_repository.hpp"

#include "core/deadline.hpp"
#include "infra/sqlite/outbox.hpp"

namespace emporium::recommendations {

using core::Result;
using infra::sqlite::Connection;

namespace {

constexpr std::string_view kConsumer = "recommendations.orders";
constexpr std::string_view kAddPair =
    "INSERT INTO co_purchases (product_id, other_id, orders) VALUES (?1, ?2, 1) "
    "ON CONFLICT (product_id, other_id) DO UPDATE SET orders = orders + 1";
constexpr std::string_view kAddSales =
    "INSERT INTO product_sales (hour, product_id, units) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (hour, product_id) DO UPDATE SET units = units + excluded.units";
constexpr std::string_view kSelectTogether =
    "SELECT other_id, orders FROM co_purchases WHERE product_id = ?1 ORDER BY orders DESC, other_id LIMIT ?2";
constexpr std::string_view kSelectTrending =
    "SELECT product_id, SUM(units) AS total FROM product_sales WHERE hour >= ?1 GROUP BY product_id "
    "ORDER BY total DESC, product_id LIMIT ?2";

Result<std::vector<ScoredProduct>> ReadScored(infra::sqlite::Statement& stmt) {
    std::vector<ScoredProduct> out;
    while (true) {
        EMPORIUM_ASSIGN_OR_RETURN(bool row, stmt.Step());
        if (!row) break;
        out.push_back(ScoredProduct{stmt.String(0), stmt.Int(1)});
    }
    return out;
}

}  // namespace

Result<void> SqliteRecommendationsRepository::RecordOrders(const core::RequestContext& ctx,
                                                           const std::vector<OrderSales>& orders, int64_t now) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<void>([&](Connection& c) -> Result<void> {
        for (const OrderSales& order : orders) {
            EMPORIUM_ASSIGN_OR_RETURN(bool first_time, infra::sqlite::MarkHandled(c, kConsumer, order.event_id, now));
            if (!first_time) continue;
            for (const auto& [product, units] : order.lines) {
                EMPORIUM_ASSIGN_OR_RETURN(auto sales, c.Prepare(kAddSales));
                sales.Bind(1, order.hour).Bind(2, product).Bind(3, units);
                EMPORIUM_TRY(sales.Run());
                for (const auto& [other, ignored] : order.lines) {
                    if (other == product) continue;
                    EMPORIUM_ASSIGN_OR_RETURN(auto pair, c.Prepare(kAddPair));
                    pair.Bind(1, product).Bind(2, other);
                    EMPORIUM_TRY(pair.Run());
                }
            }
        }
        return core::Ok();
    });
}

Result<std::vector<ScoredProduct>> SqliteRecommendationsRepository::BoughtTogether(const core::RequestContext& ctx,
                                                                                   std::string_view product_id,
                                                                                   int limit) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<std::vector<ScoredProduct>>([&](Connection& c) -> Result<std::vector<ScoredProduct>> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kSelectTogether));
        stmt.Bind(1, product_id).Bind(2, limit);
        return ReadScored(stmt);
    });
}

Result<std::vector<ScoredProduct>> SqliteRecommendationsRepository::Trending(const core::RequestContext& ctx,
                                                                             int64_t since_hour, int limit) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<std::vector<ScoredProduct>>([&](Connection& c) -> Result<std::vector<ScoredProduct>> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kSelectTrending));
        stmt.Bind(1, since_hour).Bind(2, limit);
        return ReadScored(stmt);
    });
}

}  // namespace emporium::recommendations

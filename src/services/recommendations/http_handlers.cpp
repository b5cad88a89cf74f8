#include "services/recommendations/http_handlers.hpp"

#include "core/text.hpp"
#include "http/render.hpp"
#include "services/catalog/product_json.hpp"

namespace emporium::recommendations {

using http::Request;
using http::Response;

namespace {

constexpr int kMaxRecommendations = 20;
constexpr int kDefaultRecommendations = 8;

// `limit` 1..20; any other parameter, or one given twice, is refused (400).
core::Result<int> ReadLimit(const Request& r) {
    EMPORIUM_TRY(http::CheckQueryParams(r, {"limit"}));
    return http::LimitParam(r, kDefaultRecommendations, kMaxRecommendations);
}

}  // namespace

void RegisterRecommendationsRoutes(http::Router& router, RecommendationsService& service) {
    router.Add(http::Method::kGet, "/api/v1/products/{product_id_or_slug}/recommendations", http::Access::kPublic,
               [&service](Request& r) {
                   auto limit = ReadLimit(r);
                   if (!limit.ok()) return http::ProblemResponse(limit.error(), r.path);
                   auto found = service.ForProduct(r.context, r.PathParam("product_id_or_slug"), *limit);
                   Response response = http::RenderJson(
                       found, r, 200,
                       [](core::JsonWriter& json, const Recommendations& recommendations) {
                           http::WriteList(json, recommendations.items, std::nullopt, catalog::WriteProduct);
                       },
                       "public, max-age=60");
                   if (found.ok()) response.SetHeader(kAvailabilityHeader, AvailabilityValue(found->available));
                   return response;
               });
}

}  // namespace emporium::recommendations

#include "services/recommendations/http_handlers.hpp"

#include <charconv>

#include "http/render.hpp"
#include "services/catalog/product_json.hpp"

namespace emporium::recommendations {

using http::Request;
using http::Response;

namespace {

constexpr int kMaxRecommendations = 20;
constexpr int kDefaultRecommendations = 8;

// `limit` 1..20; any other parameter is refused (400).
core::Result<int> ReadLimit(const Request& r) {
    int limit = kDefaultRecommendations;
    for (const auto& [key, value] : r.QueryParams()) {
        int parsed = 0;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
        if (key != "limit")
            return core::Error{core::ErrorCode::kMalformed,
                               "Invalid query parameters.",
                               {{key, "is not a parameter of this endpoint"}}};
        if (ec != std::errc() || end != value.data() + value.size() || parsed < 1 || parsed > kMaxRecommendations)
            return core::Error{
                core::ErrorCode::kMalformed, "Invalid query parameters.", {{"limit", "must be between 1 and 20"}}};
        limit = parsed;
    }
    return limit;
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
                           json.BeginObject().Key("items").BeginArray();
                           for (const auto& product : recommendations.items) catalog::WriteProduct(json, product);
                           json.EndArray().Key("next_cursor").Null().EndObject();
                       },
                       "public, max-age=60");
                   if (found.ok()) response.SetHeader(kAvailabilityHeader, AvailabilityValue(found->available));
                   return response;
               });
}

}  // namespace emporium::recommendations

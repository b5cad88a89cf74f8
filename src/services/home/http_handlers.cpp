#include "services/home/http_handlers.hpp"

#include "http/cached_pages.hpp"
#include "http/render.hpp"
#include "services/catalog/http_handlers.hpp"
#include "services/catalog/product_json.hpp"
#include "services/recommendations/http_handlers.hpp"

namespace emporium::home {

using http::Request;
using http::Response;

namespace {

void WriteHome(core::JsonWriter& json, const HomePage& page) {
    json.BeginObject().Key("featured_categories").BeginArray();
    for (const auto& featured : page.featured_categories)
        json.BeginObject()
            .Field("id", featured.category.id)
            .Field("slug", featured.category.slug)
            .Field("name", featured.category.name)
            .Field("product_count", featured.product_count)
            .EndObject();
    json.EndArray().Key("trending").BeginArray();
    for (const auto& product : page.trending) catalog::WriteProduct(json, product);
    json.EndArray().Key("new_arrivals").BeginArray();
    for (const auto& product : page.new_arrivals) catalog::WriteProduct(json, product);
    json.EndArray().EndObject();
}

}  // namespace

void RegisterHomeRoutes(http::Router& router, HomeService& service, recommendations::RecommendationsService& recs,
                        cache::CacheAside& pages, int cache_max_age_seconds) {
    auto cached =
        std::make_shared<http::CachedPages>(pages, "public, max-age=" + std::to_string(cache_max_age_seconds));
    // Trending comes from the recommender: the storefront hides it when that is unavailable.
    auto with_availability = [&recs](Response response) {
        if (response.status == 200)
            response.SetHeader(recommendations::kAvailabilityHeader,
                               recommendations::AvailabilityValue(recs.healthy()));
        return response;
    };
    auto& route = router.Add(
        http::Method::kGet, "/api/v1/home", http::Access::kPublic, [&service, cached, with_availability](Request& r) {
            if (auto known = http::CheckQueryParams(r, {}); !known.ok())
                return http::ProblemResponse(known.error(), r.path);
            return with_availability(cached->Load(r, catalog::kHomePages, r.path,
                                                  [&] { return http::JsonBody(service.Get(r.context), WriteHome); }));
        });
    route.fast_path = [cached, with_availability](Request& r) -> std::optional<Response> {
        if (!r.query.empty()) return std::nullopt;  // the handler checks the parameters
        auto fresh = cached->Fresh(catalog::kHomePages, r.path, r);
        if (!fresh) return std::nullopt;
        return with_availability(std::move(*fresh));
    };
}

}  // namespace emporium::home

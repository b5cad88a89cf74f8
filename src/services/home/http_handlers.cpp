#include "services/home/http_handlers.hpp"

#include "http/render.hpp"
#include "services/catalog/http_handlers.hpp"
#include "services/catalog/product_json.hpp"
#include "services/recommendations/http_handlers.hpp"

namespace emporium::home {

using http::Request;
using http::Response;

namespace {

core::Result<std::string> HomeBody(const core::Result<HomePage>& page) {
    if (!page.ok()) return page.error();
    std::string body;
    core::JsonWriter json(body);
    json.BeginObject().Key("featured_categories").BeginArray();
    for (const auto& featured : page->featured_categories)
        json.BeginObject()
            .Field("id", featured.category.id)
            .Field("slug", featured.category.slug)
            .Field("name", featured.category.name)
            .Field("product_count", featured.product_count)
            .EndObject();
    json.EndArray().Key("trending").BeginArray();
    for (const auto& product : page->trending) catalog::WriteProduct(json, product);
    json.EndArray().Key("new_arrivals").BeginArray();
    for (const auto& product : page->new_arrivals) catalog::WriteProduct(json, product);
    json.EndArray().EndObject();
    return body;
}

}  // namespace

void RegisterHomeRoutes(http::Router& router, HomeService& service, recommendations::RecommendationsService& recs,
                        cache::CacheAside& pages, int cache_max_age_seconds) {
    std::string cache_control = "public, max-age=" + std::to_string(cache_max_age_seconds);
    auto respond = [&recs, cache_control](const cache::CachedItem& item) {
        Response response = Response::Json(200, item.body);
        response.SetHeader("ETag", item.etag);
        response.SetHeader("Cache-Control", cache_control);
        response.SetHeader(recommendations::kAvailabilityHeader, recommendations::AvailabilityValue(recs.healthy()));
        return response;
    };
    auto& route =
        router.Add(http::Method::kGet, "/api/v1/home", http::Access::kPublic, [&service, &pages, respond](Request& r) {
            auto item = pages.GetOrLoad(pages.cache().Key(catalog::kHomePages, r.path),
                                        [&] { return HomeBody(service.Get(r.context)); });
            if (!item.ok()) return http::ProblemResponse(item.error(), r.path);
            return respond(**item);
        });
    route.fast_path = [&pages, respond](Request& r) -> std::optional<Response> {
        auto found = pages.cache().Get(pages.cache().Key(catalog::kHomePages, r.path), false);
        if (!found.fresh) return std::nullopt;
        return respond(*found.item);
    };
}

}  // namespace emporium::home

#include "services/search/http_handlers.hpp"

#include <algorithm>
#include <memory>

#include "core/clock.hpp"
#include "core/json_writer.hpp"
#include "core/text.hpp"
#include "http/cached_pages.hpp"
#include "http/render.hpp"
#include "services/catalog/money_json.hpp"

namespace emporium::search {

using http::Method;
using http::Request;
using http::Response;

namespace {

std::optional<SearchSort> ParseSearchSort(std::string_view text) {
    if (text == "relevance") return SearchSort::kRelevance;
    if (text == "price_asc") return SearchSort::kPriceAsc;
    if (text == "price_desc") return SearchSort::kPriceDesc;
    if (text == "newest") return SearchSort::kNewest;
    return std::nullopt;
}

// Every parameter is checked: an unknown name is a 400, so a typo never silently widens a search.
core::Result<SearchRequest> ReadSearchRequest(const Request& request) {
    EMPORIUM_TRY(http::CheckNoRepeatedParams(request));
    SearchRequest out;
    std::vector<core::FieldError> errors;
    for (const auto& [key, value] : request.QueryParams()) {
        if (key == "q") {
            if (core::HasControlCharacters(value)) errors.push_back({"q", "must not contain control characters"});
            out.text = value;
        } else if (key == "category") {
            if (!value.empty()) out.category = value;
        } else if (key == "price_min" || key == "price_max") {
            auto number = core::ParseInteger(value);
            if (!number)
                errors.push_back({key, "must be an integer (minor units)"});
            else
                (key == "price_min" ? out.price_min : out.price_max) = *number;
        } else if (key == "in_stock") {
            if (value == "true")
                out.in_stock_only = true;
            else if (value != "false")
                errors.push_back({"in_stock", "must be true or false"});
        } else if (key == "sort") {
            auto sort = ParseSearchSort(value);
            if (!sort)
                errors.push_back({"sort", "must be relevance, price_asc, price_desc or newest"});
            else
                out.sort = *sort;
        } else if (key == "cursor") {
            out.cursor = value;
        } else if (key == "limit") {
            auto number = core::ParseInteger(value);
            if (!number || *number < 1 || *number > 100)
                errors.push_back({"limit", "must be an integer between 1 and 100"});
            else
                out.limit = static_cast<int>(*number);
        } else {
            errors.push_back({key, "is not a parameter of this endpoint"});
        }
    }
    if (!errors.empty())
        return core::Error{core::ErrorCode::kMalformed, "Invalid query parameters.", std::move(errors)};
    return out;
}

void WriteHit(core::JsonWriter& json, const SearchHit& hit) {
    const SearchDocument& d = hit.document;
    json.BeginObject().Field("id", d.product_id).Field("slug", d.slug).Field("name", d.name).Key("category_id");
    if (d.category_id)
        json.String(*d.category_id);
    else
        json.Null();
    json.Key("price_from");
    catalog::WriteMoney(json, catalog::Money{d.price_from, d.currency});
    json.Field("in_stock", d.in_stock)
        .Field("created_at", core::FormatRfc3339(d.created_at))
        .Field("snippet", hit.snippet)
        .Field("score", hit.score)
        .EndObject();
}

void WritePage(core::JsonWriter& json, const SearchPage& page) {
    json.BeginObject();
    http::WriteListFields(json, page.hits, page.next_cursor, WriteHit).Field("total", page.total).Key("did_you_mean");
    if (page.did_you_mean)
        json.String(*page.did_you_mean);
    else
        json.Null();
    json.Key("facets").BeginObject().Key("categories").BeginArray();
    for (const auto& facet : page.categories) {
        json.BeginObject()
            .Field("id", facet.category.id)
            .Field("slug", facet.category.slug)
            .Field("name", facet.category.name)
            .Key("parent_id");
        if (facet.category.parent_id)
            json.String(*facet.category.parent_id);
        else
            json.Null();
        json.Field("count", facet.count).EndObject();
    }
    json.EndArray().Key("price").BeginArray();
    for (const auto& bucket : page.prices) {
        json.BeginObject().Field("min", bucket.min).Key("max");
        if (bucket.max)
            json.Int(*bucket.max);
        else
            json.Null();
        json.Field("count", bucket.count).EndObject();
    }
    json.EndArray().EndObject().EndObject();
}

void WriteSuggestions(core::JsonWriter& json, const std::vector<Suggestion>& suggestions) {
    http::WriteList(json, suggestions, std::nullopt, [](core::JsonWriter& out, const Suggestion& s) {
        out.BeginObject().Field("text", s.text).Field("product_id", s.product_id).Field("slug", s.slug).EndObject();
    });
}

struct SearchRoutes {
    SearchService& service;
    http::CachedPages cached;

    Response Search(Request& r) const {
        auto request = ReadSearchRequest(r);
        if (!request.ok()) return http::ProblemResponse(request.error(), r.path);
        return cached.Load(r, kSearchPages, http::PageKey(r),
                           [&] { return http::JsonBody(service.Search(r.context, *request), WritePage); });
    }

    Response Suggest(Request& r) const {
        if (auto repeated = http::CheckNoRepeatedParams(r); !repeated.ok())
            return http::ProblemResponse(repeated.error(), r.path);
        std::string prefix;
        int limit = 10;
        std::vector<core::FieldError> errors;
        for (const auto& [key, value] : r.QueryParams()) {
            if (key == "q") {
                if (core::HasControlCharacters(value)) errors.push_back({"q", "must not contain control characters"});
                prefix = value;
            } else if (key == "limit") {
                auto number = core::ParseInteger(value);
                if (!number || *number < 1 || *number > kMaxSuggestions)
                    errors.push_back({"limit", "must be an integer between 1 and 20"});
                else
                    limit = static_cast<int>(*number);
            } else {
                errors.push_back({key, "is not a parameter of this endpoint"});
            }
        }
        if (!errors.empty())
            return http::ProblemResponse(
                core::Error{core::ErrorCode::kMalformed, "Invalid query parameters.", std::move(errors)}, r.path);
        return cached.Load(r, kSearchPages, http::PageKey(r),
                           [&] { return http::JsonBody(service.Suggest(r.context, prefix, limit), WriteSuggestions); });
    }
};

}  // namespace

void RegisterSearchRoutes(http::Router& router, SearchService& service, SearchHttpSettings settings,
                          cache::CacheAside& pages) {
    auto routes = std::make_shared<SearchRoutes>(SearchRoutes{
        service, http::CachedPages(pages, "public, max-age=" + std::to_string(settings.cache_max_age_seconds))});
    auto& search = router.Add(Method::kGet, "/api/v1/search", http::Access::kPublic,
                              [routes](Request& r) { return routes->Search(r); });
    auto& suggest = router.Add(Method::kGet, "/api/v1/search/suggest", http::Access::kPublic,
                               [routes](Request& r) { return routes->Suggest(r); });
    auto fresh = [routes](Request& r) { return routes->cached.Fresh(kSearchPages, http::PageKey(r), r); };
    search.fast_path = fresh;
    suggest.fast_path = fresh;
}

}  // namespace emporium::search

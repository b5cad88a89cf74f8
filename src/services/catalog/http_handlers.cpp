#include "services/catalog/http_handlers.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "cache/cache_aside.hpp"
#include "core/clock.hpp"
#include "core/json_writer.hpp"
#include "core/text.hpp"
#include "http/cached_pages.hpp"
#include "http/json_input.hpp"
#include "http/problem.hpp"
#include "http/render.hpp"
#include "services/catalog/money_json.hpp"
#include "services/catalog/product_json.hpp"

namespace emporium::catalog {

using http::Access;
using http::Execution;
using http::Method;
using http::Request;
using http::Response;

namespace {

using http::RenderJson;

core::Result<ProductInput> ReadProductInput(const Request& request) {
    EMPORIUM_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(request.body));
    http::ObjectReader reader(body);
    ProductInput input;
    input.name = reader.String("name");
    input.slug = reader.String("slug");
    input.description = reader.String("description");
    input.status = reader.String("status");
    auto category = reader.NullableString("category_id");
    input.category_id_present = category.present;
    input.category_id = category.value;
    if (const auto* attributes = reader.Object("attributes"))
        input.attributes_json = boost::json::serialize(*attributes);
    std::vector<core::FieldError> shape_errors;
    if (const auto* images = reader.Array("images")) {
        input.images.emplace();
        for (std::size_t i = 0; i < images->size(); ++i) {
            if (!(*images)[i].is_string()) {
                shape_errors.push_back({"images[" + std::to_string(i) + "]", "must be a string"});
                continue;
            }
            input.images->emplace_back((*images)[i].as_string());
        }
    }
    if (const auto* variants = reader.Array("variants")) {
        input.variants.emplace();
        for (std::size_t i = 0; i < variants->size(); ++i) {
            std::string prefix = "variants[" + std::to_string(i) + "]";
            if (!(*variants)[i].is_object()) {
                shape_errors.push_back({prefix, "must be an object"});
                continue;
            }
            http::ObjectReader variant_reader((*variants)[i].as_object(), prefix);
            VariantInput variant;
            variant.sku = variant_reader.String("sku");
            variant.name = variant_reader.String("name");
            if (const auto* attributes = variant_reader.Object("attributes"))
                variant.attributes_json = boost::json::serialize(*attributes);
            if (const auto* price = variant_reader.Object("price")) {
                http::ObjectReader price_reader(*price, prefix + ".price");
                variant.price_amount = price_reader.Integer("amount");
                variant.price_currency = price_reader.String("currency");
                price_reader.CollectErrors(shape_errors);
            }
            variant_reader.CollectErrors(shape_errors);
            input.variants->push_back(std::move(variant));
        }
    }
    reader.CollectErrors(shape_errors);
    if (!shape_errors.empty())
        return core::Error{core::ErrorCode::kMalformed, "The request body does not match the expected shape.",
                           std::move(shape_errors)};
    return input;
}

// `parent_id` only on create: a category is not moved (an update naming it is refused as
// an unknown field).
core::Result<CategoryInput> ReadCategoryInput(const Request& request, bool creating) {
    EMPORIUM_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(request.body));
    http::ObjectReader reader(body);
    CategoryInput input;
    input.name = reader.String("name");
    input.slug = reader.String("slug");
    if (creating) input.parent_id = reader.String("parent_id");
    EMPORIUM_TRY(reader.Finish());
    return input;
}

core::Result<ProductQuery> ReadProductQuery(const Request& request, bool admin) {
    EMPORIUM_TRY(http::CheckNoRepeatedParams(request));
    ProductQuery query;
    query.include_hidden = admin;
    std::vector<core::FieldError> errors;
    auto integer = [&](const std::string& name, const std::string& text) -> std::optional<int64_t> {
        auto value = core::ParseInteger(text);
        if (!value) errors.push_back({name, "must be an integer"});
        return value;
    };
    for (auto& [key, value] : request.QueryParams()) {
        if (key == "limit") {
            auto limit = integer(key, value);
            if (limit && (*limit < 1 || *limit > kMaxPageSize))
                errors.push_back({"limit", "must be between 1 and 100"});
            else if (limit)
                query.limit = static_cast<int>(*limit);
        } else if (key == "cursor") {
            query.cursor = value;
        } else if (key == "category") {
            if (!value.empty()) query.category = value;
        } else if (key == "price_min") {
            query.price_min = integer(key, value);
        } else if (key == "price_max") {
            query.price_max = integer(key, value);
        } else if (key == "sort") {
            auto sort = ParseSort(value);
            if (!sort)
                errors.push_back({"sort", "must be newest, price_asc, price_desc or name_asc"});
            else
                query.sort = *sort;
        } else if (key == "status" && admin) {
            auto status = ParseStatus(value);
            if (!status)
                errors.push_back({"status", "must be draft, active or archived"});
            else
                query.status = status;
        } else {
            errors.push_back({key, "is not a parameter of this list"});
        }
    }
    if (query.price_min && query.price_max && *query.price_min > *query.price_max)
        errors.push_back({"price_min", "must not be greater than price_max"});  // as search answers it
    if (!errors.empty())
        return core::Error{core::ErrorCode::kMalformed, "Invalid query parameters.", std::move(errors)};
    return query;
}

void WriteProductPageJson(core::JsonWriter& json, const ProductPage& p) {
    http::WriteList(json, p.items, p.next_cursor, WriteProduct);
}

Response WriteProductPage(const core::Result<ProductPage>& page, const Request& request, std::string cache_control) {
    return RenderJson(page, request, 200, WriteProductPageJson, std::move(cache_control));
}

struct CatalogRoutes {
    CatalogService& service;
    CatalogHttpSettings settings;
    cache::CacheAside& pages;
    http::CachedPages cached;

    Response GetProduct(Request& request) const {
        return cached.Load(request, kProductPages, request.path, [&] {
            return http::JsonBody(service.GetProduct(request.context, request.PathParam("product_id_or_slug"), false),
                                  WriteProduct);
        });
    }

    Response ListProducts(Request& request) const {
        auto query = ReadProductQuery(request, false);
        if (!query.ok()) return http::ProblemResponse(query.error(), request.path);
        return cached.Load(request, kListPages, http::PageKey(request), [&] {
            return http::JsonBody(service.ListProducts(request.context, *query), WriteProductPageJson);
        });
    }

    // Runs an admin write and, when it succeeded, drops the cached catalog pages at once
    // (other processes learn of it from the ProductChanged event).
    template <typename T, typename Writer>
    Response Mutate(const core::Result<T>& result, const Request& request, int status, Writer write) const {
        // A failure here is reported by the bus consumer below, which retries it.
        if (result.ok()) (void)InvalidateCatalogPages(request.context, pages.cache());
        return RenderJson(result, request, status, write, "no-store");
    }

    // A category write: its name and slug also appear in search facets and on the home
    // page, so every cached page goes.
    template <typename T, typename Writer>
    Response MutateCategory(const core::Result<T>& result, const Request& request, int status, Writer write) const {
        if (result.ok()) (void)pages.cache().InvalidateAll(request.context);  // pages expire within the TTL regardless
        return RenderJson(result, request, status, write, "no-store");
    }
};

}  // namespace

core::Result<void> InvalidateCatalogPages(const core::RequestContext& ctx, cache::Cache& cache) {
    for (auto ns : {kProductPages, kListPages, kHomePages}) EMPORIUM_TRY(cache.InvalidateNamespace(ctx, ns));
    return core::Ok();
}

void SubscribeCacheInvalidation(bus::EventBus& bus, cache::Cache& cache, std::function<void()> before_invalidation,
                                bus::Fanout fanout) {
    bus.Subscribe(
        {.name = "cache.catalog_pages", .types = {std::string(kProductChanged)}, .fanout = fanout},
        [&cache, before = std::move(before_invalidation)](const core::RequestContext& ctx, const bus::Event&) {
            if (before) before();
            return InvalidateCatalogPages(ctx, cache);
        });
}

void RegisterCatalogRoutes(http::Router& router, CatalogService& service, CatalogHttpSettings settings,
                           cache::CacheAside& pages) {
    std::string public_cc = "public, max-age=" + std::to_string(settings.cache_max_age_seconds);
    auto routes =
        std::make_shared<CatalogRoutes>(CatalogRoutes{service, settings, pages, http::CachedPages(pages, public_cc)});

    router.Add(Method::kGet, "/api/v1/categories", Access::kPublic, [routes, public_cc](Request& r) {
        // The whole tree in one answer (it is small and menus want all of it): no parameters.
        if (auto known = http::CheckQueryParams(r, {}); !known.ok())
            return http::ProblemResponse(known.error(), r.path);
        return RenderJson(
            routes->service.ListCategories(r.context), r, 200,
            [](core::JsonWriter& json, const std::vector<Category>& categories) {
                http::WriteList(json, categories, std::nullopt, WriteCategory);
            },
            public_cc);
    });
    router.Add(Method::kGet, "/api/v1/categories/{category_id_or_slug}", Access::kPublic,
               [routes, public_cc](Request& r) {
                   return RenderJson(routes->service.GetCategory(r.context, r.PathParam("category_id_or_slug")), r, 200,
                                     WriteCategory, public_cc);
               });
    router.Add(Method::kPost, "/api/v1/admin/categories", Access::kAdmin, [routes](Request& r) {
        auto input = ReadCategoryInput(r, /*creating=*/true);
        if (!input.ok()) return http::ProblemResponse(input.error(), r.path);
        auto created = routes->service.CreateCategory(r.context, *input);
        Response response = routes->MutateCategory(created, r, 201, WriteCategory);
        if (created.ok()) response.SetHeader("Location", "/api/v1/categories/" + created->id);
        return response;
    });
    router.Add(Method::kPatch, "/api/v1/admin/categories/{category_id}", Access::kAdmin, [routes](Request& r) {
        auto input = ReadCategoryInput(r, /*creating=*/false);
        if (!input.ok()) return http::ProblemResponse(input.error(), r.path);
        return routes->MutateCategory(routes->service.UpdateCategory(r.context, r.PathParam("category_id"), *input), r,
                                      200, WriteCategory);
    });

    auto& list_products = router.Add(Method::kGet, "/api/v1/products", Access::kPublic,
                                     [routes](Request& r) { return routes->ListProducts(r); });
    auto& get_product = router.Add(Method::kGet, "/api/v1/products/{product_id_or_slug}", Access::kPublic,
                                   [routes](Request& r) { return routes->GetProduct(r); });
    list_products.fast_path = [routes](Request& r) { return routes->cached.Fresh(kListPages, http::PageKey(r), r); };
    get_product.fast_path = [routes](Request& r) { return routes->cached.Fresh(kProductPages, r.path, r); };

    router.Add(Method::kGet, "/api/v1/admin/products", Access::kAdmin, [routes](Request& r) {
        auto query = ReadProductQuery(r, true);
        if (!query.ok()) return http::ProblemResponse(query.error(), r.path);
        return WriteProductPage(routes->service.ListProducts(r.context, *query), r, http::kPrivateNoCache);
    });
    router.Add(Method::kGet, "/api/v1/admin/products/{product_id}", Access::kAdmin, [routes](Request& r) {
        auto id = r.PathParam("product_id");
        auto product = routes->service.GetProduct(r.context, id, true);
        if (product.ok() && product->id != id) product = core::Error::NotFound("No such product.");
        return RenderJson(product, r, 200, WriteProduct, http::kPrivateNoCache);
    });
    router.Add(Method::kPost, "/api/v1/admin/products", Access::kAdmin, [routes](Request& r) {
        auto input = ReadProductInput(r);
        if (!input.ok()) return http::ProblemResponse(input.error(), r.path);
        auto created = routes->service.CreateProduct(r.context, *input);
        Response response = routes->Mutate(created, r, 201, WriteProduct);
        if (created.ok()) response.SetHeader("Location", "/api/v1/admin/products/" + created->id);
        return response;
    });
    router.Add(Method::kPatch, "/api/v1/admin/products/{product_id}", Access::kAdmin, [routes](Request& r) {
        auto input = ReadProductInput(r);
        if (!input.ok()) return http::ProblemResponse(input.error(), r.path);
        return routes->Mutate(routes->service.UpdateProduct(r.context, r.PathParam("product_id"), *input), r, 200,
                              WriteProduct);
    });
    router.Add(Method::kPost, "/api/v1/admin/products/{product_id}/archive", Access::kAdmin, [routes](Request& r) {
        return routes->Mutate(routes->service.ArchiveProduct(r.context, r.PathParam("product_id")), r, 200,
                              WriteProduct);
    });
}

}  // namespace emporium::catalog

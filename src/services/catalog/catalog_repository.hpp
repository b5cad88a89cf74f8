#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/request_context.hpp"
#include "core/result.hpp"
#include "services/catalog/catalog_service.hpp"

namespace emporium::catalog {

// Position after which a list page starts (decoded from the opaque cursor).
struct ListPosition {
    int64_t seq = 0;
    int64_t price = 0;
    std::string name;
};

struct ProductFilter {
    std::optional<std::string> category_path;  // subtree prefix
    std::optional<int64_t> price_min, price_max;
    std::vector<ProductStatus> statuses;  // empty: any
    ProductSort sort = ProductSort::kNewest;
    std::optional<ListPosition> after;
    int limit = 20;
};

struct ListedProduct {
    Product product;
    int64_t seq = 0;  // for the next cursor
};

// Storage port of the catalog service. Blocking, thread-safe. kNotFound for a missing
// row. kConflict carries one field error naming what clashed: "slug" or "sku" (a unique
// key taken), or "version" (the row changed since it was read).
// Every method takes the caller's context first and answers kUnavailable, touching
// nothing, when its deadline has passed.
class CatalogRepository {
  public:
    virtual ~CatalogRepository() = default;

    virtual core::Result<void> InsertCategory(const core::RequestContext& ctx, const Category& category) = 0;
    virtual core::Result<void> UpdateCategory(const core::RequestContext& ctx, const Category& category,
                                              int64_t now) = 0;
    virtual core::Result<std::vector<Category>> ListCategories(const core::RequestContext& ctx) = 0;
    virtual core::Result<Category> FindCategory(const core::RequestContext& ctx, std::string_view id_or_slug) = 0;

    // Inserts products with their variants, all in one transaction, with a
    // "ProductChanged" event each in the outbox unless `events` is kNone (the bulk seed,
    // which rebuilds the search index itself).
    enum class Events { kPublish, kNone };
    virtual core::Result<void> InsertProducts(const core::RequestContext& ctx, const std::vector<Product>& products,
                                              Events events = Events::kPublish) = 0;
    // Replaces the product row and its variants if its stored version is still
    // `product.version`; the stored version becomes `product.version + 1`. Publishes
    // "ProductChanged" in the same transaction.
    virtual core::Result<void> UpdateProduct(const core::RequestContext& ctx, const Product& product) = 0;
    virtual core::Result<Product> FindProduct(const core::RequestContext& ctx, std::string_view id_or_slug) = 0;
    virtual core::Result<std::vector<ListedProduct>> ListProducts(const core::RequestContext& ctx,
                                                                  const ProductFilter& filter) = 0;
    virtual core::Result<int64_t> CountProducts(const core::RequestContext& ctx) = 0;
    virtual core::Result<VariantInfo> FindVariant(const core::RequestContext& ctx, std::string_view sku) = 0;
    // The variants of `skus` that exist, in one read (unknown SKUs are left out).
    virtual core::Result<std::vector<VariantInfo>> FindVariants(const core::RequestContext& ctx,
                                                                const std::vector<std::string>& skus) = 0;
};

}  // namespace emporium::catalog

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/request_context.hpp"
#include "core/result.hpp"

namespace emporium::catalog {

// Published (aggregate = the product id) when a product, its variants or prices change.
inline constexpr std::string_view kProductChanged = "ProductChanged";

struct Money {
    int64_t amount = 0;    // minor units (cents)
    std::string currency;  // ISO 4217, e.g. "USD"
};

struct Variant {
    std::string sku;
    std::string name;
    Money price;
    std::string attributes_json = "{}";  // a JSON object, stored and served as a document
};

enum class ProductStatus { kDraft, kActive, kArchived };
std::string_view StatusName(ProductStatus status);
std::optional<ProductStatus> ParseStatus(std::string_view text);

struct Product {
    std::string id;
    std::string slug;
    std::string name;
    std::string description;
    ProductStatus status = ProductStatus::kActive;
    std::optional<std::string> category_id;
    std::string attributes_json = "{}";
    std::vector<std::string> images;
    std::vector<Variant> variants;
    Money price_from;  // the lowest variant price
    int64_t created_at = 0;
    int64_t updated_at = 0;
    int64_t version = 1;  // bumped by every update; an update names the version it read
};

struct Category {
    std::string id;
    std::string slug;
    std::string name;
    std::optional<std::string> parent_id;
    std::string path;  // "/<root id>/.../<own id>/"
    int64_t created_at = 0;
};

// Inputs: every field optional so one type serves create and partial update; the
// service decides what is required. Values arrive as the client sent them.
struct VariantInput {
    std::optional<std::string> sku;
    std::optional<std::string> name;
    std::optional<int64_t> price_amount;
    std::optional<std::string> price_currency;
    std::optional<std::string> attributes_json;
};

struct ProductInput {
    std::optional<std::string> name;
    std::optional<std::string> slug;
    std::optional<std::string> description;
    std::optional<std::string> status;
    bool category_id_present = false;  // present with nullopt value: clear the category
    std::optional<std::string> category_id;
    std::optional<std::string> attributes_json;
    std::optional<std::vector<std::string>> images;
    std::optional<std::vector<VariantInput>> variants;
};

struct CategoryInput {
    std::optional<std::string> name;
    std::optional<std::string> slug;
    std::optional<std::string> parent_id;
};

enum class ProductSort { kNewest, kPriceAsc, kPriceDesc, kNameAsc };
std::optional<ProductSort> ParseSort(std::string_view text);

struct ProductQuery {
    std::optional<std::string> category;  // id or slug; includes sub-categories
    std::optional<int64_t> price_min;     // on price_from, inclusive
    std::optional<int64_t> price_max;
    ProductSort sort = ProductSort::kNewest;
    std::string cursor;                   // opaque, from a previous page
    int limit = 20;                       // 1..100
    bool include_hidden = false;          // admin view: every status
    std::optional<ProductStatus> status;  // admin view: one status
};

// One purchasable variant with what a cart or an order needs to know about it.
struct VariantInfo {
    std::string sku;
    std::string product_id;
    std::string product_name;
    std::string variant_name;
    Money price;
    ProductStatus status = ProductStatus::kActive;  // of the product
};

// `variants` by SKU, pointing into `variants` (which must outlive the map).
inline std::unordered_map<std::string_view, const VariantInfo*> IndexBySku(const std::vector<VariantInfo>& variants) {
    std::unordered_map<std::string_view, const VariantInfo*> index;
    for (const auto& variant : variants) index.emplace(variant.sku, &variant);
    return index;
}

struct ProductPage {
    std::vector<Product> items;
    std::optional<std::string> next_cursor;
};

inline constexpr int kMaxPageSize = 100;

// The catalog service: category tree and products with variants. Blocking (database):
// call from the blocking pool. Thread-safe. Errors: kInvalidArgument with field errors,
// kConflict for a taken slug or SKU, kNotFound for unknown ids (and for non-active
// products in the public view), kMalformed for an unreadable cursor.
class CatalogService {
  public:
    virtual ~CatalogService() = default;

    virtual core::Result<Category> CreateCategory(const core::RequestContext& ctx, const CategoryInput& input) = 0;
    virtual core::Result<Category> UpdateCategory(const core::RequestContext& ctx, std::string_view id,
                                                  const CategoryInput& input) = 0;
    // Every category ordered by tree path (parents before children).
    virtual core::Result<std::vector<Category>> ListCategories(const core::RequestContext& ctx) = 0;
    virtual core::Result<Category> GetCategory(const core::RequestContext& ctx, std::string_view id_or_slug) = 0;

    virtual core::Result<Product> CreateProduct(const core::RequestContext& ctx, const ProductInput& input) = 0;
    // Applies the fields present in `input`; `variants` replaces the whole list.
    virtual core::Result<Product> UpdateProduct(const core::RequestContext& ctx, std::string_view id,
                                                const ProductInput& input) = 0;
    // Idempotent.
    virtual core::Result<Product> ArchiveProduct(const core::RequestContext& ctx, std::string_view id) = 0;

    // `include_hidden`: false for the storefront (active only), true for operators.
    virtual core::Result<Product> GetProduct(const core::RequestContext& ctx, std::string_view id_or_slug,
                                             bool include_hidden) = 0;
    // Keyset pagination: a cursor names the last row seen, so inserts between pages never
    // cause repeats or gaps among the rows that existed.
    virtual core::Result<ProductPage> ListProducts(const core::RequestContext& ctx, const ProductQuery& query) = 0;
    // The variant with this SKU, whatever its product's status; kNotFound if none. May be
    // served from memory: a product write through this service shows at once, one made by
    // another process once its ProductChanged event is delivered (60 s at the most).
    virtual core::Result<VariantInfo> GetVariant(const core::RequestContext& ctx, std::string_view sku) = 0;
    // The variants of `skus` that exist (each once), whatever their product's status, in at
    // most one read.
    virtual core::Result<std::vector<VariantInfo>> GetVariants(const core::RequestContext& ctx,
                                                               const std::vector<std::string>& skus) = 0;
};

}  // namespace emporium::catalog

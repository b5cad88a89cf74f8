#include "services/catalog/catalog_service_impl.hpp"

#include <algorithm>
#include <charconv>
#include <set>
#include <unordered_set>

#include "core/random.hpp"
#include "core/text.hpp"
#include "observability/metrics.hpp"

namespace emporium::catalog {

using core::Error;
using core::FieldError;
using core::Result;

namespace {

constexpr int64_t kMaxPrice = 1'000'000'000'000;
constexpr std::size_t kMaxAttributesBytes = 16 * 1024;
constexpr std::size_t kMaxImages = 20;
constexpr std::size_t kMaxVariants = 100;

void CheckText(std::vector<FieldError>& errors, const std::string& field, std::string_view value, std::size_t min,
               std::size_t max) {
    if (auto problem = core::TextLengthProblem(value, min, max); !problem.empty())
        errors.push_back({field, std::move(problem)});
}

bool ValidSku(std::string_view sku) {
    if (sku.empty() || sku.size() > 64) return false;
    if (!core::IsAsciiAlnum(sku.front())) return false;
    for (char c : sku)
        if (!core::IsAsciiAlnum(c) && c != '.' && c != '_' && c != '-') return false;
    return true;
}

bool ValidCurrency(std::string_view currency) {
    return currency.size() == 3 &&
           std::all_of(currency.begin(), currency.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

bool ValidImageUrl(std::string_view url) {
    if (url.size() > 2048) return false;
    std::string_view rest;
    if (url.starts_with("https://")) {
        rest = url.substr(8);
    } else if (url.starts_with("http://")) {
        rest = url.substr(7);
    } else {
        return false;
    }
    if (rest.empty() || rest.front() == '/' || rest.front() == '.') return false;
    for (char c : url)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '"' || c == '<' || c == '>' || c == '\\')
            return false;
    return true;
}

}  // namespace

std::string_view StatusName(ProductStatus status) {
    switch (status) {
        case ProductStatus::kDraft:
            return "draft";
        case ProductStatus::kActive:
            return "active";
        case ProductStatus::kArchived:
            return "archived";
    }
    return "draft";
}

std::optional<ProductStatus> ParseStatus(std::string_view text) {
    for (auto status : {ProductStatus::kDraft, ProductStatus::kActive, ProductStatus::kArchived})
        if (text == StatusName(status)) return status;
    return std::nullopt;
}

std::optional<ProductSort> ParseSort(std::string_view text) {
    if (text == "newest") return ProductSort::kNewest;
    if (text == "price_asc") return ProductSort::kPriceAsc;
    if (text == "price_desc") return ProductSort::kPriceDesc;
    if (text == "name_asc") return ProductSort::kNameAsc;
    return std::nullopt;
}

std::vector<FieldError> ValidateProduct(const Product& p) {
    std::vector<FieldError> errors;
    CheckText(errors, "name", core::Trim(p.name), 1, 200);
    if (!core::IsValidSlug(p.slug))
        errors.push_back({"slug", "must be 1-100 of a-z, 0-9 and single hyphens, e.g. \"blue-shirt\""});
    CheckText(errors, "description", p.description, 0, 10000);
    if (p.attributes_json.size() > kMaxAttributesBytes)
        errors.push_back({"attributes", "must be at most 16 KiB when serialised"});
    if (p.images.size() > kMaxImages) errors.push_back({"images", "must hold at most 20 URLs"});
    for (std::size_t i = 0; i < p.images.size(); ++i)
        if (!ValidImageUrl(p.images[i]))
            errors.push_back(
                {"images[" + std::to_string(i) + "]", "must be an http(s) URL of at most 2048 characters"});
    if (p.variants.empty()) errors.push_back({"variants", "must hold at least one variant"});
    if (p.variants.size() > kMaxVariants) errors.push_back({"variants", "must hold at most 100 variants"});
    std::set<std::string> skus;
    for (std::size_t i = 0; i < p.variants.size(); ++i) {
        const Variant& v = p.variants[i];
        std::string prefix = "variants[" + std::to_string(i) + "]";
        if (!ValidSku(v.sku))
            errors.push_back(
                {prefix + ".sku", "must be 1-64 of A-Z, a-z, 0-9, '.', '_', '-', starting with a letter or digit"});
        else if (!skus.insert(v.sku).second)
            errors.push_back({prefix + ".sku", "is repeated within the product"});
        CheckText(errors, prefix + ".name", v.name, 0, 200);
        if (v.price.amount < 0 || v.price.amount > kMaxPrice)
            errors.push_back({prefix + ".price.amount", "must be between 0 and 1000000000000 minor units"});
        if (!ValidCurrency(v.price.currency)) {
            errors.push_back({prefix + ".price.currency", "must be an ISO 4217 code such as \"USD\""});
        } else if (v.price.currency != p.variants.front().price.currency) {
            errors.push_back({prefix + ".price.currency", "must be the same for every variant of a product"});
        }
        if (v.attributes_json.size() > kMaxAttributesBytes)
            errors.push_back({prefix + ".attributes", "must be at most 16 KiB when serialised"});
    }
    return errors;
}

std::string EncodeCursor(ProductSort sort, const ListPosition& position) {
    std::string raw = "v1|" + std::to_string(static_cast<int>(sort)) + "|" + std::to_string(position.seq) + "|" +
                      std::to_string(position.price) + "|" + position.name;
    return core::Base64UrlEncode(raw);
}

Result<ListPosition> DecodeCursor(std::string_view cursor, ProductSort sort) {
    const Error bad = Error{core::ErrorCode::kMalformed,
                            "The cursor is not valid for this list.",
                            {{"cursor", "is not a cursor returned by this list"}}};
    std::string raw;
    if (cursor.size() > 2048 || !core::Base64UrlDecode(cursor, raw)) return bad;
    std::string_view rest = raw;
    std::string_view parts[4];
    for (auto& part : parts) {
        auto bar = rest.find('|');
        if (bar == std::string_view::npos) return bad;
        part = rest.substr(0, bar);
        rest.remove_prefix(bar + 1);
    }
    ListPosition position;
    int sort_number = -1;
    auto parse = [](std::string_view text, auto& out) {
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
        return ec == std::errc() && end == text.data() + text.size();
    };
    if (parts[0] != "v1" || !parse(parts[1], sort_number) || sort_number != static_cast<int>(sort) ||
        !parse(parts[2], position.seq) || !parse(parts[3], position.price))
        return bad;
    position.name = std::string(rest);
    return position;
}

// --- categories ----------------------------------------------------------------------

Result<Category> CatalogServiceImpl::CreateCategory(const core::RequestContext& ctx, const CategoryInput& input) {
    std::vector<FieldError> errors;
    Category category;
    if (!input.name) {
        errors.push_back({"name", "is required"});
    } else {
        category.name = std::string(core::Trim(*input.name));
        CheckText(errors, "name", category.name, 1, 100);
    }
    category.id = core::NewId("cat");
    category.slug = input.slug ? *input.slug : core::Slugify(category.name);
    // A name with no Latin letters or digits ("日本語"): the slug comes from the id.
    if (!input.slug && category.slug.empty()) category.slug = core::Slugify(category.id);
    if (!core::IsValidSlug(category.slug)) errors.push_back({"slug", "must be 1-100 of a-z, 0-9 and single hyphens"});
    category.path = "/" + category.id + "/";
    if (input.parent_id) {
        auto parent = repository_.FindCategory(ctx, *input.parent_id);
        if (!parent.ok()) {
            if (parent.error().code != core::ErrorCode::kNotFound) return parent.error();
            errors.push_back({"parent_id", "is not an existing category"});
        } else {
            category.parent_id = parent->id;
            category.path = parent->path + category.id + "/";
        }
    }
    if (!errors.empty()) return Error::Invalid(std::move(errors));
    category.created_at = clock_.NowSeconds();
    auto inserted = repository_.InsertCategory(ctx, category);
    if (!inserted.ok()) {
        if (inserted.error().code == core::ErrorCode::kConflict)
            return Error::Conflict("A category with this slug already exists.");
        return inserted.error();
    }
    return category;
}

Result<Category> CatalogServiceImpl::UpdateCategory(const core::RequestContext& ctx, std::string_view id,
                                                    const CategoryInput& input) {
    EMPORIUM_ASSIGN_OR_RETURN(Category category, repository_.FindCategory(ctx, id));
    if (category.id != id) return Error::NotFound("No such category.");  // updates address ids only
    std::vector<FieldError> errors;
    if (input.parent_id) errors.push_back({"parent_id", "cannot be changed; create a new category instead"});
    if (input.name) {
        category.name = std::string(core::Trim(*input.name));
        CheckText(errors, "name", category.name, 1, 100);
    }
    if (input.slug) {
        category.slug = *input.slug;
        if (!core::IsValidSlug(category.slug))
            errors.push_back({"slug", "must be 1-100 of a-z, 0-9 and single hyphens"});
    }
    if (!errors.empty()) return Error::Invalid(std::move(errors));
    auto updated = repository_.UpdateCategory(ctx, category, clock_.NowSeconds());
    if (!updated.ok()) {
        if (updated.error().code == core::ErrorCode::kConflict)
            return Error::Conflict("A category with this slug already exists.");
        return updated.error();
    }
    return category;
}

Result<std::vector<Category>> CatalogServiceImpl::ListCategories(const core::RequestContext& ctx) {
    return repository_.ListCategories(ctx);
}

Result<Category> CatalogServiceImpl::GetCategory(const core::RequestContext& ctx, std::string_view id_or_slug) {
    return repository_.FindCategory(ctx, id_or_slug);
}

// --- products ------------------------------------------------------------------------

Result<void> CatalogServiceImpl::Merge(const core::RequestContext& ctx, Product& product, const ProductInput& input,
                                       bool creating) {
    std::vector<FieldError> errors;
    if (input.name)
        product.name = std::string(core::Trim(*input.name));
    else if (creating)
        errors.push_back({"name", "is required"});
    if (input.slug) product.slug = *input.slug;
    if (input.description) product.description = *input.description;
    if (input.status) {
        auto status = ParseStatus(*input.status);
        if (!status || *status == ProductStatus::kArchived)
            errors.push_back({"status", "must be \"draft\" or \"active\" (archive with POST .../archive)"});
        else
            product.status = *status;
    }
    if (input.category_id_present) {
        if (!input.category_id) {
            product.category_id.reset();
        } else {
            auto category = repository_.FindCategory(ctx, *input.category_id);
            if (!category.ok() || category->id != *input.category_id) {
                if (!category.ok() && category.error().code != core::ErrorCode::kNotFound) return category.error();
                errors.push_back({"category_id", "is not an existing category id"});
            } else {
                product.category_id = category->id;
            }
        }
    }
    if (input.attributes_json) product.attributes_json = *input.attributes_json;
    if (input.images) product.images = *input.images;
    if (input.variants) {
        product.variants.clear();
        for (std::size_t i = 0; i < input.variants->size(); ++i) {
            const VariantInput& in = (*input.variants)[i];
            std::string prefix = "variants[" + std::to_string(i) + "]";
            Variant v;
            if (!in.sku) errors.push_back({prefix + ".sku", "is required"});
            if (!in.price_amount) errors.push_back({prefix + ".price.amount", "is required"});
            if (!in.price_currency) errors.push_back({prefix + ".price.currency", "is required"});
            v.sku = in.sku.value_or("");
            v.name = in.name.value_or("");
            v.price = Money{in.price_amount.value_or(0), in.price_currency.value_or("")};
            v.attributes_json = in.attributes_json.value_or("{}");
            product.variants.push_back(std::move(v));
        }
    } else if (creating) {
        errors.push_back({"variants", "is required"});
    }
    if (!errors.empty()) return Error::Invalid(std::move(errors));
    return core::Ok();
}

namespace {
// The field a repository conflict names ("slug", "sku" or "version").
std::string_view ConflictField(const Error& error) {
    return error.fields.empty() ? std::string_view() : std::string_view(error.fields.front().field);
}

Result<void> Finalize(Product& product) {
    auto errors = ValidateProduct(product);
    if (!errors.empty()) return Error::Invalid(std::move(errors));
    product.price_from = product.variants.front().price;
    for (const auto& v : product.variants)
        if (v.price.amount < product.price_from.amount) product.price_from = v.price;
    return core::Ok();
}

Error UniqueConflict(const Error& error) {
    if (ConflictField(error) == "sku") return Error::Conflict("A variant SKU is already used by another product.");
    return Error::Conflict("A product with this slug already exists.");
}
}  // namespace

Result<Product> CatalogServiceImpl::CreateProduct(const core::RequestContext& ctx, const ProductInput& input) {
    Product product;
    EMPORIUM_TRY(Merge(ctx, product, input, true));
    bool slug_generated = !input.slug;
    if (slug_generated) product.slug = core::Slugify(product.name);
    if (slug_generated && product.slug.empty()) product.slug = "product";
    product.id = core::NewId("prd");
    product.created_at = product.updated_at = clock_.NowSeconds();
    EMPORIUM_TRY(Finalize(product));
    for (int attempt = 0;; ++attempt) {
        auto saved = repository_.InsertProducts(ctx, {product});
        if (saved.ok()) return product;
        const Error& error = saved.error();
        if (error.code != core::ErrorCode::kConflict) return error;
        if (ConflictField(error) == "slug" && slug_generated && attempt < 3) {
            // The name-derived slug is taken: make it unique with a short random suffix.
            std::string suffix = core::ToLowerAscii(core::RandomToken(4));
            std::erase_if(suffix, [](char c) { return !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')); });
            product.slug = core::Slugify(product.slug, 90) + "-" + (suffix.empty() ? "x" : suffix);
            continue;
        }
        return UniqueConflict(error);
    }
}

Result<Product> CatalogServiceImpl::ModifyProduct(const core::RequestContext& ctx, std::string_view id,
                                                  const std::function<Result<bool>(Product&)>& change) {
    // Optimistic concurrency: read, change, write naming the version read; if another
    // write got there first, start again from the newer row (a PATCH applies its fields
    // to whatever is current, so retrying keeps both changes).
    for (int attempt = 0;; ++attempt) {
        EMPORIUM_ASSIGN_OR_RETURN(Product product, repository_.FindProduct(ctx, id));
        if (product.id != id) return Error::NotFound("No such product.");
        EMPORIUM_ASSIGN_OR_RETURN(bool changed, change(product));
        if (!changed) return product;
        product.updated_at = clock_.NowSeconds();
        EMPORIUM_TRY(Finalize(product));
        auto saved = repository_.UpdateProduct(ctx, product);
        variants_.Clear();  // whatever the outcome (a failed commit may still have landed)
        if (saved.ok()) {
            product.version += 1;
            return product;
        }
        const Error& error = saved.error();
        if (error.code != core::ErrorCode::kConflict) return error;
        if (ConflictField(error) == "version") {
            if (attempt < 8) continue;
            return Error::Conflict("The product is being changed by others; try again.");
        }
        return UniqueConflict(error);
    }
}

Result<Product> CatalogServiceImpl::UpdateProduct(const core::RequestContext& ctx, std::string_view id,
                                                  const ProductInput& input) {
    return ModifyProduct(ctx, id, [&](Product& product) -> Result<bool> {
        EMPORIUM_TRY(Merge(ctx, product, input, false));
        return true;
    });
}

Result<Product> CatalogServiceImpl::ArchiveProduct(const core::RequestContext& ctx, std::string_view id) {
    return ModifyProduct(ctx, id, [](Product& product) -> Result<bool> {
        if (product.status == ProductStatus::kArchived) return false;  // idempotent
        product.status = ProductStatus::kArchived;
        return true;
    });
}

Result<Product> CatalogServiceImpl::GetProduct(const core::RequestContext& ctx, std::string_view id_or_slug,
                                               bool include_hidden) {
    auto product = repository_.FindProduct(ctx, id_or_slug);
    if (!product.ok()) return product;
    if (!include_hidden && product->status != ProductStatus::kActive) return Error::NotFound("No such product.");
    return product;
}

Result<ProductPage> CatalogServiceImpl::ListProducts(const core::RequestContext& ctx, const ProductQuery& query) {
    std::vector<FieldError> errors;
    if (query.limit < 1 || query.limit > kMaxPageSize) errors.push_back({"limit", "must be between 1 and 100"});
    if (query.price_min && *query.price_min < 0) errors.push_back({"price_min", "must not be negative"});
    if (query.price_max && *query.price_max < 0) errors.push_back({"price_max", "must not be negative"});
    if (!errors.empty()) return Error{core::ErrorCode::kMalformed, "Invalid query parameters.", std::move(errors)};

    ProductFilter filter;
    filter.sort = query.sort;
    filter.limit = query.limit + 1;  // one extra row tells whether another page exists
    filter.price_min = query.price_min;
    filter.price_max = query.price_max;
    if (!query.include_hidden)
        filter.statuses = {ProductStatus::kActive};
    else if (query.status)
        filter.statuses = {*query.status};
    if (query.category) {
        auto category = repository_.FindCategory(ctx, *query.category);
        if (!category.ok()) {
            if (category.error().code == core::ErrorCode::kNotFound) return ProductPage{};
            return category.error();
        }
        filter.category_path = category->path;
    }
    if (!query.cursor.empty()) {
        EMPORIUM_ASSIGN_OR_RETURN(filter.after, DecodeCursor(query.cursor, query.sort));
    }
    EMPORIUM_ASSIGN_OR_RETURN(auto rows, repository_.ListProducts(ctx, filter));
    ProductPage page;
    bool more = static_cast<int>(rows.size()) > query.limit;
    if (more) rows.resize(static_cast<std::size_t>(query.limit));
    if (more && !rows.empty()) {
        const auto& last = rows.back();
        page.next_cursor =
            EncodeCursor(query.sort, ListPosition{last.seq, last.product.price_from.amount, last.product.name});
    }
    page.items.reserve(rows.size());
    for (auto& row : rows) page.items.push_back(std::move(row.product));
    return page;
}

namespace {
std::size_t VariantBytes(const VariantInfo& v) {
    return sizeof(VariantInfo) + v.sku.size() + v.product_id.size() + v.product_name.size() + v.variant_name.size() +
           v.price.currency.size();
}
}  // namespace

Result<VariantInfo> CatalogServiceImpl::GetVariant(const core::RequestContext& ctx, std::string_view sku) {
    if (auto cached = variants_.Get(sku)) return *cached;
    uint64_t generation = variants_.Generation();  // before the read: a write after it voids the Put
    EMPORIUM_ASSIGN_OR_RETURN(VariantInfo variant, repository_.FindVariant(ctx, sku));
    variants_.Put(variant.sku, std::make_shared<const VariantInfo>(variant), VariantBytes(variant), generation);
    return variant;
}

Result<std::vector<VariantInfo>> CatalogServiceImpl::GetVariants(const core::RequestContext& ctx,
                                                                 const std::vector<std::string>& skus) {
    std::vector<VariantInfo> found;
    std::vector<std::string> missing;
    std::unordered_set<std::string_view> seen;
    for (const auto& sku : skus) {
        if (!seen.insert(sku).second) continue;
        if (auto cached = variants_.Get(sku))
            found.push_back(*cached);
        else
            missing.push_back(sku);
    }
    if (missing.empty()) return found;
    uint64_t generation = variants_.Generation();
    EMPORIUM_ASSIGN_OR_RETURN(auto loaded, repository_.FindVariants(ctx, missing));
    for (auto& variant : loaded) {
        variants_.Put(variant.sku, std::make_shared<const VariantInfo>(variant), VariantBytes(variant), generation);
        found.push_back(std::move(variant));
    }
    return found;
}

void CatalogServiceImpl::SubscribeVariantCacheInvalidation(bus::EventBus& bus,
                                                           std::function<void()> before_invalidation) {
    bus.Subscribe({.name = "cache.catalog_variants",
                   .types = {std::string(kProductChanged)},
                   .fanout = bus::Fanout::kEveryReplica},
                  [this, before = std::move(before_invalidation)](const core::RequestContext&, const bus::Event&) {
                      if (before) before();
                      variants_.Clear();
                      return Result<void>(core::Ok());
                  });
}

void CatalogServiceImpl::RenderMetrics(std::string& out) const {
    auto variants = VariantCacheStats();
    using observability::AppendFamilyHeader;
    using observability::AppendSample;
    AppendFamilyHeader(out, "emporium_catalog_variant_cache_hits_total", "counter",
                       "Variant lookups by SKU answered from memory.");
    AppendSample(out, "emporium_catalog_variant_cache_hits_total", "", static_cast<int64_t>(variants.hits));
    AppendFamilyHeader(out, "emporium_catalog_variant_cache_misses_total", "counter",
                       "Variant lookups that read the catalog database.");
    AppendSample(out, "emporium_catalog_variant_cache_misses_total", "", static_cast<int64_t>(variants.misses));
    AppendFamilyHeader(out, "emporium_catalog_variant_cache_evictions_total", "counter",
                       "Variants evicted to stay within catalog.variant_cache_bytes.");
    AppendSample(out, "emporium_catalog_variant_cache_evictions_total", "", static_cast<int64_t>(variants.evictions));
    AppendFamilyHeader(out, "emporium_catalog_variant_cache_entries", "gauge", "Variants held in memory.");
    AppendSample(out, "emporium_catalog_variant_cache_entries", "", variants.entries);
    AppendFamilyHeader(out, "emporium_catalog_variant_cache_bytes", "gauge", "Bytes of the variants held.");
    AppendSample(out, "emporium_catalog_variant_cache_bytes", "", variants.bytes);
}

}  // namespace emporium::catalog

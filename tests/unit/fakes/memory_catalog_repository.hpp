#pragma once

// An in-memory CatalogRepository for unit tests: plain maps under one mutex, behaving as
// SqliteCatalogRepository does. It refuses an expired deadline and has no outbox: the
// ProductChanged events the adapter publishes with InsertProducts/UpdateProduct are not
// modelled. JSON documents (attributes) are stored unchecked.

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/deadline.hpp"
#include "services/catalog/catalog_repository.hpp"

namespace emporium::catalog {

class MemoryCatalogRepository final : public CatalogRepository {
  public:
    // Unique keys of categories clash with a bare kConflict (no field error), as in the adapter.
    core::Result<void> InsertCategory(const core::RequestContext& ctx, const Category& category) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        const auto& categories = state_.categories;
        if (categories.contains(category.id) || CategoryBySlug(category.slug) != categories.end())
            return core::Error::Conflict("category id or slug taken");
        if (category.parent_id && !categories.contains(*category.parent_id))
            return core::Error::Internal("parent category does not exist");  // SQLite: foreign key
        state_.categories.emplace(category.id, category);
        return core::Ok();
    }
    // Renames (name and slug); parent and path stay.
    core::Result<void> UpdateCategory(const core::RequestContext& ctx, const Category& category, int64_t) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        auto it = state_.categories.find(category.id);
        if (it == state_.categories.end()) return core::Error::NotFound("No such category.");
        auto clash = CategoryBySlug(category.slug);
        if (clash != state_.categories.end() && clash != it) return core::Error::Conflict("category slug taken");
        it->second.name = category.name;
        it->second.slug = category.slug;
        return core::Ok();
    }
    // By path: parents before children.
    core::Result<std::vector<Category>> ListCategories(const core::RequestContext& ctx) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        std::vector<Category> out;
        for (const auto& [id, category] : state_.categories) out.push_back(category);
        std::sort(out.begin(), out.end(), [](const Category& a, const Category& b) { return a.path < b.path; });
        return out;
    }
    core::Result<Category> FindCategory(const core::RequestContext& ctx, std::string_view id_or_slug) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        auto it = id_or_slug.starts_with("cat_") ? state_.categories.find(id_or_slug) : CategoryBySlug(id_or_slug);
        if (it == state_.categories.end()) return core::Error::NotFound("No such category.");
        return it->second;
    }

    // All or nothing: the batch is applied to a copy that replaces the state on success.
    core::Result<void> InsertProducts(const core::RequestContext& ctx, const std::vector<Product>& products,
                                      Events) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        State next = state_;
        for (const auto& product : products) {
            Row row{next.next_seq++, product, {}};
            EMPORIUM_ASSIGN_OR_RETURN(row.category_path, CategoryPath(next, product.category_id));
            // The adapter names "slug" for any clash on the products row, a taken id too.
            if (next.products.contains(product.id) || ProductBySlug(next, product.slug) != next.products.end())
                return SlugConflict();
            EMPORIUM_TRY(CheckSkus(next, product));
            row.product.version = 1;  // a new row starts at version 1 whatever the caller says
            next.products.emplace(product.id, std::move(row));
        }
        state_ = std::move(next);
        return core::Ok();
    }
    // Keeps seq and created_at; everything else (variants too) is replaced.
    core::Result<void> UpdateProduct(const core::RequestContext& ctx, const Product& product) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        EMPORIUM_ASSIGN_OR_RETURN(auto path, CategoryPath(state_, product.category_id));
        auto it = state_.products.find(product.id);
        if (it == state_.products.end()) return core::Error::NotFound("No such product.");
        if (it->second.product.version != product.version)
            return core::Error{
                core::ErrorCode::kConflict, "The product changed since it was read.", {{"version", "is stale"}}};
        auto clash = ProductBySlug(state_, product.slug);
        if (clash != state_.products.end() && clash != it) return SlugConflict();
        EMPORIUM_TRY(CheckSkus(state_, product));
        Row& row = it->second;
        int64_t created_at = row.product.created_at;
        row.product = product;
        row.product.created_at = created_at;
        row.product.version = product.version + 1;
        row.category_path = std::move(path);
        return core::Ok();
    }
    core::Result<Product> FindProduct(const core::RequestContext& ctx, std::string_view id_or_slug) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        auto it = id_or_slug.starts_with("prd_") ? state_.products.find(id_or_slug) : ProductBySlug(state_, id_or_slug);
        if (it == state_.products.end()) return core::Error::NotFound("No such product.");
        return it->second.product;
    }
    core::Result<std::vector<ListedProduct>> ListProducts(const core::RequestContext& ctx,
                                                          const ProductFilter& filter) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        std::vector<const Row*> rows;
        for (const auto& [id, row] : state_.products)
            if (Matches(row, filter)) rows.push_back(&row);
        std::sort(rows.begin(), rows.end(), [&](const Row* a, const Row* b) { return Before(*a, *b, filter.sort); });
        std::vector<ListedProduct> out;
        for (const Row* row : rows) {
            if (filter.limit >= 0 && out.size() >= static_cast<std::size_t>(filter.limit)) break;
            out.push_back(ListedProduct{row->product, row->seq});
        }
        return out;
    }
    core::Result<int64_t> CountProducts(const core::RequestContext& ctx) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        return static_cast<int64_t>(state_.products.size());
    }
    core::Result<VariantInfo> FindVariant(const core::RequestContext& ctx, std::string_view sku) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        for (const auto& [id, row] : state_.products)
            for (const auto& variant : row.product.variants)
                if (variant.sku == sku) return Info(row.product, variant);
        return core::Error::NotFound("No such SKU.");
    }
    // Each known SKU once, by SKU.
    core::Result<std::vector<VariantInfo>> FindVariants(const core::RequestContext& ctx,
                                                        const std::vector<std::string>& skus) override {
        EMPORIUM_TRY(core::CheckDeadline(ctx));
        std::lock_guard lock(mutex_);
        std::set<std::string, std::less<>> wanted(skus.begin(), skus.end());
        std::map<std::string, VariantInfo> found;
        for (const auto& [id, row] : state_.products)
            for (const auto& variant : row.product.variants)
                if (wanted.contains(variant.sku)) found.emplace(variant.sku, Info(row.product, variant));
        std::vector<VariantInfo> out;
        for (auto& [sku, info] : found) out.push_back(std::move(info));
        return out;
    }

  private:
    struct Row {
        int64_t seq = 0;  // insertion order, never reused
        Product product;
        std::optional<std::string> category_path;  // the category's path when the row was written
    };
    using Categories = std::map<std::string, Category, std::less<>>;
    using Products = std::map<std::string, Row, std::less<>>;
    struct State {
        Categories categories;  // by id
        Products products;      // by id
        int64_t next_seq = 1;
    };

    static core::Error SlugConflict() {
        return core::Error{core::ErrorCode::kConflict, "slug taken", {{"slug", "is already taken"}}};
    }
    static VariantInfo Info(const Product& product, const Variant& variant) {
        return VariantInfo{variant.sku, product.id, product.name, variant.name, variant.price, product.status};
    }

    Categories::iterator CategoryBySlug(std::string_view slug) {
        return std::find_if(state_.categories.begin(), state_.categories.end(),
                            [&](const auto& entry) { return entry.second.slug == slug; });
    }
    static Products::iterator ProductBySlug(State& state, std::string_view slug) {
        return std::find_if(state.products.begin(), state.products.end(),
                            [&](const auto& entry) { return entry.second.product.slug == slug; });
    }
    static core::Result<std::optional<std::string>> CategoryPath(const State& state,
                                                                 const std::optional<std::string>& category_id) {
        if (!category_id) return std::optional<std::string>();
        auto it = state.categories.find(*category_id);
        if (it == state.categories.end()) return core::Error::Invalid("category_id", "is not an existing category id");
        return std::optional<std::string>(it->second.path);
    }
    // kConflict naming "sku" when a variant of `product` repeats a SKU or takes one of another product.
    static core::Result<void> CheckSkus(const State& state, const Product& product) {
        std::set<std::string_view> own;
        for (const auto& variant : product.variants) {
            bool taken = !own.insert(variant.sku).second;
            for (const auto& [id, row] : state.products)
                for (const auto& other : row.product.variants)
                    taken = taken || (id != product.id && other.sku == variant.sku);
            if (taken) return core::Error{core::ErrorCode::kConflict, "sku taken", {{"sku", "is already taken"}}};
        }
        return core::Ok();
    }

    static bool Matches(const Row& row, const ProductFilter& filter) {
        const Product& p = row.product;
        if (!filter.statuses.empty() &&
            std::find(filter.statuses.begin(), filter.statuses.end(), p.status) == filter.statuses.end())
            return false;
        if (filter.category_path) {
            // The adapter's range: [path, path with its last '/' turned into '0').
            if (!row.category_path || filter.category_path->empty()) return false;
            std::string upper = *filter.category_path;
            upper.back() = static_cast<char>('/' + 1);
            if (*row.category_path < *filter.category_path || *row.category_path >= upper) return false;
        }
        if (filter.price_min && p.price_from.amount < *filter.price_min) return false;
        if (filter.price_max && p.price_from.amount > *filter.price_max) return false;
        if (!filter.after) return true;
        const ListPosition& after = *filter.after;
        switch (filter.sort) {
            case ProductSort::kNewest:
                return row.seq < after.seq;
            case ProductSort::kPriceAsc:
                return std::tie(p.price_from.amount, row.seq) > std::tie(after.price, after.seq);
            case ProductSort::kPriceDesc:
                return std::tie(p.price_from.amount, row.seq) < std::tie(after.price, after.seq);
            case ProductSort::kNameAsc:
                return std::tie(p.name, row.seq) > std::tie(after.name, after.seq);
        }
        return true;
    }
    static bool Before(const Row& a, const Row& b, ProductSort sort) {
        const Product& x = a.product;
        const Product& y = b.product;
        switch (sort) {
            case ProductSort::kNewest:
                return a.seq > b.seq;
            case ProductSort::kPriceAsc:
                return std::tie(x.price_from.amount, a.seq) < std::tie(y.price_from.amount, b.seq);
            case ProductSort::kPriceDesc:
                return std::tie(x.price_from.amount, a.seq) > std::tie(y.price_from.amount, b.seq);
            case ProductSort::kNameAsc:
                return std::tie(x.name, a.seq) < std::tie(y.name, b.seq);
        }
        return false;
    }

    std::mutex mutex_;
    State state_;
};

}  // namespace emporium::catalog

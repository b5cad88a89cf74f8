#include "services/catalog/storage/sqlite_catalog_repository.hpp"

#include "core/deadline.hpp"
#include "core/json_writer.hpp"
#include "infra/sqlite/outbox.hpp"
#include "services/catalog/storage/catalog_rows.hpp"

namespace emporium::catalog {

using core::Error;
using core::Result;
using infra::sqlite::Connection;
using infra::sqlite::Statement;

namespace {

constexpr std::string_view kInsertCategory =
    "INSERT INTO categories (id, slug, name, parent_id, path, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
    "?6)";
constexpr std::string_view kUpdateCategory =
    "UPDATE categories SET name = ?2, slug = ?3, updated_at = ?4 WHERE id = ?1";
constexpr std::string_view kSelectCategories =
    "SELECT id, slug, name, parent_id, path, created_at FROM categories ORDER BY path";
constexpr std::string_view kSelectCategoryById =
    "SELECT id, slug, name, parent_id, path, created_at FROM categories WHERE id = ?1";
constexpr std::string_view kSelectCategoryBySlug =
    "SELECT id, slug, name, parent_id, path, created_at FROM categories WHERE slug = ?1";
constexpr std::string_view kSelectCategoryPath = "SELECT path FROM categories WHERE id = ?1";

constexpr std::string_view kProductColumns =
    "seq, id, slug, name, description, status, category_id, attributes, images, currency, price_from, created_at, "
    "updated_at, version";
constexpr std::string_view kSelectProductById =
    "SELECT seq, id, slug, name, description, status, category_id, attributes, images, currency, price_from, "
    "created_at, updated_at, version FROM products WHERE id = ?1";
constexpr std::string_view kSelectProductBySlug =
    "SELECT seq, id, slug, name, description, status, category_id, attributes, images, currency, price_from, "
    "created_at, updated_at, version FROM products WHERE slug = ?1";
constexpr std::string_view kProductExists = "SELECT 1 FROM products WHERE id = ?1";
constexpr std::string_view kInsertProduct =
    "INSERT INTO products (id, slug, name, description, status, category_id, category_path, attributes, images, "
    "currency, price_from, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
constexpr std::string_view kUpdateProduct =
    "UPDATE products SET slug = ?2, name = ?3, description = ?4, status = ?5, category_id = ?6, category_path = ?7, "
    "attributes = ?8, images = ?9, currency = ?10, price_from = ?11, updated_at = ?13, version = ?14 + 1 "
    "WHERE id = ?1 AND version = ?14";
constexpr std::string_view kDeleteVariants = "DELETE FROM variants WHERE product_id = ?1";
constexpr std::string_view kInsertVariant =
    "INSERT INTO variants (sku, product_id, position, name, price, currency, attributes) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr std::string_view kSelectVariants =
    "SELECT sku, name, price, currency, attributes FROM variants WHERE product_id = ?1 ORDER BY position";
constexpr std::string_view kCountProducts = "SELECT COUNT(*) FROM products";
constexpr std::string_view kSelectVariant =
    "SELECT v.sku, v.product_id, p.name, v.name, v.price, v.currency, p.status FROM variants v "
    "JOIN products p ON p.id = v.product_id WHERE v.sku = ?1";

// One statement for any number of SKUs: they arrive as one JSON array parameter.
constexpr std::string_view kSelectVariantsBySku =
    "SELECT v.sku, v.product_id, p.name, v.name, v.price, v.currency, p.status FROM variants v "
    "JOIN products p ON p.id = v.product_id WHERE v.sku IN (SELECT value FROM json_each(?1))";

// Reads a products row (kProductColumns order) and its variants; returns the row's seq.
Result<int64_t> ReadProduct(Connection& c, const Statement& row, Product& p) {
    int64_t seq = ReadProductColumns(row, p);
    EMPORIUM_ASSIGN_OR_RETURN(auto variants, c.Prepare(kSelectVariants));
    variants.Bind(1, p.id);
    while (true) {
        EMPORIUM_ASSIGN_OR_RETURN(bool more, variants.Step());
        if (!more) break;
        p.variants.push_back(ReadVariant(variants, 0));
    }
    return seq;
}

Result<std::optional<std::string>> CategoryPath(Connection& c, const std::optional<std::string>& category_id) {
    if (!category_id) return std::optional<std::string>();
    EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kSelectCategoryPath));
    stmt.Bind(1, *category_id);
    EMPORIUM_ASSIGN_OR_RETURN(bool found, stmt.Step());
    if (!found) return Error::Invalid("category_id", "is not an existing category id");
    return std::optional<std::string>(stmt.String(0));
}

void BindOptional(Statement& stmt, int index, const std::optional<std::string>& value) {
    if (value)
        stmt.Bind(index, *value);
    else
        stmt.BindNull(index);
}

// A unique-key violation as the port promises it: kConflict naming the clashing field.
Error NameConflict(Error error) {
    if (error.code != core::ErrorCode::kConflict) return error;
    std::string field = error.message.find("variants.sku") != std::string::npos ? "sku" : "slug";
    return Error{core::ErrorCode::kConflict, std::move(error.message), {{field, "is already taken"}}};
}

Result<void> WriteProductRow(Connection& c, std::string_view sql, const Product& p, bool insert) {
    EMPORIUM_ASSIGN_OR_RETURN(auto path, CategoryPath(c, p.category_id));
    EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql));
    stmt.Bind(1, p.id).Bind(2, p.slug).Bind(3, p.name).Bind(4, p.description).Bind(5, StatusName(p.status));
    BindOptional(stmt, 6, p.category_id);
    BindOptional(stmt, 7, path);
    stmt.Bind(8, p.attributes_json).Bind(9, JoinImages(p.images)).Bind(10, p.price_from.currency);
    stmt.Bind(11, p.price_from.amount).Bind(12, p.created_at).Bind(13, p.updated_at);
    if (!insert) stmt.Bind(14, p.version);
    if (auto run = stmt.Run(); !run.ok()) return NameConflict(std::move(run).error());
    if (insert || c.ChangedRows() == 1) return core::Ok();
    EMPORIUM_ASSIGN_OR_RETURN(auto exists, c.Prepare(kProductExists));
    exists.Bind(1, p.id);
    EMPORIUM_ASSIGN_OR_RETURN(bool found, exists.Step());
    if (!found) return Error::NotFound("No such product.");
    return Error{core::ErrorCode::kConflict, "The product changed since it was read.", {{"version", "is stale"}}};
}

Result<void> WriteVariants(Connection& c, const Product& p) {
    for (std::size_t i = 0; i < p.variants.size(); ++i) {
        const Variant& v = p.variants[i];
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kInsertVariant));
        stmt.Bind(1, v.sku).Bind(2, p.id).Bind(3, static_cast<int64_t>(i)).Bind(4, v.name).Bind(5, v.price.amount);
        stmt.Bind(6, v.price.currency).Bind(7, v.attributes_json);
        if (auto run = stmt.Run(); !run.ok()) return NameConflict(std::move(run).error());
    }
    return core::Ok();
}

Result<void> PublishProductChanged(Connection& c, const Product& product) {
    return infra::sqlite::AppendToOutbox(c, ProductChangedEvent(product));
}

}  // namespace

Result<void> SqliteCatalogRepository::InsertCategory(const core::RequestContext& ctx, const Category& category) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<void>([&](Connection& c) -> Result<void> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kInsertCategory));
        stmt.Bind(1, category.id).Bind(2, category.slug).Bind(3, category.name);
        BindOptional(stmt, 4, category.parent_id);
        stmt.Bind(5, category.path).Bind(6, category.created_at);
        return stmt.Run();
    });
}

Result<void> SqliteCatalogRepository::UpdateCategory(const core::RequestContext& ctx, const Category& category,
                                                     int64_t now) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<void>([&](Connection& c) -> Result<void> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kUpdateCategory));
        stmt.Bind(1, category.id).Bind(2, category.name).Bind(3, category.slug).Bind(4, now);
        EMPORIUM_TRY(stmt.Run());
        if (c.ChangedRows() == 0) return Error::NotFound("No such category.");
        return core::Ok();
    });
}

Result<std::vector<Category>> SqliteCatalogRepository::ListCategories(const core::RequestContext& ctx) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<std::vector<Category>>([&](Connection& c) -> Result<std::vector<Category>> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kSelectCategories));
        std::vector<Category> out;
        while (true) {
            EMPORIUM_ASSIGN_OR_RETURN(bool row, stmt.Step());
            if (!row) break;
            out.push_back(ReadCategory(stmt));
        }
        return out;
    });
}

Result<Category> SqliteCatalogRepository::FindCategory(const core::RequestContext& ctx, std::string_view id_or_slug) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<Category>([&](Connection& c) -> Result<Category> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt,
                                  c.Prepare(IsCategoryId(id_or_slug) ? kSelectCategoryById : kSelectCategoryBySlug));
        stmt.Bind(1, id_or_slug);
        EMPORIUM_ASSIGN_OR_RETURN(bool found, stmt.Step());
        if (!found) return Error::NotFound("No such category.");
        return ReadCategory(stmt);
    });
}

Result<void> SqliteCatalogRepository::InsertProducts(const core::RequestContext& ctx,
                                                     const std::vector<Product>& products, Events events) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<void>([&](Connection& c) -> Result<void> {
        for (const auto& product : products) {
            EMPORIUM_TRY(WriteProductRow(c, kInsertProduct, product, true));
            EMPORIUM_TRY(WriteVariants(c, product));
            if (events == Events::kPublish) EMPORIUM_TRY(PublishProductChanged(c, product));
        }
        return core::Ok();
    });
}

Result<void> SqliteCatalogRepository::UpdateProduct(const core::RequestContext& ctx, const Product& product) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Write<void>([&](Connection& c) -> Result<void> {
        EMPORIUM_TRY(WriteProductRow(c, kUpdateProduct, product, false));
        EMPORIUM_ASSIGN_OR_RETURN(auto remove, c.Prepare(kDeleteVariants));
        remove.Bind(1, product.id);
        EMPORIUM_TRY(remove.Run());
        EMPORIUM_TRY(WriteVariants(c, product));
        return PublishProductChanged(c, product);
    });
}

Result<Product> SqliteCatalogRepository::FindProduct(const core::RequestContext& ctx, std::string_view id_or_slug) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<Product>([&](Connection& c) -> Result<Product> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt,
                                  c.Prepare(IsProductId(id_or_slug) ? kSelectProductById : kSelectProductBySlug));
        stmt.Bind(1, id_or_slug);
        EMPORIUM_ASSIGN_OR_RETURN(bool found, stmt.Step());
        if (!found) return Error::NotFound("No such product.");
        Product product;
        EMPORIUM_TRY(ReadProduct(c, stmt, product));
        return product;
    });
}

Result<std::vector<ListedProduct>> SqliteCatalogRepository::ListProducts(const core::RequestContext& ctx,
                                                                         const ProductFilter& filter) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    // The SQL text varies only with which filters are present (a few dozen shapes), so
    // each shape is prepared once per connection and cached; values are always bound.
    std::string sql = "SELECT ";
    sql += kProductColumns;
    sql += " FROM products WHERE 1 = 1";
    if (filter.statuses.size() == 1) sql += " AND status = ?";
    if (filter.statuses.size() > 1) {
        sql += " AND status IN (";
        for (std::size_t i = 0; i < filter.statuses.size(); ++i) sql += i ? ", ?" : "?";
        sql += ")";
    }
    if (filter.category_path) sql += " AND category_path >= ? AND category_path < ?";
    if (filter.price_min) sql += " AND price_from >= ?";
    if (filter.price_max) sql += " AND price_from <= ?";
    const char* order = "";
    switch (filter.sort) {
        case ProductSort::kNewest:
            if (filter.after) sql += " AND seq < ?";
            order = " ORDER BY seq DESC";
            break;
        case ProductSort::kPriceAsc:
            if (filter.after) sql += " AND (price_from, seq) > (?, ?)";
            order = " ORDER BY price_from ASC, seq ASC";
            break;
        case ProductSort::kPriceDesc:
            if (filter.after) sql += " AND (price_from, seq) < (?, ?)";
            order = " ORDER BY price_from DESC, seq DESC";
            break;
        case ProductSort::kNameAsc:
            if (filter.after) sql += " AND (name, seq) > (?, ?)";
            order = " ORDER BY name ASC, seq ASC";
            break;
    }
    sql += order;
    sql += " LIMIT ?";

    return db_.Read<std::vector<ListedProduct>>([&](Connection& c) -> Result<std::vector<ListedProduct>> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql));
        int index = 1;
        for (auto status : filter.statuses) stmt.Bind(index++, StatusName(status));
        if (filter.category_path) {
            // Paths end in '/': every descendant's path lies in [path, path with '/' → '0').
            // An empty path (no category has one) matches nothing: [ "", "" ) is empty.
            std::string upper = *filter.category_path;
            if (!upper.empty()) upper.back() = static_cast<char>('/' + 1);
            stmt.Bind(index++, *filter.category_path);
            stmt.Bind(index++, upper);
        }
        if (filter.price_min) stmt.Bind(index++, *filter.price_min);
        if (filter.price_max) stmt.Bind(index++, *filter.price_max);
        if (filter.after) {
            switch (filter.sort) {
                case ProductSort::kNewest:
                    stmt.Bind(index++, filter.after->seq);
                    break;
                case ProductSort::kPriceAsc:
                case ProductSort::kPriceDesc:
                    stmt.Bind(index++, filter.after->price);
                    stmt.Bind(index++, filter.after->seq);
                    break;
                case ProductSort::kNameAsc:
                    stmt.Bind(index++, filter.after->name);
                    stmt.Bind(index++, filter.after->seq);
                    break;
            }
        }
        stmt.Bind(index++, filter.limit);
        std::vector<ListedProduct> out;
        while (true) {
            EMPORIUM_ASSIGN_OR_RETURN(bool row, stmt.Step());
            if (!row) break;
            ListedProduct listed;
            EMPORIUM_ASSIGN_OR_RETURN(listed.seq, ReadProduct(c, stmt, listed.product));
            out.push_back(std::move(listed));
        }
        return out;
    });
}

Result<int64_t> SqliteCatalogRepository::CountProducts(const core::RequestContext& ctx) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<int64_t>([&](Connection& c) -> Result<int64_t> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kCountProducts));
        EMPORIUM_TRY(stmt.Step());
        return stmt.Int(0);
    });
}

Result<VariantInfo> SqliteCatalogRepository::FindVariant(const core::RequestContext& ctx, std::string_view sku) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return db_.Read<VariantInfo>([&](Connection& c) -> Result<VariantInfo> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kSelectVariant));
        stmt.Bind(1, sku);
        EMPORIUM_ASSIGN_OR_RETURN(bool found, stmt.Step());
        if (!found) return Error::NotFound("No such SKU.");
        return ReadVariantInfo(stmt);
    });
}

Result<std::vector<VariantInfo>> SqliteCatalogRepository::FindVariants(const core::RequestContext& ctx,
                                                                       const std::vector<std::string>& skus) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    std::string list = core::JsonStringArray(skus);
    return db_.Read<std::vector<VariantInfo>>([&](Connection& c) -> Result<std::vector<VariantInfo>> {
        EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kSelectVariantsBySku));
        stmt.Bind(1, list);
        std::vector<VariantInfo> out;
        while (true) {
            EMPORIUM_ASSIGN_OR_RETURN(bool row, stmt.Step());
            if (!row) break;
            out.push_back(ReadVariantInfo(stmt));
        }
        return out;
    });
}

}  // namespace emporium::catalog

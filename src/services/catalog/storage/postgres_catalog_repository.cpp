#include "services/catalog/storage/postgres_catalog_repository.hpp"

#include <unordered_map>
#include <unordered_set>

#include "core/deadline.hpp"
#include "core/json_writer.hpp"
#include "infra/postgres/outbox.hpp"
#include "services/catalog/storage/catalog_rows.hpp"

namespace emporium::catalog {

using core::Error;
using core::Result;
using infra::postgres::Connection;
using infra::postgres::Params;
using infra::postgres::Row;
using infra::postgres::Rows;

namespace {

constexpr std::string_view kInsertCategory =
    "INSERT INTO categories (id, slug, name, parent_id, path, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, "
    "$6)";
constexpr std::string_view kUpdateCategory =
    "UPDATE categories SET name = $2, slug = $3, updated_at = $4 WHERE id = $1";
constexpr std::string_view kSelectCategories =
    "SELECT id, slug, name, parent_id, path, created_at FROM categories ORDER BY path";
constexpr std::string_view kSelectCategoryById =
    "SELECT id, slug, name, parent_id, path, created_at FROM categories WHERE id = $1";
constexpr std::string_view kSelectCategoryBySlug =
    "SELECT id, slug, name, parent_id, path, created_at FROM categories WHERE slug = $1";
constexpr std::string_view kSelectCategoryPath = "SELECT path FROM categories WHERE id = $1";
// Any number of ids as one JSON array parameter: one statement, prepared once.
constexpr std::string_view kSelectCategoryPaths =
    "SELECT id, path FROM categories WHERE id = ANY (ARRAY (SELECT json_array_elements_text($1::json)))";

// A product and its variants come back in one statement (one row per variant, the product's
// columns repeated; no variant gives one row of NULLs): one round trip, and the product row
// and its variants cannot come from two different updates.
constexpr std::string_view kProductColumns =
    "seq, id, slug, name, description, status, category_id, attributes, images, currency, price_from, created_at, "
    "updated_at, version";
constexpr std::string_view kProductAndVariantColumns =
    "p.seq, p.id, p.slug, p.name, p.description, p.status, p.category_id, p.attributes, p.images, p.currency, "
    "p.price_from, p.created_at, p.updated_at, p.version, v.sku, v.name, v.price, v.currency, v.attributes";
constexpr std::string_view kSelectProductById =
    "SELECT p.seq, p.id, p.slug, p.name, p.description, p.status, p.category_id, p.attributes, p.images, p.currency, "
    "p.price_from, p.created_at, p.updated_at, p.version, v.sku, v.name, v.price, v.currency, v.attributes "
    "FROM products p LEFT JOIN variants v ON v.product_id = p.id WHERE p.id = $1 ORDER BY v.position";
constexpr std::string_view kSelectProductBySlug =
    "SELECT p.seq, p.id, p.slug, p.name, p.description, p.status, p.category_id, p.attributes, p.images, p.currency, "
    "p.price_from, p.created_at, p.updated_at, p.version, v.sku, v.name, v.price, v.currency, v.attributes "
    "FROM products p LEFT JOIN variants v ON v.product_id = p.id WHERE p.slug = $1 ORDER BY v.position";
constexpr std::string_view kProductExists = "SELECT 1 FROM products WHERE id = $1";
constexpr std::string_view kInsertProduct =
    "INSERT INTO products (id, slug, name, description, status, category_id, category_path, attributes, images, "
    "currency, price_from, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
// Conditional on the version read: under READ COMMITTED a concurrent update of the same
// version waits for this one's row lock, then finds the version moved and touches nothing.
constexpr std::string_view kUpdateProduct =
    "UPDATE products SET slug = $2, name = $3, description = $4, status = $5, category_id = $6, category_path = $7, "
    "attributes = $8, images = $9, currency = $10, price_from = $11, updated_at = $12, version = $13::bigint + 1 "
    "WHERE id = $1 AND version = $13";
constexpr std::string_view kDeleteVariants = "DELETE FROM variants WHERE product_id = $1";
constexpr std::string_view kInsertVariant =
    "INSERT INTO variants (sku, product_id, position, name, price, currency, attributes) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7)";
constexpr std::string_view kCountProducts = "SELECT COUNT(*) FROM products";
constexpr std::string_view kSelectVariant =
    "SELECT v.sku, v.product_id, p.name, v.name, v.price, v.currency, p.status FROM variants v "
    "JOIN products p ON p.id = v.product_id WHERE v.sku = $1";
// One statement for any number of SKUs: they arrive as one JSON array parameter.
constexpr std::string_view kSelectVariantsBySku =
    "SELECT v.sku, v.product_id, p.name, v.name, v.price, v.currency, p.status FROM variants v "
    "JOIN products p ON p.id = v.product_id WHERE v.sku = ANY (ARRAY (SELECT json_array_elements_text($1::json)))";

// The unique index whose violation means a SKU is taken (any other: the slug or the id).
constexpr std::string_view kVariantsKey = "variants_pkey";

// Reads rows of kProductAndVariantColumns, each product's rows together and its variants
// in position order, into products in the order met.
std::vector<ListedProduct> ReadProducts(const Rows& rows) {
    std::vector<ListedProduct> out;
    for (int i = 0; i < rows.size(); ++i) {
        Row row = rows[i];
        if (out.empty() || out.back().seq != row.Int(0)) {
            ListedProduct listed;
            listed.seq = ReadProductColumns(row, listed.product);
            out.push_back(std::move(listed));
        }
        if (row.IsNull(14)) continue;  // a product without variants
        out.back().product.variants.push_back(ReadVariant(row, 14));
    }
    return out;
}

// The paths of the categories `products` name, by id, in one statement; kInvalidArgument
// on "category_id" when one does not exist.
Result<std::unordered_map<std::string, std::string>> CategoryPaths(Connection& c,
                                                                   const std::vector<Product>& products) {
    std::unordered_map<std::string, std::string> paths;
    std::vector<std::string> ids;
    std::unordered_set<std::string> seen;
    for (const auto& p : products)
        if (p.category_id && seen.insert(*p.category_id).second) ids.push_back(*p.category_id);
    if (ids.empty()) return paths;
    EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(kSelectCategoryPaths, Params(core::JsonStringArray(ids))));
    for (int i = 0; i < rows.size(); ++i) paths.emplace(rows[i].String(0), rows[i].String(1));
    if (paths.size() != ids.size()) return Error::Invalid("category_id", "is not an existing category id");
    return paths;
}

Result<std::optional<std::string>> CategoryPath(Connection& c, const std::optional<std::string>& category_id) {
    if (!category_id) return std::optional<std::string>();
    EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(kSelectCategoryPath, Params(*category_id)));
    if (rows.empty()) return Error::Invalid("category_id", "is not an existing category id");
    return std::optional<std::string>(rows[0].String(0));
}

// A unique-key violation as the port promises it: kConflict naming the clashing field.
Error NameConflict(Error error) {
    if (error.code != core::ErrorCode::kConflict || !error.fields.empty()) return error;
    std::string field = error.message.find(kVariantsKey) != std::string::npos ? "sku" : "slug";
    return Error{core::ErrorCode::kConflict, std::move(error.message), {{field, "is already taken"}}};
}

// The values of kInsertProduct, or of kUpdateProduct (which keeps created_at and names the
// version read instead: a statement must use every value it is given).
Params ProductRow(const Product& p, const std::optional<std::string>& path, bool update) {
    Params params(p.id, p.slug, p.name, p.description, StatusName(p.status));
    params.Add(p.category_id).Add(path).Add(p.attributes_json).Add(JoinImages(p.images)).Add(p.price_from.currency);
    params.Add(p.price_from.amount);
    if (update) return params.Add(p.updated_at).Add(p.version);
    return params.Add(p.created_at).Add(p.updated_at);
}

void QueueVariants(Connection& c, const Product& p) {
    for (std::size_t i = 0; i < p.variants.size(); ++i) {
        const Variant& v = p.variants[i];
        c.Queue(kInsertVariant, Params(v.sku, p.id, static_cast<int64_t>(i), v.name, v.price.amount, v.price.currency,
                                       v.attributes_json));
    }
}

void PublishProductChanged(Connection& c, const Product& product) {
    infra::postgres::AppendToOutbox(c, ProductChangedEvent(product));
}

// "ORDER BY" keys of a list in `sort` order, the seq last (unique: the tie-breaker);
// `table` qualifies the columns ("" or "p.").
std::string OrderKeys(ProductSort sort, std::string_view table) {
    std::string t(table);
    switch (sort) {
        case ProductSort::kNewest:
            return t + "seq DESC";
        case ProductSort::kPriceAsc:
            return t + "price_from ASC, " + t + "seq ASC";
        case ProductSort::kPriceDesc:
            return t + "price_from DESC, " + t + "seq DESC";
        case ProductSort::kNameAsc:
            return t + "name ASC, " + t + "seq ASC";
    }
    return t + "seq DESC";
}

// The statement of one list page and its values. The SQL text varies only with which
// filters are present (a few dozen shapes), so each shape is prepared once per connection;
// values are always parameters.
struct ListStatement {
    std::string sql;
    Params params;
};

ListStatement ListProductsStatement(const ProductFilter& filter) {
    ListStatement out;
    auto placeholder = [&out](const auto& value) {
        out.params.Add(value);
        return "$" + std::to_string(out.params.size());
    };
    std::string page = "SELECT ";
    page += kProductColumns;
    page += " FROM products WHERE TRUE";
    if (!filter.statuses.empty()) {
        page += " AND status IN (";
        for (std::size_t i = 0; i < filter.statuses.size(); ++i) {
            if (i) page += ", ";
            page += placeholder(StatusName(filter.statuses[i]));
        }
        page += ")";
    }
    if (filter.category_path) {
        // Paths end in '/': every descendant's path lies in [path, path with '/' → '0')
        // (category_path compares byte by byte). An empty path (no category has one)
        // matches nothing: [ "", "" ) is empty.
        std::string upper = *filter.category_path;
        if (!upper.empty()) upper.back() = static_cast<char>('/' + 1);
        page += " AND category_path >= " + placeholder(*filter.category_path);
        page += " AND category_path < " + placeholder(upper);
    }
    if (filter.price_min) page += " AND price_from >= " + placeholder(*filter.price_min);
    if (filter.price_max) page += " AND price_from <= " + placeholder(*filter.price_max);
    if (filter.after) {
        switch (filter.sort) {
            case ProductSort::kNewest:
                page += " AND seq < " + placeholder(filter.after->seq);
                break;
            case ProductSort::kPriceAsc:
                page += " AND (price_from, seq) > (" + placeholder(filter.after->price) + ", ";
                page += placeholder(filter.after->seq) + ")";
                break;
            case ProductSort::kPriceDesc:
                page += " AND (price_from, seq) < (" + placeholder(filter.after->price) + ", ";
                page += placeholder(filter.after->seq) + ")";
                break;
            case ProductSort::kNameAsc:
                page += " AND (name, seq) > (" + placeholder(filter.after->name) + ", ";
                page += placeholder(filter.after->seq) + ")";
                break;
        }
    }
    page += " ORDER BY " + OrderKeys(filter.sort, "");
    page += " LIMIT " + placeholder(filter.limit);
    // The page is chosen first, then joined with its variants (and ordered again: a join
    // keeps no order).
    out.sql = "SELECT ";
    out.sql += kProductAndVariantColumns;
    out.sql += " FROM (" + page + ") p LEFT JOIN variants v ON v.product_id = p.id ORDER BY ";
    out.sql += OrderKeys(filter.sort, "p.") + ", v.position";
    return out;
}

}  // namespace

Result<void> PostgresCatalogRepository::Write(const core::RequestContext& ctx,
                                              const std::function<Result<void>(Connection&)>& work) {
    return reads_.Write<void>(ctx, [&work](Connection& c) -> Result<void> {
        // Queued statements are sent here rather than with the COMMIT, so that a clash among
        // them still reaches NameConflict.
        Result<void> done = work(c);
        if (done.ok()) done = c.Flush();
        if (!done.ok()) return NameConflict(std::move(done).error());
        return core::Ok();
    });
}

Result<void> PostgresCatalogRepository::InsertCategory(const core::RequestContext& ctx, const Category& category) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return Write(ctx, [&](Connection& c) -> Result<void> {
        c.Queue(kInsertCategory, Params(category.id, category.slug, category.name, category.parent_id, category.path,
                                        category.created_at));
        return core::Ok();
    });
}

Result<void> PostgresCatalogRepository::UpdateCategory(const core::RequestContext& ctx, const Category& category,
                                                       int64_t now) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return Write(ctx, [&](Connection& c) -> Result<void> {
        EMPORIUM_ASSIGN_OR_RETURN(int64_t changed,
                                  c.Exec(kUpdateCategory, Params(category.id, category.name, category.slug, now)));
        if (changed == 0) return Error::NotFound("No such category.");
        return core::Ok();
    });
}

Result<std::vector<Category>> PostgresCatalogRepository::ListCategories(const core::RequestContext& ctx) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return Read<std::vector<Category>>(ctx, [](Connection& c) -> Result<std::vector<Category>> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(kSelectCategories));
        std::vector<Category> out;
        out.reserve(rows.size());
        for (int i = 0; i < rows.size(); ++i) out.push_back(ReadCategory(rows[i]));
        return out;
    });
}

Result<Category> PostgresCatalogRepository::FindCategory(const core::RequestContext& ctx, std::string_view id_or_slug) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return Read<Category>(ctx, [&](Connection& c) -> Result<Category> {
        EMPORIUM_ASSIGN_OR_RETURN(
            auto rows,
            c.Query(IsCategoryId(id_or_slug) ? kSelectCategoryById : kSelectCategoryBySlug, Params(id_or_slug)));
        if (rows.empty()) return Error::NotFound("No such category.");
        return ReadCategory(rows[0]);
    });
}

Result<void> PostgresCatalogRepository::InsertProducts(const core::RequestContext& ctx,
                                                       const std::vector<Product>& products, Events events) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return Write(ctx, [&](Connection& c) -> Result<void> {
        // One look-up for every category named, then every insert in one pipeline: a bulk
        // seed of thousands of products costs two round trips and the commit.
        EMPORIUM_ASSIGN_OR_RETURN(auto paths, CategoryPaths(c, products));
        for (const auto& product : products) {
            std::optional<std::string> path;
            if (product.category_id) path = paths.at(*product.category_id);
            c.Queue(kInsertProduct, ProductRow(product, path, false));
            QueueVariants(c, product);
            if (events == Events::kPublish) PublishProductChanged(c, product);
        }
        return core::Ok();
    });
}

Result<void> PostgresCatalogRepository::UpdateProduct(const core::RequestContext& ctx, const Product& product) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return Write(ctx, [&](Connection& c) -> Result<void> {
        EMPORIUM_ASSIGN_OR_RETURN(auto path, CategoryPath(c, product.category_id));
        EMPORIUM_ASSIGN_OR_RETURN(int64_t changed, c.Exec(kUpdateProduct, ProductRow(product, path, true)));
        if (changed != 1) {
            EMPORIUM_ASSIGN_OR_RETURN(auto exists, c.Query(kProductExists, Params(product.id)));
            if (exists.empty()) return Error::NotFound("No such product.");
            return Error{
                core::ErrorCode::kConflict, "The product changed since it was read.", {{"version", "is stale"}}};
        }
        // The row lock the UPDATE took keeps concurrent updates of this product out until
        // the commit, so replacing its variants races with nothing.
        c.Queue(kDeleteVariants, Params(product.id));
        QueueVariants(c, product);
        PublishProductChanged(c, product);
        return core::Ok();
    });
}

Result<Product> PostgresCatalogRepository::FindProduct(const core::RequestContext& ctx, std::string_view id_or_slug) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return Read<Product>(ctx, [&](Connection& c) -> Result<Product> {
        EMPORIUM_ASSIGN_OR_RETURN(
            auto rows,
            c.Query(IsProductId(id_or_slug) ? kSelectProductById : kSelectProductBySlug, Params(id_or_slug)));
        auto products = ReadProducts(rows);
        if (products.empty()) return Error::NotFound("No such product.");
        return std::move(products.front().product);
    });
}

Result<std::vector<ListedProduct>> PostgresCatalogRepository::ListProducts(const core::RequestContext& ctx,
                                                                           const ProductFilter& filter) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    ListStatement statement = ListProductsStatement(filter);
    return Read<std::vector<ListedProduct>>(ctx, [&](Connection& c) -> Result<std::vector<ListedProduct>> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(statement.sql, statement.params));
        return ReadProducts(rows);
    });
}

Result<int64_t> PostgresCatalogRepository::CountProducts(const core::RequestContext& ctx) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return Read<int64_t>(ctx, [](Connection& c) -> Result<int64_t> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(kCountProducts));
        return rows[0].Int(0);
    });
}

Result<VariantInfo> PostgresCatalogRepository::FindVariant(const core::RequestContext& ctx, std::string_view sku) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    return Read<VariantInfo>(ctx, [&](Connection& c) -> Result<VariantInfo> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(kSelectVariant, Params(sku)));
        if (rows.empty()) return Error::NotFound("No such SKU.");
        return ReadVariantInfo(rows[0]);
    });
}

Result<std::vector<VariantInfo>> PostgresCatalogRepository::FindVariants(const core::RequestContext& ctx,
                                                                         const std::vector<std::string>& skus) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    std::string list = core::JsonStringArray(skus);
    return Read<std::vector<VariantInfo>>(ctx, [&](Connection& c) -> Result<std::vector<VariantInfo>> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(kSelectVariantsBySku, Params(list)));
        std::vector<VariantInfo> out;
        out.reserve(rows.size());
        for (int i = 0; i < rows.size(); ++i) out.push_back(ReadVariantInfo(rows[i]));
        return out;
    });
}

}  // namespace emporium::catalog

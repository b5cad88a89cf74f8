#pragma once

#include "infra/sqlite/database.hpp"
#include "services/catalog/catalog_repository.hpp"

namespace emporium::catalog {

// CatalogRepository over the SQLite database "catalog" (schemas/sqlite/catalog).
class SqliteCatalogRepository final : public CatalogRepository {
  public:
    explicit SqliteCatalogRepository(infra::sqlite::Database& db) : db_(db) {}

    core::Result<void> InsertCategory(const core::RequestContext& ctx, const Category& category) override;
    core::Result<void> UpdateCategory(const core::RequestContext& ctx, const Category& category, int64_t now) override;
    core::Result<std::vector<Category>> ListCategories(const core::RequestContext& ctx) override;
    core::Result<Category> FindCategory(const core::RequestContext& ctx, std::string_view id_or_slug) override;
    core::Result<void> InsertProducts(const core::RequestContext& ctx, const std::vector<Product>& products,
                                      Events events) override;
    core::Result<void> UpdateProduct(const core::RequestContext& ctx, const Product& product) override;
    core::Result<Product> FindProduct(const core::RequestContext& ctx, std::string_view id_or_slug) override;
    core::Result<std::vector<ListedProduct>> ListProducts(const core::RequestContext& ctx,
                                                          const ProductFilter& filter) override;
    core::Result<int64_t> CountProducts(const core::RequestContext& ctx) override;
    core::Result<VariantInfo> FindVariant(const core::RequestContext& ctx, std::string_view sku) override;
    core::Result<std::vector<VariantInfo>> FindVariants(const core::RequestContext& ctx,
                                                        const std::vector<std::string>& skus) override;

  private:
    infra::sqlite::Database& db_;
};

}  // namespace emporium::catalog

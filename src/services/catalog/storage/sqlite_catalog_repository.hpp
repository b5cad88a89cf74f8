#pragma once

#include "infra/sqlite/database.hpp"
#include "services/catalog/catalog_repository.hpp"

namespace emporium::catalog {

// CatalogRepository over the SQLite database "catalog" (schemas/sqlite/catalog).
class SqliteCatalogRepository final : public CatalogRepository {
  public:
    explicit SqliteCatalogRepository(infra::sqlite::Database& db) : db_(db) {}

    core::Result<void> InsertCategory(const Category& category) override;
    core::Result<void> UpdateCategory(const Category& category, int64_t now) override;
    core::Result<std::vector<Category>> ListCategories() override;
    core::Result<Category> FindCategory(std::string_view id_or_slug) override;
    core::Result<void> InsertProducts(const std::vector<Product>& products, Events events) override;
    core::Result<void> UpdateProduct(const Product& product) override;
    core::Result<Product> FindProduct(std::string_view id_or_slug) override;
    core::Result<std::vector<ListedProduct>> ListProducts(const ProductFilter& filter) override;
    core::Result<int64_t> CountProducts() override;
    core::Result<VariantInfo> FindVariant(std::string_view sku) override;
    core::Result<std::vector<VariantInfo>> FindVariants(const std::vector<std::string>& skus) override;

  private:
    infra::sqlite::Database& db_;
};

}  // namespace emporium::catalog

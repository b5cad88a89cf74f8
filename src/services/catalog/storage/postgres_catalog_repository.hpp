#pragma once

#include <functional>

#include "infra/postgres/database.hpp"
#include "infra/postgres/replica_reads.hpp"
#include "services/catalog/catalog_repository.hpp"

namespace emporium::catalog {

// CatalogRepository over PostgreSQL (schemas/postgres/catalog), whose database also holds
// the bus tables for its outbox.
class PostgresCatalogRepository final : public CatalogRepository {
  public:
    // Reads and writes on `db` alone.
    explicit PostgresCatalogRepository(infra::postgres::Database& db)
        : own_reads_(std::make_unique<infra::postgres::ReplicaReads>(db, nullptr, std::chrono::milliseconds(0))),
          reads_(*own_reads_) {}
    // Writes on the primary, reads on its replica when that keeps read-your-writes.
    explicit PostgresCatalogRepository(infra::postgres::ReplicaReads& reads) : reads_(reads) {}

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
    using Connection = infra::postgres::Connection;

    // Every read of this adapter goes through Read and every write through Write: the one
    // seam where reads can be sent elsewhere (a streaming replica, with read-your-writes)
    // without touching the methods. Each read is a single statement, so it needs no
    // snapshot to be consistent.
    template <typename T>
    core::Result<T> Read(const core::RequestContext& ctx, const std::function<core::Result<T>(Connection&)>& work) {
        return reads_.Read<T>(ctx, work);
    }
    // Runs `work` in one transaction, sends what it queued before the commit and names the
    // unique key a clash hit ("slug" or "sku"), as the port promises.
    core::Result<void> Write(const core::RequestContext& ctx,
                             const std::function<core::Result<void>(Connection&)>& work);

    std::unique_ptr<infra::postgres::ReplicaReads> own_reads_;  // when built over one database
    infra::postgres::ReplicaReads& reads_;
};

}  // namespace emporium::catalog

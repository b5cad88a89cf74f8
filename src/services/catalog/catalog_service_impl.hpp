#pragma once

#include <functional>

#include "bus/event_bus.hpp"
#include "cache/lru_cache.hpp"
#include "core/clock.hpp"
#include "services/catalog/catalog_repository.hpp"
#include "services/catalog/catalog_service.hpp"

namespace emporium::catalog {

// Validation of one product (after a create or merge), exposed for unit tests and the seeder.
std::vector<core::FieldError> ValidateProduct(const Product& product);

// Opaque list cursors: base64url of "v1|<sort>|<seq>|<price>|<name>".
std::string EncodeCursor(ProductSort sort, const ListPosition& position);
core::Result<ListPosition> DecodeCursor(std::string_view cursor, ProductSort sort);

class CatalogServiceImpl final : public CatalogService {
  public:
    // Variants by SKU are cached in memory (`variant_cache_bytes`, 0 = off): every cart
    // view and order prices its lines from them, and products change rarely.
    CatalogServiceImpl(CatalogRepository& repository, const core::Clock& clock, std::size_t variant_cache_bytes = 0)
        : repository_(repository), clock_(clock), variants_(variant_cache_bytes, kVariantTtl) {}

    // Another process's product changes reach this one's variant cache through their
    // ProductChanged events (this process's own clear it at once), after
    // `before_invalidation` when given (see SubscribeCacheInvalidation).
    void SubscribeVariantCacheInvalidation(bus::EventBus& bus, std::function<void()> before_invalidation = {});
    cache::CacheStats VariantCacheStats() const { return variants_.Stats(); }
    // Appends the variant cache's metric families (Prometheus text).
    void RenderMetrics(std::string& out) const;

    core::Result<Category> CreateCategory(const core::RequestContext& ctx, const CategoryInput& input) override;
    core::Result<Category> UpdateCategory(const core::RequestContext& ctx, std::string_view id,
                                          const CategoryInput& input) override;
    core::Result<std::vector<Category>> ListCategories(const core::RequestContext& ctx) override;
    core::Result<Category> GetCategory(const core::RequestContext& ctx, std::string_view id_or_slug) override;
    core::Result<Product> CreateProduct(const core::RequestContext& ctx, const ProductInput& input) override;
    core::Result<Product> UpdateProduct(const core::RequestContext& ctx, std::string_view id,
                                        const ProductInput& input) override;
    core::Result<Product> ArchiveProduct(const core::RequestContext& ctx, std::string_view id) override;
    core::Result<Product> GetProduct(const core::RequestContext& ctx, std::string_view id_or_slug,
                                     bool include_hidden) override;
    core::Result<ProductPage> ListProducts(const core::RequestContext& ctx, const ProductQuery& query) override;
    core::Result<VariantInfo> GetVariant(const core::RequestContext& ctx, std::string_view sku) override;
    core::Result<std::vector<VariantInfo>> GetVariants(const core::RequestContext& ctx,
                                                       const std::vector<std::string>& skus) override;

  private:
    // Copies the fields present in `input` onto `product`; collects shape errors.
    core::Result<void> Merge(const core::RequestContext& ctx, Product& product, const ProductInput& input,
                             bool creating);
    // Read-modify-write with optimistic concurrency; `change` returns false for "no change".
    core::Result<Product> ModifyProduct(const core::RequestContext& ctx, std::string_view id,
                                        const std::function<core::Result<bool>(Product&)>& change);

    // A bound on staleness should an invalidation ever be missed (a writer outside the bus).
    static constexpr std::chrono::milliseconds kVariantTtl{60'000};

    CatalogRepository& repository_;
    const core::Clock& clock_;
    cache::LruCache<VariantInfo> variants_;
};

}  // namespace emporium::catalog

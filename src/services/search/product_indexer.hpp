#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "bus/event_bus.hpp"
#include "core/result.hpp"
#include "observability/metrics.hpp"
#include "services/catalog/catalog_service.hpp"
#include "services/inventory/inventory_service.hpp"
#include "services/search/search_index.hpp"

namespace emporium::search {

// Keeps the search index in step with the catalog and the stock: consumes ProductChanged
// (catalog) and StockChanged (inventory) events, re-reads the product from the catalog
// and replaces its document (or removes it when it is no longer active), so a late or
// repeated event can never write stale data. Also rebuilds the whole index. Thread-safe.
class ProductIndexer {
  public:
    // `on_indexed` runs after every change committed to the index (cache invalidation).
    ProductIndexer(SearchIndex& index, catalog::CatalogService& catalog, inventory::InventoryService& inventory,
                   std::function<void(const core::RequestContext&)> on_indexed = {})
        : index_(index), catalog_(catalog), inventory_(inventory), on_indexed_(std::move(on_indexed)) {}

    // Subscribes the consumers "search.products" and "search.stock".
    void Subscribe(bus::EventBus& bus);

    // Re-indexes one product from the catalog's current state.
    core::Result<void> Refresh(const core::RequestContext& ctx, std::string_view product_id);
    // Indexes every active product and removes every other document; `progress` is
    // called with the number indexed so far. Returns the number of documents.
    core::Result<int64_t> Rebuild(const core::RequestContext& ctx, const std::function<void(int64_t)>& progress = {});

    // Metrics: index lag (last observed) and documents written.
    void RenderMetrics(std::string& out) const;

  private:
    core::Result<void> OnEvent(const core::RequestContext& ctx, const bus::Event& event);
    using CategoryPaths = std::map<std::string, std::string>;  // category id → tree path
    // `paths` (optional) saves a catalog read per product during a rebuild.
    core::Result<SearchDocument> Document(const core::RequestContext& ctx, const catalog::Product& product,
                                          const CategoryPaths* paths);
    void ObserveLag(int64_t changed_at_ms);

    SearchIndex& index_;
    catalog::CatalogService& catalog_;
    inventory::InventoryService& inventory_;
    std::function<void(const core::RequestContext&)> on_indexed_;
    // Refreshes read the product and its stock, then write its document: one at a time, so
    // that a refresh that read older state (a product event's) cannot write over a newer
    // one (a stock event's, delivered beside it to the other consumer).
    std::mutex refresh_mutex_;
    std::atomic<int64_t> lag_ms_{0};
    observability::Counter updates_;
    observability::Counter failures_;
};

}  // namespace emporium::search

#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include "http/router.hpp"
#include "observability/metrics.hpp"
#include "services/catalog/catalog_service.hpp"

namespace emporium::catalog {

struct CatalogHttpSettings {
    int cache_max_age_seconds = 60;  // Cache-Control on public reads
    std::size_t page_cache_bytes = 64 << 20;
    std::chrono::milliseconds page_cache_ttl{5000};
};

class CatalogPageCache;

// Registers the public catalog routes and the /api/v1/admin/ catalog routes. Product
// pages and product list pages are cached in-process as ready-to-send bytes with their
// ETag (keyed by path and query) and served from the event-loop thread on a hit; admin
// writes through these routes invalidate the cache.
// Returns the cache so the caller can keep it alive and export its metrics.
std::shared_ptr<CatalogPageCache> RegisterCatalogRoutes(http::Router& router, CatalogService& service,
                                                        CatalogHttpSettings settings,
                                                        observability::MetricsRegistry& metrics);

}  // namespace emporium::catalog

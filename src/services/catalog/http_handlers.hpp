#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "bus/event_bus.hpp"
#include "cache/cache_aside.hpp"
#include "http/router.hpp"
#include "services/catalog/catalog_service.hpp"

namespace emporium::catalog {

struct CatalogHttpSettings {
    int cache_max_age_seconds = 60;  // Cache-Control on public reads
};

// Cache namespaces of the catalog's public pages (see cache::Cache).
inline constexpr std::string_view kProductPages = "product";
inline constexpr std::string_view kListPages = "list";
inline constexpr std::string_view kHomePages = "home";

// Drops every cached product, list and home page (a product changed). An error: the cache
// could not be told (its server is down).
core::Result<void> InvalidateCatalogPages(const core::RequestContext& ctx, cache::Cache& cache);
// Invalidates the pages on every ProductChanged event (writes by other processes), after
// `before_invalidation` when given (the composition root keeps catalog reads on the primary
// until the replica has the write, so a page reloaded after another process's write is new).
// `fanout`: every replica when each process's cache is its own; once per group when the
// cache is shared and tells every process of an invalidation itself.
void SubscribeCacheInvalidation(bus::EventBus& bus, cache::Cache& cache, std::function<void()> before_invalidation = {},
                                bus::Fanout fanout = bus::Fanout::kEveryReplica);

// Registers the public catalog routes and the /api/v1/admin/ catalog routes. Product
// pages and product list pages are cached as ready-to-send bytes with their ETag (keyed
// by path and query), served from the event-loop thread on a fresh hit, loaded once per
// key on a miss; admin writes through these routes invalidate them at once.
void RegisterCatalogRoutes(http::Router& router, CatalogService& service, CatalogHttpSettings settings,
                           cache::CacheAside& pages);

}  // namespace emporium::catalog

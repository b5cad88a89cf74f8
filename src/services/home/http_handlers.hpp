#pragma once

#include "cache/cache_aside.hpp"
#include "http/router.hpp"
#include "services/home/home_service.hpp"

namespace emporium::home {

// Registers GET /api/v1/home, cached in the "home" namespace of `pages` (dropped on every
// product change, and after cache.ttl_ms so trending moves).
void RegisterHomeRoutes(http::Router& router, HomeService& service, recommendations::RecommendationsService& recs,
                        cache::CacheAside& pages, int cache_max_age_seconds);

}  // namespace emporium::home

#pragma once

#include <string_view>

#include "cache/cache_aside.hpp"
#include "http/router.hpp"
#include "services/search/search_service.hpp"

namespace emporium::search {

struct SearchHttpSettings {
    int cache_max_age_seconds = 30;  // Cache-Control on search answers
};

// The cache namespace of search answers: invalidated whenever the index changes.
inline constexpr std::string_view kSearchPages = "search";

// Registers GET /api/v1/search and GET /api/v1/search/suggest. Answers are cached in
// `pages` (keyed by the sorted query parameters), served from the event-loop thread on a
// fresh hit and loaded once per key on a miss.
void RegisterSearchRoutes(http::Router& router, SearchService& service, SearchHttpSettings settings,
                          cache::CacheAside& pages);

}  // namespace emporium::search

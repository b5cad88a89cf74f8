#pragma once

#include "http/router.hpp"
#include "services/search/search_service.hpp"

namespace emporium::search {

struct SearchHttpSettings {
    int cache_max_age_seconds = 30;  // Cache-Control on search answers
};

// Registers GET /api/v1/search and GET /api/v1/search/suggest.
void RegisterSearchRoutes(http::Router& router, SearchService& service, SearchHttpSettings settings);

}  // namespace emporium::search

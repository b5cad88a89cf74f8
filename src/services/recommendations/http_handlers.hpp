#pragma once

#include "http/router.hpp"
#include "services/recommendations/recommendations_service.hpp"

namespace emporium::recommendations {

// Registers GET /api/v1/products/{product_id_or_slug}/recommendations.
void RegisterRecommendationsRoutes(http::Router& router, RecommendationsService& service);

// The header that tells the storefront whether to show a recommendations section.
inline constexpr const char* kAvailabilityHeader = "X-Recommendations";
inline const char* AvailabilityValue(bool available) { return available ? "ok" : "unavailable"; }

}  // namespace emporium::recommendations

#pragma once

#include <string>
#include <vector>

#include "core/request_context.hpp"
#include "core/result.hpp"
#include "services/catalog/catalog_service.hpp"

namespace emporium::recommendations {

struct Recommendations {
    std::vector<catalog::Product> items;
    bool available = true;  // false: disabled or failing; `items` is then empty
};

// "Bought together" and "trending". Answers hold only active products. Never fails a
// page: when disabled or failing it answers "unavailable" with nothing, and the storefront
// hides the section. Thread-safe. Adapter: RecommendationsServiceImpl.
class RecommendationsService {
  public:
    virtual ~RecommendationsService() = default;

    // kNotFound when the product is unknown or not active; otherwise always an answer.
    virtual core::Result<Recommendations> ForProduct(const core::RequestContext& ctx,
                                                     std::string_view product_id_or_slug, int limit) = 0;
    virtual Recommendations Trending(const core::RequestContext& ctx, int limit) = 0;
    // Whether the last answer could be given (enabled and its store answering).
    virtual bool healthy() const = 0;
};

}  // namespace emporium::recommendations

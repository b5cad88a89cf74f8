#pragma once

#include <cstdint>
#include <functional>

#include "core/request_context.hpp"
#include "core/result.hpp"
#include "services/catalog/catalog_repository.hpp"

namespace emporium::catalog {

struct DemoCatalogOptions {
    int64_t products = 10'000;
    uint64_t seed = 42;
    int64_t batch_size = 2'000;          // products per transaction
    int64_t created_at = 1'767'225'600;  // 2026-01-01T00:00:00Z: timestamps are part of the determinism
};

// Fills an empty catalog with a realistic, deterministic demo catalog: the same options
// always give the same categories, ids, names, descriptions, prices and variants.
// Writes through the repository port in large batches (one transaction each), each under `ctx`.
// Returns the number of products written; `on_batch` sees each batch once it is stored
// (e.g. to stock its SKUs), with the running total.
core::Result<int64_t> SeedDemoCatalog(
    const core::RequestContext& ctx, CatalogRepository& repository, const DemoCatalogOptions& options,
    const std::function<core::Result<void>(const std::vector<Product>& batch, int64_t done)>& on_batch = {});

}  // namespace emporium::catalog

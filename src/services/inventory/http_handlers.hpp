#pragma once

#include "http/router.hpp"
#include "services/inventory/inventory_service.hpp"

namespace emporium::inventory {

// Registers the operator endpoints under /api/v1/admin/inventory/.
void RegisterInventoryRoutes(http::Router& router, InventoryService& service);

}  // namespace emporium::inventory

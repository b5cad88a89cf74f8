#pragma once

#include "bus/event_bus.hpp"
#include "http/router.hpp"

namespace emporium::bus {

// Registers the operator endpoints for dead letters under /api/v1/admin/dead-letters.
void RegisterDeadLetterRoutes(http::Router& router, EventBus& bus);

}  // namespace emporium::bus

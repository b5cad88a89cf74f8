#pragma once

#include "http/router.hpp"
#include "resilience/fault_switches.hpp"
#include "resilience/registry.hpp"

namespace emporium::resilience {

// GET /api/v1/admin/resilience: every component of `registry` and every fault switch.
// PUT and DELETE /api/v1/admin/faults/{target}: set or clear one fault switch; with
// `fault_injection_enabled` false both answer 404 (the switches stay visible, all off).
// Admin only.
void RegisterResilienceRoutes(http::Router& router, const Registry& registry, FaultSwitches& faults,
                              bool fault_injection_enabled);

// The body of PUT /api/v1/admin/faults/{target}: {"mode": "slow"|"failing"|"down"|"off",
// "latency_ms": int, "error_ratio": number}. kMalformed for a wrong shape (400),
// kInvalidArgument for values that do not fit `target` (422).
core::Result<FaultSetting> ReadFaultSetting(std::string_view body, bool latency_only);

}  // namespace emporium::resilience

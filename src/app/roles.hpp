#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace emporium::app {

// The roles a process can take (`emporium serve --role ...`): the gateway and each service.
const std::vector<std::string>& KnownRoles();

// Parses a comma-separated role list ("all", or names from KnownRoles). kInvalid (field
// "role") for an unknown or empty name. "all" stands for every role.
core::Result<std::set<std::string>> ParseRoles(std::string_view list);

// Whether this build can serve `roles` in one process. Today a process serves every role:
// a service split off into its own process needs the remote clients of the services it
// calls, which do not exist yet, so any other set is refused (kInvalid, naming it).
core::Result<void> CheckServable(const std::set<std::string>& roles);

}  // namespace emporium::app

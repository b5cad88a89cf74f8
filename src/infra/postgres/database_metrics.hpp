#pragma once

#include <string>
#include <vector>

#include "infra/postgres/database.hpp"
#include "infra/postgres/replica_reads.hpp"

namespace emporium::infra::postgres {

// Appends the pools' figures of every server (label server="primary", "orders-1", …) and,
// when given, the replica's lag and read routing, in the Prometheus text format.
void RenderDatabaseMetrics(std::string& out, const std::vector<Database*>& servers, const ReplicaReads* replica);

}  // namespace emporium::infra::postgres

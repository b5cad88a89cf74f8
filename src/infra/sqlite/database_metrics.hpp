#pragma once

#include <string>
#include <vector>

#include "infra/sqlite/database.hpp"

namespace emporium::infra::sqlite {

// Appends the databases' pool, write-queue and group-commit metric families (Prometheus
// text), one sample per database, labelled database="<name>".
void RenderDatabaseMetrics(std::string& out, const std::vector<Database*>& databases);

}  // namespace emporium::infra::sqlite

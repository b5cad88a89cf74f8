#include "infra/sqlite/database_metrics.hpp"

#include <utility>

#include "observability/metrics.hpp"

namespace emporium::infra::sqlite {

void RenderDatabaseMetrics(std::string& out, const std::vector<Database*>& databases) {
    using observability::AppendFamilyHeader;
    using observability::AppendSample;
    struct Family {
        const char* name;
        const char* type;
        const char* help;
        int64_t DatabaseStats::*field;
    };
    static const Family kFamilies[] = {
        {"emporium_db_pool_read_connections", "gauge", "SQLite read connections in the pool.",
         &DatabaseStats::read_connections_total},
        {"emporium_db_pool_read_connections_in_use", "gauge", "SQLite read connections lent out.",
         &DatabaseStats::read_connections_in_use},
        {"emporium_db_write_queue_depth", "gauge", "Write jobs waiting for the database's writer.",
         &DatabaseStats::write_queue_depth},
        {"emporium_db_write_batches_total", "counter", "Group commits (one fsync each).",
         &DatabaseStats::write_batches},
        {"emporium_db_write_jobs_total", "counter", "Write jobs committed or rolled back.", &DatabaseStats::write_jobs},
        {"emporium_db_pages_written_total", "counter", "Database pages the writer wrote to the WAL.",
         &DatabaseStats::pages_written},
    };
    std::vector<std::pair<std::string, DatabaseStats>> stats;
    for (const auto* db : databases) stats.emplace_back(db->name(), db->Stats());
    for (const auto& family : kFamilies) {
        AppendFamilyHeader(out, family.name, family.type, family.help);
        for (const auto& [name, s] : stats)
            AppendSample(out, family.name, "database=\"" + name + "\"", s.*(family.field));
    }
}

}  // namespace emporium::infra::sqlite

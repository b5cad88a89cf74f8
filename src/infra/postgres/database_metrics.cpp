#include "infra/postgres/database_metrics.hpp"

#include <utility>

#include "observability/metrics.hpp"

namespace emporium::infra::postgres {

void RenderDatabaseMetrics(std::string& out, const std::vector<Database*>& servers, const ReplicaReads* replica) {
    using observability::AppendFamilyHeader;
    using observability::AppendSample;
    struct Family {
        const char* name;
        const char* type;
        const char* help;
        int64_t DatabaseStats::*field;
    };
    static const Family kFamilies[] = {
        {"emporium_pg_pool_connections", "gauge", "The bound of the server's connection pool.",
         &DatabaseStats::connections_total},
        {"emporium_pg_pool_connections_open", "gauge", "Connections open to the server.",
         &DatabaseStats::connections_open},
        {"emporium_pg_pool_connections_in_use", "gauge", "Connections lent out.", &DatabaseStats::connections_in_use},
        {"emporium_pg_pool_waiting", "gauge", "Callers waiting for a connection.", &DatabaseStats::waiting},
        {"emporium_pg_transactions_total", "counter", "Write transactions committed.", &DatabaseStats::transactions},
        {"emporium_pg_retries_total", "counter",
         "Jobs run again after a serialization failure, a deadlock or a dead pooled connection.",
         &DatabaseStats::retries},
        {"emporium_pg_unavailable_total", "counter",
         "Calls answered unavailable (server down, deadline passed, pool exhausted).", &DatabaseStats::failures},
        {"emporium_pg_connects_failed_total", "counter", "Failed attempts to open a connection.",
         &DatabaseStats::connects_failed},
    };
    std::vector<std::pair<std::string, DatabaseStats>> stats;
    for (const auto* server : servers) stats.emplace_back(server->name(), server->Stats());
    for (const auto& family : kFamilies) {
        AppendFamilyHeader(out, family.name, family.type, family.help);
        for (const auto& [name, s] : stats)
            AppendSample(out, family.name, "server=\"" + name + "\"", s.*(family.field));
    }
    if (!replica || !replica->has_replica()) return;
    auto r = replica->Stats();
    AppendFamilyHeader(out, "emporium_pg_replica_lag_bytes", "gauge",
                       "WAL the catalog replica had not replayed at the last look.");
    AppendSample(out, "emporium_pg_replica_lag_bytes", "", r.lag_bytes);
    AppendFamilyHeader(out, "emporium_pg_replica_lagging", "gauge",
                       "1 while the replica is behind the lag bound and skipped for reads.");
    AppendSample(out, "emporium_pg_replica_lagging", "", int64_t{r.lagging ? 1 : 0});
    AppendFamilyHeader(out, "emporium_pg_replica_up", "gauge", "1 while the replica answers.");
    AppendSample(out, "emporium_pg_replica_up", "", int64_t{r.replica_up ? 1 : 0});
    AppendFamilyHeader(out, "emporium_pg_catalog_reads_total", "counter",
                       "Catalog reads by where they ran (the replica, or the primary when the replica could not "
                       "serve them).");
    AppendSample(out, "emporium_pg_catalog_reads_total", "on=\"replica\"", r.replica_reads);
    AppendSample(out, "emporium_pg_catalog_reads_total", "on=\"primary\"", r.primary_reads);
    AppendFamilyHeader(out, "emporium_pg_replica_failures_total", "counter",
                       "Catalog reads the replica failed (answered by the primary).");
    AppendSample(out, "emporium_pg_replica_failures_total", "", r.replica_failures);
}

}  // namespace emporium::infra::postgres

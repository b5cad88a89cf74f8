#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "core/result.hpp"
#include "infra/postgres/database.hpp"
#include "infra/postgres/replica_reads.hpp"

namespace emporium::app {

// The distributed deployment's SQL servers, opened (and migrated) from the settings:
//   - the primary, with every service's schema but orders', and its outbox;
//   - its streaming replica, for catalog reads (optional);
//   - the order servers, each with the orders schema and an outbox of its own, and the
//     order shard map: logical shard (named by every order id) → server.
struct PostgresServers {
    std::unique_ptr<infra::postgres::Database> primary;
    std::unique_ptr<infra::postgres::Database> replica;  // null when none is configured
    std::vector<std::unique_ptr<infra::postgres::Database>> order_servers;
    std::vector<infra::postgres::Database*> order_shards;  // one per logical shard
    std::unique_ptr<infra::postgres::ReplicaReads> catalog_reads;

    // Every server, for health checks and metrics.
    std::vector<infra::postgres::Database*> All() const;
};

// The schemas the primary holds.
const std::vector<std::string>& PrimarySchemas();

core::Result<std::unique_ptr<PostgresServers>> OpenPostgresServers(const config::Settings& settings);

// Parses "a;b;c" into conninfos and "0,1,0,1" into a shard map of `shards` entries (empty:
// round robin over `servers`); kInvalidArgument names the setting at fault.
core::Result<std::vector<std::string>> ParseServerList(const std::string& text);
core::Result<std::vector<int>> ParseShardMap(const std::string& text, int shards, int servers);

}  // namespace emporium::app

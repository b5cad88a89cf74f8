#include "app/postgres_servers.hpp"

#include "core/text.hpp"

namespace emporium::app {

using core::Error;
using core::Result;

const std::vector<std::string>& PrimarySchemas() {
    static const std::vector<std::string> schemas = {"users",    "catalog",       "inventory",       "payments",
                                                     "shipping", "notifications", "recommendations", "bus"};
    return schemas;
}

std::vector<infra::postgres::Database*> PostgresServers::All() const {
    std::vector<infra::postgres::Database*> all = {primary.get()};
    if (replica) all.push_back(replica.get());
    for (const auto& server : order_servers) all.push_back(server.get());
    return all;
}

namespace {

// The items of a `separator`-separated list, trimmed; empty items are kept (as "").
std::vector<std::string_view> SplitTrimmed(std::string_view text, char separator) {
    std::vector<std::string_view> items;
    for (;;) {
        auto end = text.find(separator);
        items.push_back(core::Trim(text.substr(0, end)));
        if (end == std::string_view::npos) return items;
        text.remove_prefix(end + 1);
    }
}

}  // namespace

Result<std::vector<std::string>> ParseServerList(const std::string& text) {
    std::vector<std::string> servers;
    for (auto item : SplitTrimmed(text, ';'))
        if (!item.empty()) servers.emplace_back(item);
    if (servers.empty()) return Error::Invalid("postgres.order_servers", "must name at least one server");
    return servers;
}

Result<std::vector<int>> ParseShardMap(const std::string& text, int shards, int servers) {
    std::vector<int> map;
    if (text.empty()) {
        for (int shard = 0; shard < shards; ++shard) map.push_back(shard % servers);
        return map;
    }
    for (auto item : SplitTrimmed(text, ',')) {
        auto server = core::ParseInteger(item);
        if (!server || *server < 0 || *server >= servers)
            return Error::Invalid("postgres.order_shard_map",
                                  "each entry must be a server index 0.." + std::to_string(servers - 1));
        map.push_back(static_cast<int>(*server));
    }
    if (static_cast<int>(map.size()) != shards)
        return Error::Invalid("postgres.order_shard_map",
                              "must have one entry per logical shard (orders.shards = " + std::to_string(shards) + ")");
    return map;
}

namespace {

Result<std::unique_ptr<infra::postgres::Database>> OpenServer(const config::Settings& settings, std::string name,
                                                              std::string conninfo, std::vector<std::string> schemas,
                                                              bool read_only) {
    infra::postgres::DatabaseOptions options;
    options.name = std::move(name);
    options.conninfo = std::move(conninfo);
    options.connections = settings.postgres.connections;
    options.read_only = read_only;
    if (!schemas.empty()) options.migrations = infra::postgres::EmbeddedMigrations(schemas);
    auto opened = infra::postgres::Database::Open(std::move(options));
    if (!opened.ok()) {
        Error error = std::move(opened).error();
        error.message = "cannot open the PostgreSQL server: " + error.message;
        return error;
    }
    return opened;
}

}  // namespace

Result<std::unique_ptr<PostgresServers>> OpenPostgresServers(const config::Settings& settings) {
    const auto& pg = settings.postgres;
    auto servers = std::make_unique<PostgresServers>();
    EMPORIUM_ASSIGN_OR_RETURN(servers->primary, OpenServer(settings, "primary", pg.primary, PrimarySchemas(), false));
    if (!pg.replica.empty()) {
        EMPORIUM_ASSIGN_OR_RETURN(servers->replica, OpenServer(settings, "replica", pg.replica, {}, true));
    }
    EMPORIUM_ASSIGN_OR_RETURN(auto order_conninfos, ParseServerList(pg.order_servers));
    for (std::size_t i = 0; i < order_conninfos.size(); ++i) {
        EMPORIUM_ASSIGN_OR_RETURN(auto server, OpenServer(settings, "orders-" + std::to_string(i + 1),
                                                          order_conninfos[i], {"orders", "bus"}, false));
        servers->order_servers.push_back(std::move(server));
    }
    EMPORIUM_ASSIGN_OR_RETURN(auto map, ParseShardMap(pg.order_shard_map, settings.orders.shards,
                                                      static_cast<int>(servers->order_servers.size())));
    for (int server : map)
        servers->order_shards.push_back(servers->order_servers[static_cast<std::size_t>(server)].get());
    servers->catalog_reads = std::make_unique<infra::postgres::ReplicaReads>(
        *servers->primary, servers->replica.get(), std::chrono::milliseconds(pg.replica_max_lag_ms));
    servers->catalog_reads->RequireEverythingWrittenSoFar(core::RequestContext{});
    return servers;
}

}  // namespace emporium::app

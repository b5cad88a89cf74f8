// emporium: the shop in one binary. Subcommands:
//   serve         run the HTTP server (every service in process)
//   seed          fill the catalog with a deterministic demo catalog (and index it for search)
//   reindex       rebuild the search index from the catalog
//   admin create  create the first admin (or promote an account)
//   migrate-data-dir  move a data directory of the earlier layout (a file per service) into one file
//   routes        print every registered route as JSON (checked against the OpenAPI document)
//   config        print every configuration key with its default
#include <curl/curl.h>
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include "app/application.hpp"
#include "app/data_dir_layout.hpp"
#include "app/roles.hpp"
#include "config/config_loader.hpp"
#include "core/json_writer.hpp"
#include "core/random.hpp"
#include "http/server.hpp"
#include "observability/log.hpp"
#include "paygw/psp_simulator.hpp"
#include "services/catalog/demo_catalog.hpp"

extern char** environ;

namespace emporium::app {
namespace {

struct CommonFlags {
    std::string config_file;
    std::string data_dir;
};

int Fail(const core::Error& error) {
    std::string fields;
    for (const auto& field : error.fields) fields += "\n  " + field.field + ": " + field.message;
    std::fprintf(stderr, "emporium: %s%s\n", error.message.c_str(), fields.c_str());
    return 1;
}

// Defaults, then the TOML file, then EMPORIUM_* variables, then flags.
core::Result<config::Settings> LoadSettings(const CommonFlags& flags,
                                            const std::map<std::string, std::string>& overrides) {
    config::Settings settings;
    std::string file = flags.config_file;
    if (file.empty() && std::filesystem::exists("emporium.toml")) file = "emporium.toml";
    if (!file.empty()) EMPORIUM_TRY(config::ApplyTomlFile(file, settings));
    std::map<std::string, std::string> environment;
    for (char** entry = environ; *entry; ++entry) {
        std::string text(*entry);
        auto eq = text.find('=');
        if (eq != std::string::npos) environment.emplace(text.substr(0, eq), text.substr(eq + 1));
    }
    EMPORIUM_TRY(config::ApplyEnvironment(environment, settings));
    if (!flags.data_dir.empty()) settings.storage.data_dir = flags.data_dir;
    for (const auto& [dotted, value] : overrides) {
        auto dot = dotted.find('.');
        EMPORIUM_TRY(config::SetKey(dotted.substr(0, dot), dotted.substr(dot + 1), value, settings));
    }
    EMPORIUM_TRY(config::Validate(settings));
    observability::LogLevel level = observability::LogLevel::kInfo;
    observability::ParseLogLevel(settings.log.level, level);
    observability::SetLogLevel(level);
    return settings;
}

http::ServerOptions ServerOptionsFrom(const config::Settings& s) {
    http::ServerOptions options;
    options.host = s.server.host;
    options.port = s.server.port;
    int cores = static_cast<int>(std::thread::hardware_concurrency());
    options.io_threads = s.server.io_threads > 0 ? s.server.io_threads : std::max(1, cores);
    options.max_body_bytes = static_cast<std::size_t>(s.server.max_body_bytes);
    options.max_header_bytes = static_cast<std::size_t>(s.server.max_header_bytes);
    options.read_timeout = std::chrono::milliseconds(s.server.read_timeout_ms);
    options.idle_timeout = std::chrono::milliseconds(s.server.idle_timeout_ms);
    options.header_timeout = std::chrono::milliseconds(s.server.header_timeout_ms);
    options.max_connections = s.server.max_connections;
    options.max_connections_per_address = s.server.max_connections_per_address;
    options.request_timeout = std::chrono::milliseconds(s.server.request_timeout_ms);
    options.shutdown_grace = std::chrono::milliseconds(s.server.shutdown_grace_ms);
    options.access_log = s.server.access_log;
    options.blocking_threads = s.storage.blocking_threads;
    options.blocking_queue_limit = s.storage.blocking_queue_limit;
    options.session_cookies.secure = s.security.session_cookie_secure;
    return options;
}

int Serve(const config::Settings& settings, const std::string& port_file) {
    // glibc gives each thread that allocates its own arena, up to 8 per core, and keeps
    // freed memory in each: with ~40 threads (event loops, blocking pool, bus lanes, database
    // writers) that fragmentation was ~70 MiB of peak RSS. Two arenas per core cost no
    // measurable contention on this load (only `cores` threads run at once).
    mallopt(M_ARENA_MAX, 2 * std::max(1, static_cast<int>(std::thread::hardware_concurrency())));
    auto app = OpenApplication(settings);
    if (!app.ok()) return Fail(app.error());
    if (auto opened = OpenSearch(**app); !opened.ok()) return Fail(opened.error());
    {
        // A missing or deleted index is rebuilt before serving, so search answers from the start.
        core::RequestContext ctx;  // start-up has no deadline
        auto documents = (*app)->search_index->Count(ctx);
        auto products = (*app)->catalog_repository->CountProducts(ctx);
        if (!documents.ok()) return Fail(documents.error());
        if (!products.ok()) return Fail(products.error());
        if (*documents == 0 && *products > 0) {
            if (auto rebuilt = RebuildSearchIndex(**app); !rebuilt.ok()) return Fail(rebuilt.error());
        }
    }
    RegisterRoutes(**app);
    if (auto built = BuildGateway(**app); !built.ok()) return Fail(built.error());
    Application& application = **app;
    StartBackgroundWork(application);
    http::Server server(
        ServerOptionsFrom(settings), application.router,
        [&application](const core::RequestContext& ctx, std::string_view token) {
            return application.users->Authenticate(ctx, token);
        },
        application.metrics, application.gateway.get());
    auto port = server.Listen();
    if (!port.ok()) return Fail(port.error());
    if (!port_file.empty()) {
        // Write then rename, so a reader never sees a half-written port.
        std::string temporary = port_file + ".tmp";
        std::ofstream(temporary) << *port << "\n";
        std::filesystem::rename(temporary, port_file);
    }
    observability::LogInfo("listening", [&](core::JsonWriter& json) {
        json.Field("host", settings.server.host)
            .Field("port", *port)
            .Field("io_threads", ServerOptionsFrom(settings).io_threads)
            .Field("data_dir", settings.storage.data_dir);
    });
    server.Run();
    return 0;
}

int Seed(const config::Settings& settings, int64_t products, uint64_t seed, int64_t stock) {
    auto app = OpenApplication(settings);
    if (!app.ok()) return Fail(app.error());
    core::RequestContext ctx;  // a command-line job has no deadline
    auto existing = (*app)->catalog_repository->CountProducts(ctx);
    if (!existing.ok()) return Fail(existing.error());
    if (*existing > 0) {
        std::fprintf(stderr, "emporium seed: the catalog already holds %lld products; nothing to do\n",
                     static_cast<long long>(*existing));
        return 0;
    }
    auto start = std::chrono::steady_clock::now();
    catalog::DemoCatalogOptions options;
    options.products = products;
    options.seed = seed;
    int64_t now = (*app)->clock.NowSeconds();
    auto written = catalog::SeedDemoCatalog(
        ctx, *(*app)->catalog_repository, options,
        [&](const std::vector<catalog::Product>& batch, int64_t done) -> core::Result<void> {
            if (done % 10'000 == 0)
                std::fprintf(stderr, "emporium seed: %lld products\n", static_cast<long long>(done));
            if (stock <= 0) return core::Ok();
            std::vector<inventory::Adjustment> adjustments;
            for (const auto& product : batch)
                for (const auto& variant : product.variants)
                    adjustments.push_back(
                        {core::NewTimeOrderedId("adj"), variant.sku, stock, "demo stock", "seed", 0, now});
            return (*app)->inventory_repository->ApplyAdjustments(ctx, adjustments);
        });
    if (!written.ok()) return Fail(written.error());
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "emporium seed: wrote %lld products in %.2f s\n", static_cast<long long>(*written), seconds);
    // The bulk load publishes no events: index it directly.
    if (auto opened = OpenSearch(**app); !opened.ok()) return Fail(opened.error());
    auto indexed = RebuildSearchIndex(**app);
    if (!indexed.ok()) return Fail(indexed.error());
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "emporium seed: indexed %lld products for search; %.2f s in all\n",
                 static_cast<long long>(*indexed), seconds);
    return 0;
}

int Reindex(const config::Settings& settings) {
    auto app = OpenApplication(settings);
    if (!app.ok()) return Fail(app.error());
    if (auto opened = OpenSearch(**app); !opened.ok()) return Fail(opened.error());
    auto start = std::chrono::steady_clock::now();
    auto indexed = RebuildSearchIndex(**app);
    if (!indexed.ok()) return Fail(indexed.error());
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "emporium reindex: %lld products in %.2f s\n", static_cast<long long>(*indexed), seconds);
    return 0;
}

int CreateAdmin(const config::Settings& settings, const std::string& email, const std::string& password,
                const std::string& name) {
    auto app = OpenApplication(settings);
    if (!app.ok()) return Fail(app.error());
    users::SignupRequest request{email, password, name};
    auto user = (*app)->users->CreateAdmin(core::RequestContext{}, request);
    if (!user.ok()) return Fail(user.error());
    std::printf("admin %s (%s)\n", user->email.c_str(), user->id.c_str());
    return 0;
}

int MigrateDataDir(const config::Settings& settings) {
    auto report = MigrateLegacyDataDir(settings);
    if (!report.ok()) return Fail(report.error());
    std::string files;
    for (const auto& file : report->files) files += (files.empty() ? "" : ", ") + file;
    std::fprintf(stderr,
                 "emporium migrate-data-dir: copied %lld rows (%lld outbox events, each delivered again once) from "
                 "%s into %s/%s; the earlier files are kept in %s\n",
                 static_cast<long long>(report->rows), static_cast<long long>(report->events), files.c_str(),
                 settings.storage.data_dir.c_str(), std::string(kDatabaseFile).c_str(), report->kept_in.c_str());
    return 0;
}

int PrintRoutes() {
    // Routes do not depend on data: register them over a throwaway data directory.
    observability::SetLogLevel(observability::LogLevel::kError);  // stdout carries the JSON only
    auto directory = std::filesystem::temp_directory_path() / ("emporium-routes-" + core::RandomToken(6));
    config::Settings settings;
    settings.storage.data_dir = directory.string();
    settings.storage.read_connections = 1;
    int status = 0;
    {
        auto app = OpenApplication(settings);
        if (!app.ok()) {
            status = Fail(app.error());
        } else if (auto opened = OpenSearch(**app); !opened.ok()) {
            status = Fail(opened.error());
        } else {
            RegisterRoutes(**app);
            std::string out;
            core::JsonWriter json(out);
            json.BeginArray();
            for (const auto& route : (*app)->router.routes())
                json.BeginObject()
                    .Field("method", http::MethodName(route->method))
                    .Field("path", route->pattern)
                    .EndObject();
            json.EndArray();
            std::printf("%s\n", out.c_str());
        }
    }
    std::error_code ignored;
    std::filesystem::remove_all(directory, ignored);
    return status;
}

// `emporium paygw`: the payment-provider simulator, a separate process with its own port.
int RunPaygw(const std::string& host, int port, const std::string& port_file, const std::string& webhook_url,
             const std::string& webhook_secret) {
    paygw::PspSimulator simulator(paygw::SimulatorOptions{webhook_url, webhook_secret});
    http::Router router;
    simulator.RegisterRoutes(router);
    observability::MetricsRegistry metrics;
    http::ServerOptions options;
    options.host = host;
    options.port = port;
    options.io_threads = 1;
    options.access_log = false;
    options.blocking_threads = 32;  // simulated latency sleeps on these
    options.shutdown_grace = std::chrono::seconds(2);
    http::Server server(
        options, router,
        [](const core::RequestContext&, std::string_view) -> core::Result<core::Principal> {
            return core::Error::Unauthenticated("no accounts here");
        },
        metrics);
    auto bound = server.Listen();
    if (!bound.ok()) return Fail(bound.error());
    if (!port_file.empty()) {
        std::string temporary = port_file + ".tmp";
        std::ofstream(temporary) << *bound << "\n";
        std::filesystem::rename(temporary, port_file);
    }
    observability::LogInfo("paygw_listening", [&](core::JsonWriter& json) { json.Field("port", *bound); });
    server.Run();
    return 0;
}

int PrintConfig() {
    std::string section;
    for (const auto& key : config::DescribeKeys()) {
        if (key.section != section) {
            std::printf("%s[%s]\n", section.empty() ? "" : "\n", key.section.c_str());
            section = key.section;
        }
        std::printf("# %s\n%s = %s\n", key.description.c_str(), key.key.c_str(), key.default_value.c_str());
    }
    return 0;
}

}  // namespace
}  // namespace emporium::app

int main(int argc, char** argv) {
    using namespace emporium;
    curl_global_init(CURL_GLOBAL_DEFAULT);  // before any thread exists (SMTP mail)
    if (!core::InitCrypto()) {
        std::fprintf(stderr, "emporium: libsodium failed to initialise\n");
        return 1;
    }
    CLI::App cli{"Emporium: an e-commerce platform in one binary"};
    cli.require_subcommand(1);
    app::CommonFlags common;
    std::map<std::string, std::string> overrides;
    auto add_common = [&](CLI::App* command) {
        command->add_option("--config", common.config_file,
                            "TOML configuration file (default: ./emporium.toml if present)");
        command->add_option("--data-dir", common.data_dir, "Directory of the databases (storage.data_dir)");
    };

    auto* serve = cli.add_subcommand("serve", "Run the HTTP server");
    add_common(serve);
    std::string host, port_file;
    int port = -1, io_threads = -1;
    serve->add_option("--host", host, "Listen address (server.host)");
    serve->add_option("--port", port, "Listen port, 0 for any free port (server.port)");
    serve->add_option("--io-threads", io_threads, "Event-loop threads (server.io_threads)");
    serve->add_option("--port-file", port_file, "Write the bound port to this file once listening");
    std::string roles = "all";
    serve->add_option("--role", roles,
                      "Comma-separated roles this process serves: all, or gateway, users, catalog, search, cart, "
                      "inventory, orders, payments, shipping, notifications, recommendations (today: all)");

    auto* seed = cli.add_subcommand("seed", "Fill an empty catalog with a deterministic demo catalog");
    add_common(seed);
    int64_t products = 10'000;
    uint64_t seed_value = 42;
    seed->add_option("--products", products, "Number of products")->check(CLI::Range(int64_t{1}, int64_t{10'000'000}));
    seed->add_option("--seed", seed_value, "Random seed");
    int64_t stock = 100;
    seed->add_option("--stock", stock, "Units of stock per SKU (0: none)")
        ->check(CLI::Range(int64_t{0}, int64_t{1'000'000}));

    auto* reindex = cli.add_subcommand("reindex", "Rebuild the search index from the catalog (server stopped)");
    add_common(reindex);

    auto* admin = cli.add_subcommand("admin", "Operator commands");
    admin->require_subcommand(1);
    auto* admin_create = admin->add_subcommand("create", "Create an admin account, or promote an existing one");
    add_common(admin_create);
    std::string email, password, name;
    admin_create->add_option("--email", email, "Email address")->required();
    admin_create->add_option("--password", password, "Password (8-128 characters)")->required();
    admin_create->add_option("--name", name, "Display name");

    auto* paygw_command =
        cli.add_subcommand("paygw",
                           "Run the payment-provider simulator (a separate process). Test cards: "
                           "4242424242424242 succeeds, 4000000000000002 is declined (card_declined), "
                           "4000000000009995 is declined (insufficient_funds), 4000000000000119 fails with a "
                           "retryable processing_error; any other valid card succeeds");
    std::string paygw_host = "127.0.0.1", paygw_port_file, webhook_url, webhook_secret;
    int paygw_port = 9100;
    paygw_command->add_option("--host", paygw_host, "Listen address");
    paygw_command->add_option("--port", paygw_port, "Listen port, 0 for any free port");
    paygw_command->add_option("--port-file", paygw_port_file, "Write the bound port to this file once listening");
    paygw_command->add_option("--webhook-url", webhook_url, "Base URL of the shop that receives webhooks");
    paygw_command->add_option("--webhook-secret", webhook_secret, "Secret that signs webhooks");

    auto* migrate = cli.add_subcommand(
        "migrate-data-dir",
        "Move a data directory of the earlier layout (a database file per service) into one emporium.db "
        "(server stopped; the earlier files are kept)");
    add_common(migrate);

    auto* routes = cli.add_subcommand("routes", "Print every HTTP route as JSON");
    auto* config_command = cli.add_subcommand("config", "Print every configuration key with its default");

    CLI11_PARSE(cli, argc, argv);

    if (routes->parsed()) return app::PrintRoutes();
    if (config_command->parsed()) return app::PrintConfig();
    if (paygw_command->parsed())
        return app::RunPaygw(paygw_host, paygw_port, paygw_port_file, webhook_url, webhook_secret);

    if (!host.empty()) overrides["server.host"] = host;
    if (port >= 0) overrides["server.port"] = std::to_string(port);
    if (io_threads >= 0) overrides["server.io_threads"] = std::to_string(io_threads);
    auto settings = app::LoadSettings(common, overrides);
    if (!settings.ok()) return app::Fail(settings.error());

    if (serve->parsed()) {
        auto parsed_roles = app::ParseRoles(roles);
        if (!parsed_roles.ok()) return app::Fail(parsed_roles.error());
        if (auto servable = app::CheckServable(*parsed_roles); !servable.ok()) return app::Fail(servable.error());
        return app::Serve(*settings, port_file);
    }
    if (migrate->parsed()) return app::MigrateDataDir(*settings);
    if (seed->parsed()) return app::Seed(*settings, products, seed_value, stock);
    if (reindex->parsed()) return app::Reindex(*settings);
    if (admin_create->parsed()) return app::CreateAdmin(*settings, email, password, name);
    return 1;
}

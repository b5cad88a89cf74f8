#include "app/application.hpp"

#include <algorithm>
#include <filesystem>
#include <thread>

#include "app/data_dir_layout.hpp"
#include "app/guarded_ports.hpp"
#include "bus/http_handlers.hpp"
#include "bus/storage/event_retention.hpp"
#include "bus/storage/postgres_outbox_store.hpp"
#include "bus/storage/sqlite_outbox_store.hpp"
#include "console/http_handlers.hpp"
#include "core/embedded_files.hpp"
#include "core/json_writer.hpp"
#include "http/operator_only.hpp"
#include "http/problem.hpp"
#include "infra/postgres/database_metrics.hpp"
#include "infra/sqlite/database_metrics.hpp"
#include "observability/log.hpp"
#include "resilience/http_handlers.hpp"
#include "resilience/storage/memory_rate_limit_store.hpp"
#include "resilience/storage/redis_rate_limit_store.hpp"
#include "services/cart/cart_service_impl.hpp"
#include "services/cart/http_handlers.hpp"
#include "services/cart/storage/redis_cart_store.hpp"
#include "services/catalog/catalog_service_impl.hpp"
#include "services/catalog/storage/postgres_catalog_repository.hpp"
#include "services/catalog/storage/sqlite_catalog_repository.hpp"
#include "services/home/home_service_impl.hpp"
#include "services/home/http_handlers.hpp"
#include "services/inventory/http_handlers.hpp"
#include "services/inventory/inventory_service_impl.hpp"
#include "services/inventory/storage/postgres_inventory_repository.hpp"
#include "services/inventory/storage/sqlite_inventory_repository.hpp"
#include "services/notifications/storage/postgres_notifications_repository.hpp"
#include "services/notifications/storage/sqlite_notifications_repository.hpp"
#include "services/orders/event_consumers.hpp"
#include "services/orders/http_handlers.hpp"
#include "services/orders/orders_service_impl.hpp"
#include "services/orders/retention.hpp"
#include "services/orders/storage/postgres_orders_repository.hpp"
#include "services/orders/storage/sqlite_orders_repository.hpp"
#include "services/payments/http_handlers.hpp"
#include "services/payments/payments_service_impl.hpp"
#include "services/payments/psp/paygw_provider.hpp"
#include "services/payments/retention.hpp"
#include "services/payments/storage/postgres_payments_repository.hpp"
#include "services/payments/storage/sqlite_payments_repository.hpp"
#include "services/recommendations/http_handlers.hpp"
#include "services/recommendations/recommendations_service_impl.hpp"
#include "services/recommendations/storage/postgres_recommendations_repository.hpp"
#include "services/recommendations/storage/sqlite_recommendations_repository.hpp"
#include "services/search/http_handlers.hpp"
#include "services/search/search_service_impl.hpp"
#include "services/shipping/http_handlers.hpp"
#include "services/shipping/shipping_service_impl.hpp"
#include "services/shipping/storage/postgres_shipping_repository.hpp"
#include "services/shipping/storage/sqlite_shipping_repository.hpp"
#include "services/users/http_handlers.hpp"
#include "services/users/storage/postgres_users_repository.hpp"
#include "services/users/storage/sqlite_users_repository.hpp"
#include "services/users/users_service_impl.hpp"

namespace emporium::app {

using core::Result;

namespace {

// The repository of a service on the deployment's storage: its PostgreSQL adapter over the
// primary when the shop runs on PostgreSQL, else its SQLite adapter over the one file.
template <typename Port, typename SqliteAdapter, typename PostgresAdapter>
std::unique_ptr<Port> Repository(Application& app) {
    if (app.postgres) return std::make_unique<PostgresAdapter>(*app.postgres->primary);
    return std::make_unique<SqliteAdapter>(*app.db);
}

// The fault switches (one per dependency fault injection can reach), the bulkheads around
// the dependencies, and the registry that shows them; before anything that uses them.
void BuildResilience(Application& app) {
    const auto& settings = app.settings.bulkheads;
    app.faults.Add("payment_provider", "The payment provider's charging API (charges and refunds).");
    app.faults.Add("cache", "The page cache (product, list, search and home pages).");
    app.faults.Add("search", "Full-text search and suggestions.");
    app.faults.Add("recommendations", "Recommendations (bought together, trending).");
    app.faults.Add("database", "Every database call, of requests and background work alike (latency only).",
                   /*latency_only=*/true);
    const std::chrono::milliseconds max_wait(settings.max_wait_ms);
    app.payment_provider_bulkhead = std::make_unique<resilience::Bulkhead>(
        "payment_provider", resilience::BulkheadSettings{.max_concurrent = settings.payment_provider_concurrency,
                                                         .max_queued = settings.payment_provider_queue,
                                                         .max_wait = max_wait});
    app.search_bulkhead = std::make_unique<resilience::Bulkhead>(
        "search",
        resilience::BulkheadSettings{
            .max_concurrent = settings.search_concurrency, .max_queued = settings.search_queue, .max_wait = max_wait});
    app.recommendations_bulkhead = std::make_unique<resilience::Bulkhead>(
        "recommendations", resilience::BulkheadSettings{.max_concurrent = settings.recommendations_concurrency,
                                                        .max_queued = settings.recommendations_queue,
                                                        .max_wait = max_wait});
    app.resilience = std::make_unique<resilience::Registry>(&app.faults, app.settings.admin.fault_injection);
    app.resilience->AddBulkhead(*app.payment_provider_bulkhead);
    app.resilience->AddBulkhead(*app.search_bulkhead);
    app.resilience->AddBulkhead(*app.recommendations_bulkhead);
}

// Fault injection's database latency, on every database of the deployment. Only "slow" can
// be set on this switch (an outage of the database is the engines' outage tests' business).
void AddDatabaseLatencyFault(Application& app) {
    resilience::FaultSwitch* fault = app.faults.Find("database");
    if (app.db) app.db->SetBeforeWork([fault] { return fault->Apply(core::RequestContext{}); });
    if (app.postgres)
        for (auto* server : app.postgres->All())
            server->SetBeforeWork([fault](const core::RequestContext& ctx) { return fault->Apply(ctx); });
}

// One builder per service: each makes the service's adapters from the settings, the
// service over them and the services it calls, and subscribes its event consumers. Today
// every builder runs in this process; a process of another role will build a remote
// client where a service lives elsewhere.

core::Result<void> BuildUsers(Application& app) {
    const auto& settings = app.settings;
    app.users_repository =
        Repository<users::UsersRepository, users::SqliteUsersRepository, users::PostgresUsersRepository>(app);
    users::PasswordHashSettings hash_settings;
    hash_settings.ops_limit = static_cast<unsigned long long>(settings.security.argon2_ops_limit);
    hash_settings.memory_bytes = static_cast<std::size_t>(settings.security.argon2_memory_kib) * 1024;
    int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    hash_settings.max_concurrent =
        settings.security.max_concurrent_hashes > 0 ? settings.security.max_concurrent_hashes : 2 * cores;
    hash_settings.max_waiting = 4 * hash_settings.max_concurrent;
    users::PasswordHasher hasher(hash_settings);
    if (hasher.DummyHash().empty()) return core::Error::Internal("argon2id is not usable with these settings");
    users::UsersSettings users_settings;
    users_settings.session_ttl_seconds = static_cast<int64_t>(settings.security.session_ttl_hours) * 3600;
    app.login_guard = std::make_unique<users::LoginGuard>(
        *app.rate_limits,
        users::LoginGuardSettings{.failures_per_account = settings.security.login_failures_per_account,
                                  .failures_per_address = settings.security.login_failures_per_address});
    auto users_impl = std::make_unique<users::UsersServiceImpl>(*app.users_repository, hasher, app.clock,
                                                                users_settings, app.login_guard.get());
    app.metrics.Add([impl = users_impl.get()](std::string& out) {
        observability::AppendFamilyHeader(out, "emporium_password_hashes_rejected_total", "counter",
                                          "Sign-ins and sign-ups refused 503 because password hashing was full.");
        observability::AppendSample(out, "emporium_password_hashes_rejected_total", "",
                                    static_cast<int64_t>(impl->hasher().rejected()));
    });
    app.users_uncached = std::move(users_impl);
    users::SessionCacheSettings cache_settings;
    cache_settings.ttl = std::chrono::milliseconds(settings.security.session_cache_ttl_ms);
    cache_settings.max_bytes =
        cache_settings.ttl.count() > 0 ? static_cast<std::size_t>(settings.security.session_cache_bytes) : 0;
    app.users = std::make_unique<users::UsersServiceWithSessionCache>(*app.users_uncached, cache_settings, app.clock);
    app.metrics.Add([&app](std::string& out) { app.users->RenderMetrics(out); });
    return core::Ok();
}

// Run before a cache drops what another process's catalog write made stale (its event came):
// with a replica, this process's catalog reads then stay on the primary until the replica has
// the write, or the page or variant reloaded at once would be the replica's old one and stay
// cached. (Every process hears those events since the bus runs on RabbitMQ, and the shared
// page cache's published invalidations.) Empty without a replica.
std::function<void()> CatalogReadsCatchUp(Application& app) {
    if (!app.postgres || !app.postgres->catalog_reads || !app.postgres->catalog_reads->has_replica()) return {};
    return [reads = app.postgres->catalog_reads.get()] {
        core::RequestContext ctx;
        ctx.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        ctx.request_id = "cache-invalidation";
        reads->RequireEverythingWrittenSoFar(ctx);
    };
}

void BuildCatalog(Application& app) {
    // On PostgreSQL the catalog reads on the replica, keeping read-your-writes.
    if (app.postgres) {
        app.catalog_repository = std::make_unique<catalog::PostgresCatalogRepository>(*app.postgres->catalog_reads);
    } else {
        app.catalog_repository = std::make_unique<catalog::SqliteCatalogRepository>(*app.db);
    }
    auto catalog_service = std::make_unique<catalog::CatalogServiceImpl>(
        *app.catalog_repository, app.clock, static_cast<std::size_t>(app.settings.catalog.variant_cache_bytes));
    app.catalog_impl = catalog_service.get();
    app.catalog = std::move(catalog_service);
    app.catalog_impl->SubscribeVariantCacheInvalidation(*app.bus, CatalogReadsCatchUp(app));
}

void BuildInventory(Application& app) {
    app.inventory_repository = Repository<inventory::InventoryRepository, inventory::SqliteInventoryRepository,
                                          inventory::PostgresInventoryRepository>(app);
    app.inventory =
        std::make_unique<inventory::InventoryServiceImpl>(*app.inventory_repository, *app.catalog, app.clock);
}

void BuildCart(Application& app) {
    if (app.redis) {
        app.cart_store = std::make_unique<cart::RedisCartStore>(*app.redis, app.settings.redis.prefix);
    } else {
        auto in_memory = std::make_unique<cart::MemoryCartStore>();
        app.memory_carts = in_memory.get();
        app.cart_store = std::move(in_memory);
    }
    app.cart = std::make_unique<cart::CartServiceImpl>(*app.cart_store, *app.catalog, *app.inventory, app.clock,
                                                       cart::CartSettings{});
}

// Orders and payments call each other (checkout pays; a cancel after payment refunds), so
// they are built together and wired once both exist.
core::Result<void> BuildOrdersAndPayments(Application& app) {
    const auto& settings = app.settings;
    if (app.postgres) {
        app.orders_repository = std::make_unique<orders::PostgresOrdersRepository>(app.postgres->order_shards);
    } else {
        app.orders_repository = std::make_unique<orders::SqliteOrdersRepository>(app.order_shards);
    }
    orders::OrdersSettings orders_settings;
    orders_settings.reservation_ttl_seconds = settings.inventory.reservation_ttl_seconds;
    orders_settings.max_unpaid_orders_per_user = settings.orders.max_unpaid_orders_per_user;
    auto orders_service = std::make_unique<orders::OrdersServiceImpl>(
        *app.orders_repository, *app.cart, *app.catalog, *app.inventory, *app.users, app.clock, orders_settings);
    orders::OrdersServiceImpl* orders_impl = orders_service.get();
    app.orders = std::move(orders_service);
    orders::SubscribeOrderConsumers(*app.bus, *app.orders, *app.inventory);

    app.payments_repository = Repository<payments::PaymentsRepository, payments::SqlitePaymentsRepository,
                                         payments::PostgresPaymentsRepository>(app);
    if (!settings.payments.provider_url.empty()) {
        EMPORIUM_ASSIGN_OR_RETURN(auto client, http::HttpClient::Create(settings.payments.provider_url));
        const std::chrono::milliseconds timeout(settings.payments.provider_timeout_ms);
        app.payment_provider = std::make_unique<GuardedPaymentProvider>(
            std::make_unique<payments::PaygwProvider>(std::move(client), timeout),
            // The bulkhead is the payments service's (below): it must know a call turned away.
            PortGuard{.fault = app.faults.Find("payment_provider"), .call_timeout = timeout});
    }
    auto payments_service = std::make_unique<payments::PaymentsServiceImpl>(
        *app.payments_repository, app.payment_provider.get(), *app.orders, app.clock,
        payments::PaymentsSettings{
            .give_up_after_seconds = settings.payments.give_up_after_seconds,
            .provider_timeout = std::chrono::milliseconds(settings.payments.provider_timeout_ms)},
        app.payment_provider_bulkhead.get());
    orders_impl->SetRefunds(payments_service.get());
    payments_service->Subscribe(*app.bus);
    app.payments_impl = payments_service.get();
    app.resilience->AddCircuitBreaker("payment_provider", app.payments_impl->breaker());
    app.payments = std::move(payments_service);
    return core::Ok();
}

void BuildShipping(Application& app) {
    app.shipping_repository = Repository<shipping::ShippingRepository, shipping::SqliteShippingRepository,
                                         shipping::PostgresShippingRepository>(app);
    app.shipping = std::make_unique<shipping::ShippingServiceImpl>(*app.shipping_repository, *app.orders, app.clock);
    shipping::SubscribeShippingConsumers(*app.bus, *app.shipping);
}

void BuildNotifications(Application& app) {
    const auto& settings = app.settings;
    if (settings.notifications.smtp_url.empty()) {
        app.mailer = std::make_unique<notifications::MaildirMailer>(
            (std::filesystem::path(settings.storage.data_dir) / "mail").string(), settings.notifications.mail_from);
    } else {
        app.mailer = std::make_unique<notifications::SmtpMailer>(settings.notifications.smtp_url,
                                                                 settings.notifications.mail_from);
    }
    app.notifications_repository =
        Repository<notifications::NotificationsRepository, notifications::SqliteNotificationsRepository,
                   notifications::PostgresNotificationsRepository>(app);
    app.notifications = std::make_unique<notifications::OrderNotifications>(
        *app.notifications_repository, *app.mailer, *app.users, *app.orders, *app.shipping, app.clock);
    app.notifications->Subscribe(*app.bus);
}

void BuildRecommendations(Application& app) {
    app.recommendations_repository =
        Repository<recommendations::RecommendationsRepository, recommendations::SqliteRecommendationsRepository,
                   recommendations::PostgresRecommendationsRepository>(app);
    auto recommendations_impl = std::make_unique<recommendations::RecommendationsServiceImpl>(
        *app.recommendations_repository, *app.catalog, app.clock,
        recommendations::RecommendationsSettings{app.settings.recommendations.enabled,
                                                 app.settings.recommendations.trending_window_hours});
    recommendations_impl->Subscribe(*app.bus);
    app.recommendations = std::make_unique<GuardedRecommendationsService>(
        std::move(recommendations_impl),
        PortGuard{.bulkhead = app.recommendations_bulkhead.get(), .fault = app.faults.Find("recommendations")});
}

// The gateway's page cache: ready-to-send public pages, dropped on product events.
void BuildPageCache(Application& app) {
    const auto& settings = app.settings;
    cache::MemoryCacheSettings cache_settings;
    cache_settings.max_bytes = static_cast<std::size_t>(settings.cache.max_bytes);
    cache_settings.ttl = std::chrono::milliseconds(settings.cache.ttl_ms);
    cache_settings.stale_for = std::chrono::milliseconds(settings.cache.stale_ms);
    std::vector<std::string> namespaces{std::string(catalog::kProductPages), std::string(catalog::kListPages),
                                        std::string(catalog::kHomePages), std::string(search::kSearchPages)};
    auto in_memory = std::make_unique<cache::MemoryCache>(cache_settings, namespaces);
    if (app.redis) {
        // Memory stays the first level; Redis is the second, shared with the other processes.
        auto shared = std::make_unique<cache::RedisCache>(
            cache::RedisCacheSettings{
                .prefix = settings.redis.prefix, .ttl = cache_settings.ttl, .stale_for = cache_settings.stale_for},
            std::move(in_memory), *app.redis, namespaces);
        // Another process's invalidation (heard before its event): the page reloaded under the
        // new version must be read where the write already is.
        if (auto catch_up = CatalogReadsCatchUp(app)) shared->SetBeforeRemoteInvalidation(std::move(catch_up));
        app.shared_page_cache = shared.get();
        app.page_cache = std::move(shared);
    } else {
        app.page_cache = std::move(in_memory);
    }
    app.faulty_page_cache = std::make_unique<FaultyCache>(*app.page_cache, *app.faults.Find("cache"));
    app.pages = std::make_unique<cache::CacheAside>(*app.faulty_page_cache);
    // A shared cache publishes each invalidation to every process: one process of the group
    // acting on the event is enough (N would raise the versions N times and empty every
    // process's cache N times a change).
    catalog::SubscribeCacheInvalidation(
        *app.bus, *app.page_cache, CatalogReadsCatchUp(app),
        app.shared_page_cache ? bus::Fanout::kOncePerGroup : bus::Fanout::kEveryReplica);
}

void AddBusSource(Application& app, std::string name, bus::OutboxStore& store) {
    if (app.rabbitmq_bus) {
        app.rabbitmq_bus->AddSource(std::move(name), store);
    } else if (app.local_bus) {
        app.local_bus->AddSource(std::move(name), store);
    }
}

// The event bus: RabbitMQ when the deployment names a broker, else the outbox dispatcher.
// Both deliver from the same outboxes (sources added by the stores above).
void BuildBus(Application& app) {
    const auto& settings = app.settings;
    if (!settings.rabbitmq.url.empty()) {
        auto rabbitmq = std::make_unique<bus::RabbitMqEventBus>(
            bus::RabbitMqEventBusSettings{.url = settings.rabbitmq.url,
                                          .prefix = settings.rabbitmq.prefix,
                                          .max_attempts = settings.events.max_attempts});
        app.rabbitmq_bus = rabbitmq.get();
        app.bus = std::move(rabbitmq);
        // Whether events can leave this process (the relay's connection is up): reported,
        // but the process stays ready without it, since orders are still taken while the
        // outboxes hold their events.
        app.health.AddAdvisory("rabbitmq", [&app]() -> Result<void> {
            if (app.rabbitmq_bus->BrokerReachable()) return core::Ok();
            return core::Error::Unavailable("RabbitMQ is unreachable");
        });
        return;
    }
    auto local = std::make_unique<bus::LocalEventBus>(
        bus::LocalEventBusSettings{.max_attempts = settings.events.max_attempts,
                                   .handler_threads = settings.events.handler_threads},
        app.clock);
    app.local_bus = local.get();
    app.bus = std::move(local);
}

// The embedded deployment's stores: one database file for every service, the order shard
// map pointing every logical shard at it, and one outbox for the bus.
Result<void> OpenEmbeddedStores(Application& app) {
    const auto& settings = app.settings;
    if (auto legacy = FindLegacyLayout(settings.storage.data_dir); !legacy.empty())
        return core::Error::Conflict(
            "the data directory " + settings.storage.data_dir + " has a database file per service (" + legacy +
            ", ...), the layout before one database file held every service. Move it into one file with "
            "`emporium migrate-data-dir --data-dir " +
            settings.storage.data_dir + "` (the server stopped; it keeps the old files).");
    EMPORIUM_ASSIGN_OR_RETURN(app.db, OpenEmbeddedDatabase(settings));
    app.order_shards.assign(static_cast<std::size_t>(settings.orders.shards), app.db.get());
    app.outbox_stores.push_back(std::make_unique<bus::SqliteOutboxStore>(*app.db));
    AddBusSource(app, "emporium", *app.outbox_stores.back());
    infra::sqlite::Database& db = *app.db;
    app.health.Add(db.name() + "_db", [&db] { return db.Ping(); });
    return core::Ok();
}

// The distributed deployment's stores: the PostgreSQL servers, an outbox source per server
// that has one (the primary and each order server).
Result<void> OpenPostgresStores(Application& app) {
    EMPORIUM_ASSIGN_OR_RETURN(app.postgres, OpenPostgresServers(app.settings));
    std::vector<infra::postgres::Database*> with_outbox = {app.postgres->primary.get()};
    for (const auto& server : app.postgres->order_servers) with_outbox.push_back(server.get());
    for (auto* server : with_outbox) {
        app.outbox_stores.push_back(std::make_unique<bus::PostgresOutboxStore>(*server));
        AddBusSource(app, server->name(), *app.outbox_stores.back());
        // The replica is left out: reads fall back to the primary while it is away.
        app.health.Add("postgres_" + server->name(), [server] {
            core::RequestContext ctx;
            ctx.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
            return server->Ping(ctx);
        });
    }
    return core::Ok();
}

// The Redis server, when configured, and the stores that live there or in memory.
void OpenRedis(Application& app) {
    const auto& settings = app.settings.redis;
    if (!settings.address.empty()) {
        app.redis = std::make_unique<infra::redis::Client>(
            infra::redis::ClientSettings{.address = settings.address,
                                         .name = "redis",
                                         .connections = settings.connections,
                                         .connect_timeout = std::chrono::milliseconds(settings.connect_timeout_ms)});
        app.health.Add("redis", [redis = app.redis.get()] {
            core::RequestContext ctx;
            ctx.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
            auto pong = redis->Run(ctx, {"PING"});
            return pong.ok() ? core::Ok() : core::Result<void>(pong.error());
        });
        app.rate_limits = std::make_unique<resilience::RedisRateLimitStore>(*app.redis, settings.prefix);
    } else {
        app.rate_limits = std::make_unique<resilience::MemoryRateLimitStore>();
    }
}

}  // namespace

Result<std::unique_ptr<Application>> OpenApplication(const config::Settings& settings) {
    auto app = std::make_unique<Application>();
    app->settings = settings;
    std::error_code ec;
    std::filesystem::create_directories(settings.storage.data_dir, ec);
    if (ec)
        return core::Error::Internal("cannot create data directory " + settings.storage.data_dir + ": " + ec.message());
    BuildResilience(*app);
    BuildBus(*app);
    OpenRedis(*app);
    if (settings.postgres.primary.empty()) {
        EMPORIUM_TRY(OpenEmbeddedStores(*app));
    } else {
        EMPORIUM_TRY(OpenPostgresStores(*app));
    }
    AddDatabaseLatencyFault(*app);

    EMPORIUM_TRY(BuildUsers(*app));
    BuildCatalog(*app);
    BuildInventory(*app);
    BuildCart(*app);
    EMPORIUM_TRY(BuildOrdersAndPayments(*app));
    BuildShipping(*app);
    BuildNotifications(*app);
    BuildRecommendations(*app);
    BuildPageCache(*app);
    return app;
}

core::Result<void> OpenSearch(Application& app) {
    auto directory = (std::filesystem::path(app.settings.storage.data_dir) / "search").string();
    EMPORIUM_ASSIGN_OR_RETURN(app.search_index, search::XapianSearchIndex::Open(directory));
    app.search_indexer =
        std::make_unique<search::ProductIndexer>(*app.search_index, *app.catalog, *app.inventory,
                                                 // Cached search answers are dropped once the index has the change, not
                                                 // before. (A failure leaves them to expire within the cache TTL.)
                                                 [cache = app.page_cache.get()](const core::RequestContext& ctx) {
                                                     (void)cache->InvalidateNamespace(ctx, search::kSearchPages);
                                                 });
    app.search_indexer->Subscribe(*app.bus);
    app.search = std::make_unique<GuardedSearchService>(
        std::make_unique<search::SearchServiceImpl>(*app.search_index, *app.catalog),
        PortGuard{.bulkhead = app.search_bulkhead.get(), .fault = app.faults.Find("search")});
    app.home = std::make_unique<home::HomeServiceImpl>(*app.catalog, *app.search, *app.recommendations);
    return core::Ok();
}

core::Result<int64_t> RebuildSearchIndex(Application& app) {
    if (!app.search_indexer) return core::Error::Internal("the search index is not open");
    auto started = std::chrono::steady_clock::now();
    auto indexed = app.search_indexer->Rebuild(core::RequestContext{}, [](int64_t done) {
        if (done % 10000 == 0)
            observability::LogInfo("search_reindex_progress",
                                   [&](core::JsonWriter& json) { json.Field("indexed", done); });
    });
    if (!indexed.ok()) return indexed.error();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    observability::LogInfo("search_reindexed", [&](core::JsonWriter& json) {
        json.Field("documents", *indexed).Field("milliseconds", static_cast<int64_t>(seconds * 1000));
    });
    return indexed;
}

void RegisterRoutes(Application& app) {
    using http::Access;
    using http::Execution;
    using http::Method;
    using http::Request;
    using http::Response;

    app.router.Add(
        Method::kGet, "/health/live", Access::kPublic,
        [](Request&) {
            Response response = Response::Json(200, "{\"status\":\"ok\"}");
            response.SetHeader("Cache-Control", "no-store");
            return response;
        },
        Execution::kInline);
    http::Route& ready_route = app.router.Add(Method::kGet, "/health/ready", Access::kPublic, [&app](Request& request) {
        std::string checks;
        core::JsonWriter json(checks);
        json.BeginObject();
        std::string failing;
        for (const auto& outcome : app.health.Run()) {
            json.Field(outcome.name, outcome.passed ? "ok" : "failing");
            if (!outcome.passed && outcome.required) failing += (failing.empty() ? "" : ", ") + outcome.name;
        }
        json.EndObject();
        Response response;
        if (failing.empty()) {
            response = Response::Json(200, "{\"status\":\"ok\",\"checks\":" + checks + "}");
        } else {
            response = http::ProblemResponse(core::Error::Unavailable("Not ready: " + failing + "."), request.path);
        }
        response.SetHeader("Cache-Control", "no-store");
        return response;
    });
    http::Route& metrics_route = app.router.Add(
        Method::kGet, "/metrics", Access::kPublic,
        [&app](Request&) {
            Response response = Response::Json(200, app.metrics.Render());
            response.content_type = "text/plain; version=0.0.4; charset=utf-8";
            response.SetHeader("Cache-Control", "no-store");
            return response;
        },
        Execution::kInline);
    // Operator endpoints: only server.operator_networks may read them; others get the 404 of
    // an unknown path. The list was validated when the settings were loaded.
    auto operator_networks = http::IpNetworks::Parse(app.settings.server.operator_networks);
    auto operators =
        std::make_shared<const http::IpNetworks>(operator_networks.ok() ? *operator_networks : http::IpNetworks());
    for (http::Route* route : {&ready_route, &metrics_route})
        route->handler = http::OperatorOnly(operators, std::move(route->handler));
    app.router.Add(
        Method::kGet, "/api/openapi.json", Access::kPublic,
        [](Request&) {
            Response response =
                Response::Json(200, std::string(core::FindEmbeddedFile("api/openapi.json").value_or("{}")));
            response.SetHeader("Cache-Control", "public, max-age=300");
            return response;
        },
        Execution::kInline);

    app.static_files = std::make_unique<gateway::StaticFiles>(core::EmbeddedFiles());
    gateway::RegisterStaticRoutes(app.router, *app.static_files);

    users::RegisterUsersRoutes(
        app.router, *app.users,
        [&app](const Request& request, const users::Session& session) {
            // A guest who logs in keeps what was in the guest cart.
            if (auto token = request.Header("x-cart-token"); !token.empty())
                (void)app.cart->MergeGuestCart(request.context, token, session.user.id);
        },
        http::CookieOptions{.secure = app.settings.security.session_cookie_secure});

    catalog::CatalogHttpSettings catalog_settings;
    catalog_settings.cache_max_age_seconds = app.settings.catalog.cache_max_age_seconds;
    catalog::RegisterCatalogRoutes(app.router, *app.catalog, catalog_settings, *app.pages);
    app.metrics.Add([&app](std::string& out) {
        app.pages->RenderMetrics(out, "pages");
        app.catalog_impl->RenderMetrics(out);
    });

    inventory::RegisterInventoryRoutes(app.router, *app.inventory);
    cart::RegisterCartRoutes(app.router, *app.cart);
    orders::RegisterOrdersRoutes(app.router, *app.orders);
    payments::RegisterPaymentsRoutes(app.router, *app.payments, app.settings.payments.webhook_secret, app.clock);
    shipping::RegisterShippingRoutes(app.router, *app.shipping);
    console::RegisterConsoleRoutes(app.router, {*app.orders, *app.users, *app.payments, *app.shipping});
    app.system_summary = std::make_unique<console::SystemSummary>(
        console::SystemSources{app.metrics, app.health, *app.resilience, app.faults, app.clock});
    console::RegisterSystemRoute(app.router, *app.system_summary);
    bus::RegisterDeadLetterRoutes(app.router, *app.bus);
    resilience::RegisterResilienceRoutes(app.router, *app.resilience, app.faults, app.settings.admin.fault_injection);
    app.metrics.Add([&app](std::string& out) { app.resilience->RenderMetrics(out); });
    recommendations::RegisterRecommendationsRoutes(app.router, *app.recommendations);
    if (app.search) {
        search::SearchHttpSettings search_settings;
        search_settings.cache_max_age_seconds = app.settings.catalog.cache_max_age_seconds;
        search::RegisterSearchRoutes(app.router, *app.search, search_settings, *app.pages);
        home::RegisterHomeRoutes(app.router, *app.home, *app.recommendations, *app.pages,
                                 app.settings.catalog.cache_max_age_seconds);
        app.metrics.Add([&app](std::string& out) { app.search_indexer->RenderMetrics(out); });
    }

    app.metrics.Add([&app](std::string& out) {
        if (app.postgres) {
            infra::postgres::RenderDatabaseMetrics(out, app.postgres->All(), app.postgres->catalog_reads.get());
        } else {
            infra::sqlite::RenderDatabaseMetrics(out, {app.db.get()});
        }
        if (app.memory_carts) app.memory_carts->RenderMetrics(out);
        if (app.redis) app.redis->RenderMetrics(out);
        if (app.shared_page_cache) app.shared_page_cache->RenderMetrics(out);
        if (app.rabbitmq_bus) app.rabbitmq_bus->RenderMetrics(out);
    });
}

namespace {

// Runs `job` every `interval` on its own thread (the next run waits for this one), with a
// bounded context: 30 s, or the interval when longer (a payment retry may wait for the
// provider's full timeout). A failure is logged as "<name>_failed", a count above zero as
// "<name>".
void Every(Application& app, std::chrono::milliseconds interval, std::string name,
           std::function<core::Result<int64_t>(const core::RequestContext&)> job) {
    app.background.push_back(
        std::make_unique<runtime::PeriodicTask>(interval, [interval, name = std::move(name), job = std::move(job)] {
            core::RequestContext ctx;
            ctx.deadline = std::chrono::steady_clock::now() +
                           std::max<std::chrono::milliseconds>(interval, std::chrono::seconds(30));
            ctx.request_id = name;
            auto done = job(ctx);
            if (!done.ok()) {
                observability::LogError(name + "_failed",
                                        [&](core::JsonWriter& json) { json.Field("error", done.error().message); });
            } else if (*done > 0) {
                observability::LogInfo(name, [&](core::JsonWriter& json) { json.Field("count", *done); });
            }
        }));
}

}  // namespace

core::Result<void> BuildGateway(Application& app) {
    const auto& settings = app.settings.gateway;
    gateway::GatewaySettings gateway_settings;
    gateway_settings.rate_limits = settings.rate_limits;
    auto trusted = http::IpNetworks::Parse(settings.trusted_proxies);
    if (!trusted.ok()) return core::Error::Invalid("gateway.trusted_proxies", trusted.error().fields.at(0).message);
    auto exempt = http::IpNetworks::Parse(settings.exempt_networks);
    if (!exempt.ok()) return core::Error::Invalid("gateway.exempt_networks", exempt.error().fields.at(0).message);
    gateway_settings.trusted_proxies = std::move(trusted).value();
    gateway_settings.exempt_networks = std::move(exempt).value();
    gateway_settings.local_store = app.redis == nullptr;
    auto set_class = [&](gateway::RouteClass route_class, const config::RouteClassLimits& limits) {
        auto& policy = gateway_settings.classes[static_cast<std::size_t>(route_class)];
        policy.rate = {.per_second = limits.rate_per_minute / 60.0, .burst = limits.burst};
        policy.deadline = std::chrono::milliseconds(limits.deadline_ms);
    };
    set_class(gateway::RouteClass::kCheckout, settings.checkout);
    set_class(gateway::RouteClass::kOrders, settings.orders);
    set_class(gateway::RouteClass::kLogin, settings.login);
    set_class(gateway::RouteClass::kBrowse, settings.browse);
    set_class(gateway::RouteClass::kRecommendations, settings.recommendations);
    // kSystem keeps the server's own request timeout.
    gateway_settings.classes[static_cast<std::size_t>(gateway::RouteClass::kSystem)].deadline =
        std::chrono::milliseconds(app.settings.server.request_timeout_ms);
    gateway_settings.load_shedding = settings.load_shedding;
    gateway_settings.shedder.initial_limit = settings.shedding_initial_limit;
    gateway_settings.shedder.min_limit = settings.shedding_min_limit;
    gateway_settings.shedder.max_limit = settings.shedding_max_limit;
    app.gateway = std::make_unique<gateway::Gateway>(std::move(gateway_settings), app.router, *app.rate_limits);
    app.metrics.Add([&app](std::string& out) { app.gateway->RenderMetrics(out); });
    app.resilience->Add(app.gateway->AsComponent());
    return core::Ok();
}

void StartBackgroundWork(Application& app) {
    using std::chrono::hours;
    using std::chrono::milliseconds;
    using std::chrono::seconds;
    app.bus->Start();
    Every(app, seconds(1), "reservations_expired", [&app](const core::RequestContext& ctx) -> Result<int64_t> {
        EMPORIUM_ASSIGN_OR_RETURN(int released, app.inventory->ReleaseExpired(ctx, 500));
        if (released > 0) app.bus->Wake();  // the orders they held get cancelled now
        return released;
    });
    Every(app, milliseconds(500), "payments_retried", [&app](const core::RequestContext& ctx) -> Result<int64_t> {
        EMPORIUM_ASSIGN_OR_RETURN(int retried, app.payments->RetryDue(ctx, 50));
        return retried;
    });
    Every(app, seconds(1), "system_sampled", [&app](const core::RequestContext&) -> Result<int64_t> {
        if (app.system_summary) app.system_summary->Sample();
        return 0;
    });
    if (app.shared_page_cache) app.shared_page_cache->Start();
    if (app.memory_carts) {
        // (Redis expires carts by itself.)
        Every(app, seconds(60), "carts_expired", [&app](const core::RequestContext&) -> Result<int64_t> {
            return app.memory_carts->Sweep(app.clock.NowSeconds());
        });
    }
    Every(app, seconds(60), "events_pruned", [&app](const core::RequestContext&) {
        // Events every consumer has passed (embedded), or the relay has (RabbitMQ holds them then).
        auto prune_passed = [&app](int64_t before) {
            return app.rabbitmq_bus ? app.rabbitmq_bus->PruneRelayed(before) : app.local_bus->PruneDelivered(before);
        };
        return bus::PruneOldEvents(prune_passed, app.outbox_stores, app.clock.NowSeconds());
    });
    if (app.postgres && app.postgres->replica) {
        // The replica's lag (a metric, and whether catalog reads may use it). A failure
        // marks the replica down inside Refresh; it is not logged four times a second.
        Every(app, milliseconds(250), "replica_lag_sampled", [&app](const core::RequestContext& ctx) {
            (void)app.postgres->catalog_reads->Refresh(ctx);
            return Result<int64_t>(0);
        });
    }
    Every(app, hours(1), "order_idempotency_keys_forgotten", [&app](const core::RequestContext& ctx) {
        return orders::ForgetOldIdempotencyKeys(ctx, *app.orders_repository, app.clock.NowSeconds());
    });
    Every(app, hours(1), "payment_idempotency_keys_forgotten", [&app](const core::RequestContext& ctx) {
        return payments::ForgetOldKeyedRequests(ctx, *app.payments_repository, app.clock.NowSeconds());
    });
}

}  // namespace emporium::app

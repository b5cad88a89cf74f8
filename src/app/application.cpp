#include "app/application.hpp"

#include <algorithm>
#include <filesystem>
#include <thread>

#include "app/data_dir_layout.hpp"
#include "bus/http_handlers.hpp"
#include "core/embedded_files.hpp"
#include "core/json_writer.hpp"
#include "http/problem.hpp"
#include "infra/sqlite/outbox.hpp"
#include "observability/log.hpp"
#include "services/cart/cart_service_impl.hpp"
#include "services/cart/http_handlers.hpp"
#include "services/catalog/catalog_service_impl.hpp"
#include "services/home/http_handlers.hpp"
#include "services/inventory/http_handlers.hpp"
#include "services/inventory/inventory_service_impl.hpp"
#include "services/notifications/storage/sqlite_notifications_repository.hpp"
#include "services/orders/event_consumers.hpp"
#include "services/orders/http_handlers.hpp"
#include "services/orders/orders_service_impl.hpp"
#include "services/payments/http_handlers.hpp"
#include "services/payments/payments_service_impl.hpp"
#include "services/payments/psp/paygw_provider.hpp"
#include "services/recommendations/http_handlers.hpp"
#include "services/search/http_handlers.hpp"
#include "services/shipping/http_handlers.hpp"
#include "services/shipping/shipping_service_impl.hpp"
#include "services/users/http_handlers.hpp"
#include "services/users/users_service_impl.hpp"

namespace emporium::app {

using core::Result;

namespace {

std::vector<infra::sqlite::Database*> AllDatabases(Application& app) { return {app.db.get()}; }

void RenderDatabaseMetrics(std::string& out, const std::vector<infra::sqlite::Database*>& databases) {
    using observability::AppendFamilyHeader;
    using observability::AppendSample;
    struct Family {
        const char* name;
        const char* type;
        const char* help;
        int64_t infra::sqlite::DatabaseStats::*field;
    };
    static const Family kFamilies[] = {
        {"emporium_db_pool_read_connections", "gauge", "SQLite read connections in the pool.",
         &infra::sqlite::DatabaseStats::read_connections_total},
        {"emporium_db_pool_read_connections_in_use", "gauge", "SQLite read connections lent out.",
         &infra::sqlite::DatabaseStats::read_connections_in_use},
        {"emporium_db_write_queue_depth", "gauge", "Write jobs waiting for the database's writer.",
         &infra::sqlite::DatabaseStats::write_queue_depth},
        {"emporium_db_write_batches_total", "counter", "Group commits (one fsync each).",
         &infra::sqlite::DatabaseStats::write_batches},
        {"emporium_db_write_jobs_total", "counter", "Write jobs committed or rolled back.",
         &infra::sqlite::DatabaseStats::write_jobs},
        {"emporium_db_pages_written_total", "counter", "Database pages the writer wrote to the WAL.",
         &infra::sqlite::DatabaseStats::pages_written},
    };
    std::vector<std::pair<std::string, infra::sqlite::DatabaseStats>> stats;
    for (const auto* db : databases) stats.emplace_back(db->name(), db->Stats());
    for (const auto& family : kFamilies) {
        AppendFamilyHeader(out, family.name, family.type, family.help);
        for (const auto& [name, s] : stats)
            AppendSample(out, family.name, "database=\"" + name + "\"", s.*(family.field));
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
    if (auto legacy = FindLegacyLayout(settings.storage.data_dir); !legacy.empty())
        return core::Error::Conflict(
            "the data directory " + settings.storage.data_dir + " has a database file per service (" + legacy +
            ", ...), the layout before one database file held every service. Move it into one file with "
            "`emporium migrate-data-dir --data-dir " +
            settings.storage.data_dir + "` (the server stopped; it keeps the old files).");
    EMPORIUM_ASSIGN_OR_RETURN(app->db, OpenEmbeddedDatabase(settings));
    app->order_shards.assign(static_cast<std::size_t>(settings.orders.shards), app->db.get());
    auto& db = *app->db;
    app->users_repository = std::make_unique<users::SqliteUsersRepository>(db);
    app->catalog_repository = std::make_unique<catalog::SqliteCatalogRepository>(db);

    users::PasswordHashSettings hash_settings;
    hash_settings.ops_limit = static_cast<unsigned long long>(settings.security.argon2_ops_limit);
    hash_settings.memory_bytes = static_cast<std::size_t>(settings.security.argon2_memory_kib) * 1024;
    int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    hash_settings.max_concurrent =
        settings.security.max_concurrent_hashes > 0 ? settings.security.max_concurrent_hashes : 2 * cores;
    users::PasswordHasher hasher(hash_settings);
    if (hasher.DummyHash().empty()) return core::Error::Internal("argon2id is not usable with these settings");
    users::UsersSettings users_settings;
    users_settings.session_ttl_seconds = static_cast<int64_t>(settings.security.session_ttl_hours) * 3600;
    app->users = std::make_unique<users::UsersServiceImpl>(*app->users_repository, hasher, app->clock, users_settings);
    auto catalog_service = std::make_unique<catalog::CatalogServiceImpl>(
        *app->catalog_repository, app->clock, static_cast<std::size_t>(settings.catalog.variant_cache_bytes));
    app->catalog_impl = catalog_service.get();
    app->catalog = std::move(catalog_service);
    app->inventory_repository = std::make_unique<inventory::SqliteInventoryRepository>(db);
    app->inventory =
        std::make_unique<inventory::InventoryServiceImpl>(*app->inventory_repository, *app->catalog, app->clock);
    app->cart_store = std::make_unique<cart::MemoryCartStore>();
    app->cart = std::make_unique<cart::CartServiceImpl>(*app->cart_store, *app->catalog, *app->inventory, app->clock,
                                                        cart::CartSettings{});
    app->orders_repository = std::make_unique<orders::SqliteOrdersRepository>(app->order_shards);
    orders::OrdersSettings orders_settings;
    orders_settings.reservation_ttl_seconds = settings.inventory.reservation_ttl_seconds;
    auto orders_service = std::make_unique<orders::OrdersServiceImpl>(
        *app->orders_repository, *app->cart, *app->catalog, *app->inventory, *app->users, app->clock, orders_settings);
    orders::OrdersServiceImpl* orders_service_ptr = orders_service.get();
    app->orders = std::move(orders_service);
    app->payments_repository = std::make_unique<payments::SqlitePaymentsRepository>(db);
    if (!settings.payments.provider_url.empty()) {
        EMPORIUM_ASSIGN_OR_RETURN(auto client, http::HttpClient::Create(settings.payments.provider_url));
        app->payment_provider = std::make_unique<payments::PaygwProvider>(
            std::move(client), std::chrono::milliseconds(settings.payments.provider_timeout_ms));
    }
    auto payments_service = std::make_unique<payments::PaymentsServiceImpl>(
        *app->payments_repository, app->payment_provider.get(), *app->orders, app->clock,
        payments::PaymentsSettings{
            .give_up_after_seconds = settings.payments.give_up_after_seconds,
            .provider_timeout = std::chrono::milliseconds(settings.payments.provider_timeout_ms)});
    orders_service_ptr->SetRefunds(payments_service.get());
    payments::PaymentsServiceImpl* payments_service_ptr = payments_service.get();
    app->payments = std::move(payments_service);
    app->bus = std::make_unique<bus::LocalEventBus>(
        bus::LocalEventBusSettings{.max_attempts = settings.events.max_attempts,
                                   .handler_threads = settings.events.handler_threads},
        app->clock);
    // One outbox: every service appends its events to it in its own transactions.
    app->bus->AddSource("emporium", db);
    app->catalog_impl->SubscribeVariantCacheInvalidation(*app->bus);
    orders::SubscribeOrderConsumers(*app->bus, *app->orders, *app->inventory);
    payments_service_ptr->Subscribe(*app->bus);

    app->shipping_repository = std::make_unique<shipping::SqliteShippingRepository>(db);
    app->shipping =
        std::make_unique<shipping::ShippingServiceImpl>(*app->shipping_repository, *app->orders, app->clock);
    shipping::SubscribeShippingConsumers(*app->bus, *app->shipping);
    if (settings.notifications.smtp_url.empty()) {
        app->mailer = std::make_unique<notifications::MaildirMailer>(
            (std::filesystem::path(settings.storage.data_dir) / "mail").string(), settings.notifications.mail_from);
    } else {
        app->mailer = std::make_unique<notifications::SmtpMailer>(settings.notifications.smtp_url,
                                                                  settings.notifications.mail_from);
    }
    app->notifications_repository = std::make_unique<notifications::SqliteNotificationsRepository>(db);
    app->notifications = std::make_unique<notifications::OrderNotifications>(
        *app->notifications_repository, *app->mailer, *app->users, *app->orders, *app->shipping, app->clock);
    app->notifications->Subscribe(*app->bus);

    app->recommendations_repository = std::make_unique<recommendations::SqliteRecommendationsRepository>(db);
    app->recommendations = std::make_unique<recommendations::RecommendationsService>(
        *app->recommendations_repository, *app->catalog, app->clock,
        recommendations::RecommendationsSettings{settings.recommendations.enabled,
                                                 settings.recommendations.trending_window_hours});
    app->recommendations->Subscribe(*app->bus);

    cache::MemoryCacheSettings cache_settings;
    cache_settings.max_bytes = static_cast<std::size_t>(settings.cache.max_bytes);
    cache_settings.ttl = std::chrono::milliseconds(settings.cache.ttl_ms);
    cache_settings.stale_for = std::chrono::milliseconds(settings.cache.stale_ms);
    app->page_cache = std::make_unique<cache::MemoryCache>(
        cache_settings, std::vector<std::string>{std::string(catalog::kProductPages), std::string(catalog::kListPages),
                                                 std::string(catalog::kHomePages), std::string(search::kSearchPages)});
    app->pages = std::make_unique<cache::CacheAside>(*app->page_cache);
    catalog::SubscribeCacheInvalidation(*app->bus, *app->page_cache);
    return app;
}

core::Result<void> OpenSearch(Application& app) {
    auto directory = (std::filesystem::path(app.settings.storage.data_dir) / "search").string();
    EMPORIUM_ASSIGN_OR_RETURN(app.search_index, search::XapianSearchIndex::Open(directory));
    app.search_indexer = std::make_unique<search::ProductIndexer>(
        *app.search_index, *app.catalog, *app.inventory,
        // Cached search answers are dropped once the index has the change, not before.
        [cache = app.page_cache.get()] { cache->InvalidateNamespace(search::kSearchPages); });
    app.search_indexer->Subscribe(*app.bus);
    app.search = std::make_unique<search::SearchService>(*app.search_index, *app.catalog);
    app.home = std::make_unique<home::HomeService>(*app.catalog, *app.search, *app.recommendations);
    return core::Ok();
}

core::Result<int64_t> RebuildSearchIndex(Application& app) {
    if (!app.search_indexer) return core::Error::Internal("the search index is not open");
    auto started = std::chrono::steady_clock::now();
    auto indexed = app.search_indexer->Rebuild([](int64_t done) {
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
    app.router.Add(Method::kGet, "/health/ready", Access::kPublic, [&app](Request& request) {
        std::string checks;
        core::JsonWriter json(checks);
        json.BeginObject();
        bool ready = true;
        for (auto* db : AllDatabases(app)) {
            auto ping = db->Ping();
            ready = ready && ping.ok();
            json.Field(db->name() + "_db", ping.ok() ? "ok" : "failing");
        }
        json.EndObject();
        Response response;
        if (ready) {
            response = Response::Json(200, "{\"status\":\"ok\",\"checks\":" + checks + "}");
        } else {
            response = http::ProblemResponse(core::Error::Unavailable("A database is not answering."), request.path);
        }
        response.SetHeader("Cache-Control", "no-store");
        return response;
    });
    app.router.Add(
        Method::kGet, "/metrics", Access::kPublic,
        [&app](Request&) {
            Response response = Response::Json(200, app.metrics.Render());
            response.content_type = "text/plain; version=0.0.4; charset=utf-8";
            response.SetHeader("Cache-Control", "no-store");
            return response;
        },
        Execution::kInline);
    app.router.Add(
        Method::kGet, "/api/openapi.json", Access::kPublic,
        [](Request&) {
            Response response =
                Response::Json(200, std::string(core::FindEmbeddedFile("api/openapi.json").value_or("{}")));
            response.SetHeader("Cache-Control", "public, max-age=300");
            return response;
        },
        Execution::kInline);

    users::RegisterUsersRoutes(app.router, *app.users, [&app](const Request& request, const users::Session& session) {
        // A guest who logs in keeps what was in the guest cart.
        if (auto token = request.Header("x-cart-token"); !token.empty())
            (void)app.cart->MergeGuestCart(request.context, token, session.user.id);
    });

    catalog::CatalogHttpSettings catalog_settings;
    catalog_settings.cache_max_age_seconds = app.settings.catalog.cache_max_age_seconds;
    catalog::RegisterCatalogRoutes(app.router, *app.catalog, catalog_settings, *app.pages);
    app.metrics.Add([&app](std::string& out) {
        app.pages->RenderMetrics(out, "pages");
        auto variants = app.catalog_impl->VariantCacheStats();
        using observability::AppendFamilyHeader;
        using observability::AppendSample;
        AppendFamilyHeader(out, "emporium_catalog_variant_cache_hits_total", "counter",
                           "Variant lookups by SKU answered from memory.");
        AppendSample(out, "emporium_catalog_variant_cache_hits_total", "", static_cast<int64_t>(variants.hits));
        AppendFamilyHeader(out, "emporium_catalog_variant_cache_misses_total", "counter",
                           "Variant lookups that read the catalog database.");
        AppendSample(out, "emporium_catalog_variant_cache_misses_total", "", static_cast<int64_t>(variants.misses));
        AppendFamilyHeader(out, "emporium_catalog_variant_cache_evictions_total", "counter",
                           "Variants evicted to stay within catalog.variant_cache_bytes.");
        AppendSample(out, "emporium_catalog_variant_cache_evictions_total", "",
                     static_cast<int64_t>(variants.evictions));
        AppendFamilyHeader(out, "emporium_catalog_variant_cache_entries", "gauge", "Variants held in memory.");
        AppendSample(out, "emporium_catalog_variant_cache_entries", "", variants.entries);
        AppendFamilyHeader(out, "emporium_catalog_variant_cache_bytes", "gauge", "Bytes of the variants held.");
        AppendSample(out, "emporium_catalog_variant_cache_bytes", "", variants.bytes);
    });

    inventory::RegisterInventoryRoutes(app.router, *app.inventory);
    cart::RegisterCartRoutes(app.router, *app.cart);
    orders::RegisterOrdersRoutes(app.router, *app.orders);
    payments::RegisterPaymentsRoutes(app.router, *app.payments, app.settings.payments.webhook_secret, app.clock);
    shipping::RegisterShippingRoutes(app.router, *app.shipping);
    bus::RegisterDeadLetterRoutes(app.router, *app.bus);
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
        RenderDatabaseMetrics(out, AllDatabases(app));
        observability::AppendFamilyHeader(out, "emporium_carts", "gauge", "Carts held in memory.");
        observability::AppendSample(out, "emporium_carts", "", app.cart_store->Size());
    });
}

void StartBackgroundWork(Application& app) {
    app.bus->Start();
    app.background.push_back(std::make_unique<runtime::PeriodicTask>(std::chrono::seconds(1), [&app] {
        core::RequestContext ctx;
        auto released = app.inventory->ReleaseExpired(ctx, 500);
        if (!released.ok()) {
            observability::LogError("reservation_sweep_failed",
                                    [&](core::JsonWriter& json) { json.Field("error", released.error().message); });
        } else if (*released > 0) {
            observability::LogInfo("reservations_expired",
                                   [&](core::JsonWriter& json) { json.Field("count", *released); });
            app.bus->Wake();
        }
    }));
    app.background.push_back(std::make_unique<runtime::PeriodicTask>(
        std::chrono::seconds(60), [&app] { app.cart_store->Sweep(app.clock.NowSeconds()); }));
    // Delivered events are kept a day (for operators, and for a new consumer to catch up
    // on), then deleted with the consumers' records of having handled them.
    app.background.push_back(std::make_unique<runtime::PeriodicTask>(std::chrono::seconds(60), [&app] {
        constexpr int64_t kEventRetentionSeconds = 24 * 3600;
        int64_t before = app.clock.NowSeconds() - kEventRetentionSeconds;
        auto pruned = app.bus->PruneDelivered(before);
        if (pruned.ok()) (void)infra::sqlite::PruneHandledEvents(*app.db, before);
        if (!pruned.ok())
            observability::LogError("event_prune_failed",
                                    [&](core::JsonWriter& json) { json.Field("error", pruned.error().message); });
        else if (*pruned > 0)
            observability::LogInfo("events_pruned", [&](core::JsonWriter& json) { json.Field("events", *pruned); });
    }));
    // Idempotency keys (orders, keyed payment requests) are remembered for a day, like a
    // payment provider's: a retry comes within minutes, and the tables must not grow forever.
    app.background.push_back(std::make_unique<runtime::PeriodicTask>(std::chrono::hours(1), [&app] {
        constexpr int64_t kIdempotencyRetentionSeconds = 24 * 3600;
        int64_t before = app.clock.NowSeconds() - kIdempotencyRetentionSeconds;
        int64_t forgotten = 0;
        std::string error;
        for (int shard = 0; shard < app.orders_repository->ShardCount(); ++shard) {
            auto pruned = app.orders_repository->PruneIdempotency(shard, before);
            if (pruned.ok())
                forgotten += *pruned;
            else
                error = pruned.error().message;
        }
        auto pruned = app.payments_repository->PruneKeyedRequests(before);
        if (pruned.ok())
            forgotten += *pruned;
        else
            error = pruned.error().message;
        if (!error.empty())
            observability::LogError("idempotency_prune_failed",
                                    [&](core::JsonWriter& json) { json.Field("error", error); });
        else if (forgotten > 0)
            observability::LogInfo("idempotency_keys_pruned",
                                   [&](core::JsonWriter& json) { json.Field("keys", forgotten); });
    }));
    app.background.push_back(std::make_unique<runtime::PeriodicTask>(std::chrono::milliseconds(500), [&app] {
        auto retried = app.payments->RetryDue(core::RequestContext{}, 50);
        if (!retried.ok())
            observability::LogError("payment_retry_sweep_failed",
                                    [&](core::JsonWriter& json) { json.Field("error", retried.error().message); });
    }));
}

}  // namespace emporium::app

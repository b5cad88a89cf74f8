#pragma once

#include <memory>
#include <string>

#include "app/postgres_servers.hpp"
#include "bus/rabbitmq/rabbitmq_event_bus.hpp"
#include "bus/storage/local_event_bus.hpp"
#include "bus/storage/outbox_store.hpp"
#include "cache/cache_aside.hpp"
#include "cache/memory_cache.hpp"
#include "cache/redis_cache.hpp"
#include "config/settings.hpp"
#include "console/system_summary.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "gateway/gateway.hpp"
#include "gateway/static_files.hpp"
#include "http/router.hpp"
#include "infra/redis/client.hpp"
#include "infra/sqlite/database.hpp"
#include "observability/health.hpp"
#include "observability/metrics.hpp"
#include "resilience/bulkhead.hpp"
#include "resilience/fault_switches.hpp"
#include "resilience/rate_limit_store.hpp"
#include "resilience/registry.hpp"
#include "runtime/periodic_task.hpp"
#include "services/cart/cart_service.hpp"
#include "services/cart/storage/memory_cart_store.hpp"
#include "services/catalog/catalog_repository.hpp"
#include "services/catalog/catalog_service.hpp"
#include "services/catalog/catalog_service_impl.hpp"
#include "services/catalog/http_handlers.hpp"
#include "services/home/home_service.hpp"
#include "services/inventory/inventory_repository.hpp"
#include "services/inventory/inventory_service.hpp"
#include "services/notifications/mailer.hpp"
#include "services/notifications/notifications.hpp"
#include "services/orders/orders_repository.hpp"
#include "services/orders/orders_service.hpp"
#include "services/payments/payments_repository.hpp"
#include "services/payments/payments_service.hpp"
#include "services/payments/payments_service_impl.hpp"
#include "services/payments/psp/payment_provider.hpp"
#include "services/recommendations/recommendations_repository.hpp"
#include "services/recommendations/recommendations_service.hpp"
#include "services/search/product_indexer.hpp"
#include "services/search/search_service.hpp"
#include "services/search/xapian/xapian_search_index.hpp"
#include "services/shipping/shipping_repository.hpp"
#include "services/shipping/shipping_service.hpp"
#include "services/users/login_guard.hpp"
#include "services/users/session_cache.hpp"
#include "services/users/users_repository.hpp"
#include "services/users/users_service.hpp"

namespace emporium::app {

// The composition root: every service in this process, each reaching only its own tables
// through its own repository, on one of two storage deployments —
//   embedded: all tables in one SQLite database file in the data directory (one writer,
//     one group-commit stream);
//   distributed: PostgreSQL servers (postgres.primary set): a primary, its streaming
//     replica for catalog reads, and order shard servers.
// The only place that knows which concrete adapters exist.
struct Application {
    config::Settings settings;
    core::SystemClock clock;
    observability::MetricsRegistry metrics;
    observability::HealthChecks health;  // GET /health/ready
    // Fault injection's switches, one per dependency (all off; settable at run time only when
    // [admin] fault_injection is on), and the bulkheads around the dependencies. Before the
    // services, whose guarded ports use them, so they outlive those.
    resilience::FaultSwitches faults;
    std::unique_ptr<resilience::Bulkhead> payment_provider_bulkhead;
    std::unique_ptr<resilience::Bulkhead> search_bulkhead;
    std::unique_ptr<resilience::Bulkhead> recommendations_bulkhead;
    // What GET /api/v1/admin/resilience shows and /metrics exposes: the bulkheads, the
    // payment provider's circuit breaker, the fault switches; the gateway adds its own.
    std::unique_ptr<resilience::Registry> resilience;
    // The admin console's live system view (GET /api/v1/admin/system), sampled every second.
    std::unique_ptr<console::SystemSummary> system_summary;

    // Embedded: data_dir/emporium.db, every service's schema and the event bus's tables;
    // the order shard map points every logical shard at it. Null when on PostgreSQL.
    std::unique_ptr<infra::sqlite::Database> db;
    std::vector<infra::sqlite::Database*> order_shards;
    // Distributed: the PostgreSQL servers and their order shard map. Null when embedded.
    std::unique_ptr<PostgresServers> postgres;
    std::unique_ptr<users::UsersRepository> users_repository;
    std::unique_ptr<catalog::CatalogRepository> catalog_repository;
    std::unique_ptr<inventory::InventoryRepository> inventory_repository;
    // Distributed: the Redis server of carts, the shared page cache and rate-limit counters.
    // Null when embedded (all three in memory).
    std::unique_ptr<infra::redis::Client> redis;
    std::unique_ptr<cart::CartStore> cart_store;
    cart::MemoryCartStore* memory_carts = nullptr;  // = cart_store when in memory: it sweeps
    std::unique_ptr<resilience::RateLimitStore> rate_limits;
    std::unique_ptr<gateway::Gateway> gateway;  // built by BuildGateway, once the routes are in
    std::unique_ptr<orders::OrdersRepository> orders_repository;
    std::unique_ptr<payments::PaymentsRepository> payments_repository;
    // Null when not configured; else the paygw adapter behind its bulkhead and fault switch.
    std::unique_ptr<payments::PaymentProvider> payment_provider;
    std::unique_ptr<shipping::ShippingRepository> shipping_repository;
    std::unique_ptr<notifications::Mailer> mailer;
    std::unique_ptr<notifications::NotificationsRepository> notifications_repository;
    std::unique_ptr<users::LoginGuard> login_guard;
    std::unique_ptr<users::UsersService> users_uncached;
    std::unique_ptr<users::UsersServiceWithSessionCache> users;  // what every caller uses
    std::unique_ptr<catalog::CatalogService> catalog;
    catalog::CatalogServiceImpl* catalog_impl = nullptr;  // = catalog: its variant cache's metrics
    std::unique_ptr<inventory::InventoryService> inventory;
    std::unique_ptr<cart::CartService> cart;
    std::unique_ptr<orders::OrdersService> orders;
    std::unique_ptr<payments::PaymentsService> payments;
    payments::PaymentsServiceImpl* payments_impl = nullptr;  // = payments: its circuit breaker
    std::unique_ptr<shipping::ShippingService> shipping;
    std::unique_ptr<notifications::OrderNotifications> notifications;
    std::unique_ptr<recommendations::RecommendationsRepository> recommendations_repository;
    // Behind its bulkhead and fault switch (the service itself inside).
    std::unique_ptr<recommendations::RecommendationsService> recommendations;
    // Ready-to-send public pages (product, list, search, home), shared by their routes.
    std::unique_ptr<cache::Cache> page_cache;
    cache::RedisCache* shared_page_cache = nullptr;   // = page_cache when on Redis
    std::unique_ptr<cache::Cache> faulty_page_cache;  // page_cache with its fault switch: what `pages` reads
    std::unique_ptr<cache::CacheAside> pages;
    // Opened by OpenSearch (not every command may hold the index's write lock).
    std::unique_ptr<search::XapianSearchIndex> search_index;
    std::unique_ptr<search::ProductIndexer> search_indexer;
    std::unique_ptr<search::SearchService> search;  // behind its bulkhead and fault switch
    std::unique_ptr<home::HomeService> home;
    // The outboxes the bus delivers from: the one file's, or each PostgreSQL server's.
    std::vector<std::unique_ptr<bus::OutboxStore>> outbox_stores;
    // After the databases, outboxes and consumers: destroyed (and stopped) before them. The
    // outbox dispatcher (embedded), or RabbitMQ when [rabbitmq] url is set; exactly one of
    // the two pointers below names it.
    std::unique_ptr<bus::EventBus> bus;
    bus::LocalEventBus* local_bus = nullptr;
    bus::RabbitMqEventBus* rabbitmq_bus = nullptr;

    // The storefront compiled into the binary; the router's page and asset routes point at it.
    std::unique_ptr<gateway::StaticFiles> static_files;
    http::Router router;

    // Background sweepers, last so they stop first.
    std::vector<std::unique_ptr<runtime::PeriodicTask>> background;
};

// Opens (and migrates) the databases and builds the services. Embedded, refuses a data
// directory of the earlier layout (a database file per service) with a message naming the
// command that moves it into one file (emporium migrate-data-dir).
core::Result<std::unique_ptr<Application>> OpenApplication(const config::Settings& settings);

// Opens the search index (data_dir/search; one process at a time holds its write lock),
// subscribes its indexer to the bus and builds what reads it (search, home). Call before
// StartBackgroundWork.
core::Result<void> OpenSearch(Application& app);
// Indexes every active product again (`emporium reindex`, after a seed, or at start-up
// when the index is empty but the catalog is not). Returns the number of documents.
core::Result<int64_t> RebuildSearchIndex(Application& app);

// Registers every HTTP route: health, metrics, OpenAPI, users, catalog, inventory, cart,
// orders, payments, shipping, dead letters, and search when it is open.
void RegisterRoutes(Application& app);

// The gateway's admission policy (rate limits, load shedding, deadlines) over the routes
// registered so far. Call after RegisterRoutes.
core::Result<void> BuildGateway(Application& app);

// Starts what a serving process runs beside requests: the event bus dispatcher, the
// reservation-expiry and cart-expiry sweepers.
void StartBackgroundWork(Application& app);

}  // namespace emporium::app

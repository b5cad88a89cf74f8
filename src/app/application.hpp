#pragma once

#include <memory>
#include <string>

#include "bus/storage/local_event_bus.hpp"
#include "cache/cache_aside.hpp"
#include "cache/memory_cache.hpp"
#include "config/settings.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "http/router.hpp"
#include "infra/sqlite/database.hpp"
#include "observability/health.hpp"
#include "observability/metrics.hpp"
#include "runtime/periodic_task.hpp"
#include "services/cart/cart_service.hpp"
#include "services/cart/storage/memory_cart_store.hpp"
#include "services/catalog/catalog_service.hpp"
#include "services/catalog/catalog_service_impl.hpp"
#include "services/catalog/http_handlers.hpp"
#include "services/catalog/storage/sqlite_catalog_repository.hpp"
#include "services/home/home_service.hpp"
#include "services/inventory/inventory_service.hpp"
#include "services/inventory/storage/sqlite_inventory_repository.hpp"
#include "services/notifications/mailer.hpp"
#include "services/notifications/notifications.hpp"
#include "services/orders/orders_service.hpp"
#include "services/orders/storage/sqlite_orders_repository.hpp"
#include "services/payments/payments_service.hpp"
#include "services/payments/psp/payment_provider.hpp"
#include "services/payments/storage/sqlite_payments_repository.hpp"
#include "services/recommendations/recommendations_service.hpp"
#include "services/recommendations/storage/sqlite_recommendations_repository.hpp"
#include "services/search/product_indexer.hpp"
#include "services/search/search_service.hpp"
#include "services/search/xapian/xapian_search_index.hpp"
#include "services/shipping/shipping_service.hpp"
#include "services/shipping/storage/sqlite_shipping_repository.hpp"
#include "services/users/storage/sqlite_users_repository.hpp"
#include "services/users/users_service.hpp"

namespace emporium::app {

// The composition root of the embedded deployment: every service in this process, all of
// their tables in one SQLite database file in the data directory (one writer, one
// group-commit stream), each service still reaching only its own tables through its own
// repository. The only place that knows which concrete adapters exist.
struct Application {
    config::Settings settings;
    core::SystemClock clock;
    observability::MetricsRegistry metrics;
    observability::HealthChecks health;  // GET /health/ready

    // data_dir/emporium.db: every service's schema and the event bus's tables.
    std::unique_ptr<infra::sqlite::Database> db;
    // The order shard map: logical shard (named by every order id) → physical store. All
    // of them are `db` in the embedded deployment.
    std::vector<infra::sqlite::Database*> order_shards;
    std::unique_ptr<users::SqliteUsersRepository> users_repository;
    std::unique_ptr<catalog::SqliteCatalogRepository> catalog_repository;
    std::unique_ptr<inventory::SqliteInventoryRepository> inventory_repository;
    std::unique_ptr<cart::MemoryCartStore> cart_store;
    std::unique_ptr<orders::SqliteOrdersRepository> orders_repository;
    std::unique_ptr<payments::SqlitePaymentsRepository> payments_repository;
    std::unique_ptr<payments::PaymentProvider> payment_provider;  // null when not configured
    std::unique_ptr<shipping::SqliteShippingRepository> shipping_repository;
    std::unique_ptr<notifications::Mailer> mailer;
    std::unique_ptr<notifications::NotificationsRepository> notifications_repository;
    std::unique_ptr<users::UsersService> users;
    std::unique_ptr<catalog::CatalogService> catalog;
    catalog::CatalogServiceImpl* catalog_impl = nullptr;  // = catalog: its variant cache's metrics
    std::unique_ptr<inventory::InventoryService> inventory;
    std::unique_ptr<cart::CartService> cart;
    std::unique_ptr<orders::OrdersService> orders;
    std::unique_ptr<payments::PaymentsService> payments;
    std::unique_ptr<shipping::ShippingService> shipping;
    std::unique_ptr<notifications::OrderNotifications> notifications;
    std::unique_ptr<recommendations::SqliteRecommendationsRepository> recommendations_repository;
    std::unique_ptr<recommendations::RecommendationsService> recommendations;
    // Ready-to-send public pages (product, list, search, home), shared by their routes.
    std::unique_ptr<cache::MemoryCache> page_cache;
    std::unique_ptr<cache::CacheAside> pages;
    // Opened by OpenSearch (not every command may hold the index's write lock).
    std::unique_ptr<search::XapianSearchIndex> search_index;
    std::unique_ptr<search::ProductIndexer> search_indexer;
    std::unique_ptr<search::SearchService> search;
    std::unique_ptr<home::HomeService> home;
    // The bus's reads and writes of db's outbox.
    std::unique_ptr<bus::OutboxStore> outbox;
    // After the databases and the consumers: destroyed (and stopped) before them.
    std::unique_ptr<bus::LocalEventBus> bus;

    http::Router router;

    // Background sweepers, last so they stop first.
    std::vector<std::unique_ptr<runtime::PeriodicTask>> background;
};

// Opens (and migrates) the database and builds the services. Refuses a data directory of
// the earlier layout (a database file per service) with a message naming the command that
// moves it into one file (emporium migrate-data-dir).
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

// Starts what a serving process runs beside requests: the event bus dispatcher, the
// reservation-expiry and cart-expiry sweepers.
void StartBackgroundWork(Application& app);

}  // namespace emporium::app

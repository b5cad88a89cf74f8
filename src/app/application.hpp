#pragma once

#include <memory>
#include <string>

#include "config/settings.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "http/router.hpp"
#include "infra/sqlite/database.hpp"
#include "observability/metrics.hpp"
#include "services/catalog/catalog_service.hpp"
#include "services/catalog/http_handlers.hpp"
#include "services/catalog/storage/sqlite_catalog_repository.hpp"
#include "services/users/storage/sqlite_users_repository.hpp"
#include "services/users/users_service.hpp"

namespace emporium::app {

// The composition root of the embedded deployment: every service in this process, each
// over its own SQLite database in the data directory. The only place that knows which
// concrete adapters exist.
struct Application {
    config::Settings settings;
    core::SystemClock clock;
    observability::MetricsRegistry metrics;

    std::unique_ptr<infra::sqlite::Database> users_db;
    std::unique_ptr<infra::sqlite::Database> catalog_db;
    std::unique_ptr<users::SqliteUsersRepository> users_repository;
    std::unique_ptr<catalog::SqliteCatalogRepository> catalog_repository;
    std::unique_ptr<users::UsersService> users;
    std::unique_ptr<catalog::CatalogService> catalog;

    http::Router router;
    std::shared_ptr<catalog::CatalogPageCache> page_cache;
};

// Opens (and migrates) the databases and builds the services.
core::Result<std::unique_ptr<Application>> OpenApplication(const config::Settings& settings);

// Registers every HTTP route: health, metrics, OpenAPI, users, catalog.
void RegisterRoutes(Application& app);

}  // namespace emporium::app

#pragma once

#include <cctype>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/random.hpp"
#include "core/result.hpp"
#include "infra/postgres/connection.hpp"
#include "infra/postgres/database.hpp"

namespace emporium::testing {

// The tests' PostgreSQL server (started by ctest's engines.postgres_start fixture), as a libpq
// conninfo naming its `postgres` database; nullopt when the tests run without it.
inline std::optional<std::string> TestPostgresServer() {
    const char* conninfo = std::getenv("EMPORIUM_TEST_POSTGRES");
    if (!conninfo || !*conninfo) return std::nullopt;
    return std::string(conninfo);
}

// The streaming replica of the tests' server (engines.postgres_start starts both).
inline std::optional<std::string> TestPostgresReplica() {
    const char* conninfo = std::getenv("EMPORIUM_TEST_POSTGRES_REPLICA");
    if (!conninfo || !*conninfo) return std::nullopt;
    return std::string(conninfo);
}

// A database of its own on the tests' server, created empty and dropped (with whatever is
// still connected to it) when this goes.
class TestPostgresDatabase {
  public:
    static core::Result<std::unique_ptr<TestPostgresDatabase>> Create() {
        auto server = TestPostgresServer();
        if (!server) return core::Error::Unavailable("EMPORIUM_TEST_POSTGRES is not set (run the tests with ctest)");
        std::string name = "t_" + core::RandomToken(12);
        for (auto& c : name)
            if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        EMPORIUM_ASSIGN_OR_RETURN(auto admin, infra::postgres::Connection::Open({.conninfo = *server}));
        EMPORIUM_TRY(admin->ExecuteScript("CREATE DATABASE " + name));
        return std::unique_ptr<TestPostgresDatabase>(new TestPostgresDatabase(*server, name));
    }
    ~TestPostgresDatabase() {
        auto admin = infra::postgres::Connection::Open({.conninfo = server_});
        if (admin.ok()) (void)(*admin)->ExecuteScript("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    }
    // The conninfo of this database.
    std::string conninfo() const { return server_ + " dbname=" + name_; }
    // The same database on the tests' replica (it arrives there shortly after creation).
    std::optional<std::string> replica_conninfo() const {
        auto replica = TestPostgresReplica();
        if (!replica) return std::nullopt;
        return *replica + " dbname=" + name_;
    }

  private:
    TestPostgresDatabase(std::string server, std::string name) : server_(std::move(server)), name_(std::move(name)) {}
    std::string server_;
    std::string name_;
};

// Opens a pool of a few connections on a fresh test database with `schemas`' migrations.
inline core::Result<std::unique_ptr<infra::postgres::Database>> OpenTestPostgres(
    const TestPostgresDatabase& database, const std::vector<std::string>& schemas, int connections = 4) {
    infra::postgres::DatabaseOptions options;
    options.name = "test";
    options.conninfo = database.conninfo();
    options.connections = connections;
    options.migrations = infra::postgres::EmbeddedMigrations(schemas);
    return infra::postgres::Database::Open(std::move(options));
}

}  // namespace emporium::testing

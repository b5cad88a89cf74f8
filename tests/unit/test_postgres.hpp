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

// EMPORIUM_TEST_POSTGRES names the tests' servers (ctest's engines.postgres_start fixture
// starts them) as "PRIMARY | REPLICA", each a libpq conninfo of its `postgres` database.
inline std::optional<std::string> TestServerPart(int part) {
    const char* value = std::getenv("EMPORIUM_TEST_POSTGRES");
    if (!value || !*value) return std::nullopt;
    std::string text(value);
    auto bar = text.find(" | ");
    std::string chosen = part == 0 ? text.substr(0, bar) : (bar == std::string::npos ? "" : text.substr(bar + 3));
    if (chosen.empty()) return std::nullopt;
    return chosen;
}

// The tests' PostgreSQL server; nullopt when the tests run without it.
inline std::optional<std::string> TestPostgresServer() { return TestServerPart(0); }

// Its streaming replica.
inline std::optional<std::string> TestPostgresReplica() { return TestServerPart(1); }

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

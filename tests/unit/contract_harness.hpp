#pragma once

// What the storage ports' contract suites share: an adapter under test, named, with what it
// needs kept alive, and the factories of the kinds of adapter: SQLite over a fresh test
// database, PostgreSQL over a fresh database on the tests' server, and the in-memory fake.

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/random.hpp"
#include "core/result.hpp"
#include "infra/postgres/database.hpp"
#include "infra/sqlite/database.hpp"
#include "temp_dir.hpp"
#include "test_database.hpp"
#include "test_postgres.hpp"

namespace emporium::testing {

// A repository with what it needs alive; members go in reverse order (repository first).
template <typename Port>
struct ContractSubject {
    std::unique_ptr<TempDir> dir;
    std::unique_ptr<infra::sqlite::Database> db;
    std::unique_ptr<TestPostgresDatabase> pg_database;  // dropped after the pool closed
    std::unique_ptr<infra::postgres::Database> pg;
    std::shared_ptr<void> extra;  // whatever else an adapter needs alive (a replica's pool, …)
    std::unique_ptr<Port> repository;
};

template <typename Port>
struct ContractAdapter {
    std::string name;
    bool checks_deadline = false;  // refuses work whose deadline has passed
    std::function<ContractSubject<Port>()> make;
};

// Failure messages name the adapter instead of dumping its bytes.
template <typename Port>
void PrintTo(const ContractAdapter<Port>& adapter, std::ostream* os) {
    *os << adapter.name;
}

// The SQLite adapter `Adapter` of `Port` over a fresh database with the migrations of
// `schemas` (e.g. {"users", "bus"}).
template <typename Port, typename Adapter>
ContractAdapter<Port> SqliteContractAdapter(std::string service, std::vector<std::string> schemas) {
    return {"sqlite", true, [service, schemas] {
                ContractSubject<Port> subject;
                if (!core::InitCrypto()) ADD_FAILURE() << "crypto";
                subject.dir = std::make_unique<TempDir>("emporium-" + service + "-contract-");
                auto db = OpenTestDatabase(subject.dir->path(), service, infra::sqlite::EmbeddedMigrations(schemas));
                if (!db.ok()) {
                    ADD_FAILURE() << db.error().message;
                    return subject;
                }
                subject.db = std::move(db).value();
                subject.repository = std::make_unique<Adapter>(*subject.db);
                return subject;
            }};
}

// The PostgreSQL adapter `Adapter` of `Port` over a fresh database on the tests' server with
// the migrations of `schemas` (schemas/postgres/).
template <typename Port, typename Adapter>
ContractAdapter<Port> PostgresContractAdapter(std::vector<std::string> schemas) {
    return {"postgres", true, [schemas] {
                ContractSubject<Port> subject;
                if (!core::InitCrypto()) ADD_FAILURE() << "crypto";
                auto database = TestPostgresDatabase::Create();
                if (!database.ok()) {
                    ADD_FAILURE() << database.error().message;
                    return subject;
                }
                subject.pg_database = std::move(database).value();
                auto pool = OpenTestPostgres(*subject.pg_database, schemas);
                if (!pool.ok()) {
                    ADD_FAILURE() << pool.error().message;
                    return subject;
                }
                subject.pg = std::move(pool).value();
                subject.repository = std::make_unique<Adapter>(*subject.pg);
                return subject;
            }};
}

// The in-memory fake `Fake` of `Port` (it refuses an expired deadline as the SQLite adapters do).
template <typename Port, typename Fake>
ContractAdapter<Port> MemoryContractAdapter() {
    return {"memory", true, [] {
                ContractSubject<Port> subject;
                subject.repository = std::make_unique<Fake>();
                return subject;
            }};
}

// The error code of a failed result; nullopt when it succeeded.
template <typename T>
std::optional<core::ErrorCode> CodeOf(const core::Result<T>& result) {
    if (result.ok()) return std::nullopt;
    return result.error().code;
}

}  // namespace emporium::testing

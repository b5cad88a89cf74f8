#pragma once

// The databases the embedded bus's tests run over, one per OutboxStore adapter: a source
// database with the bus tables, its store, and what a producer and a consumer of it do
// (append events, record handled ones) in transactions of their own.

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "bus/event.hpp"
#include "bus/storage/outbox_store.hpp"
#include "bus/storage/postgres_outbox_store.hpp"
#include "bus/storage/sqlite_outbox_store.hpp"
#include "core/result.hpp"
#include "infra/postgres/outbox.hpp"
#include "infra/sqlite/outbox.hpp"
#include "temp_dir.hpp"
#include "test_database.hpp"
#include "test_postgres.hpp"

namespace emporium::testing {

class OutboxBackend {
  public:
    virtual ~OutboxBackend() = default;
    virtual bus::OutboxStore& store() = 0;
    // Closes and opens the database again, as a restarted process does; the store changes.
    virtual core::Result<void> Reopen() = 0;
    // Appends `event` in a transaction of its own, as a producer does.
    virtual core::Result<void> Publish(const bus::Event& event) = 0;
    // The consumer side of idempotency (infra MarkHandled), in a transaction of its own.
    virtual core::Result<bool> MarkHandled(const std::string& consumer, const std::string& event_id, int64_t now) = 0;
};

class SqliteOutboxBackend final : public OutboxBackend {
  public:
    static core::Result<std::unique_ptr<OutboxBackend>> Open() {
        auto backend = std::make_unique<SqliteOutboxBackend>();
        EMPORIUM_TRY(backend->Reopen());
        return std::unique_ptr<OutboxBackend>(std::move(backend));
    }
    ~SqliteOutboxBackend() override {
        store_.reset();
        db_.reset();
    }
    bus::OutboxStore& store() override { return *store_; }
    core::Result<void> Reopen() override {
        store_.reset();
        db_.reset();
        EMPORIUM_ASSIGN_OR_RETURN(db_,
                                  OpenTestDatabase(dir_.path(), "source", infra::sqlite::EmbeddedMigrations("bus")));
        store_ = std::make_unique<bus::SqliteOutboxStore>(*db_);
        return core::Ok();
    }
    core::Result<void> Publish(const bus::Event& event) override {
        return db_->Write<void>([&](infra::sqlite::Connection& c) { return infra::sqlite::AppendToOutbox(c, event); });
    }
    core::Result<bool> MarkHandled(const std::string& consumer, const std::string& event_id, int64_t now) override {
        return db_->Write<bool>(
            [&](infra::sqlite::Connection& c) { return infra::sqlite::MarkHandled(c, consumer, event_id, now); });
    }

  private:
    TempDir dir_{"emporium-bus-test-"};
    std::unique_ptr<infra::sqlite::Database> db_;
    std::unique_ptr<bus::SqliteOutboxStore> store_;
};

class PostgresOutboxBackend final : public OutboxBackend {
  public:
    static core::Result<std::unique_ptr<OutboxBackend>> Open() {
        auto backend = std::make_unique<PostgresOutboxBackend>();
        EMPORIUM_ASSIGN_OR_RETURN(backend->database_, TestPostgresDatabase::Create());
        EMPORIUM_TRY(backend->Reopen());
        return std::unique_ptr<OutboxBackend>(std::move(backend));
    }
    ~PostgresOutboxBackend() override {
        store_.reset();
        db_.reset();  // before the database is dropped
    }
    bus::OutboxStore& store() override { return *store_; }
    core::Result<void> Reopen() override {
        store_.reset();
        db_.reset();
        EMPORIUM_ASSIGN_OR_RETURN(db_, OpenTestPostgres(*database_, {"bus"}));
        store_ = std::make_unique<bus::PostgresOutboxStore>(*db_);
        return core::Ok();
    }
    core::Result<void> Publish(const bus::Event& event) override {
        return db_->Write<void>(core::RequestContext{}, [&](infra::postgres::Connection& c) -> core::Result<void> {
            infra::postgres::AppendToOutbox(c, event);
            return core::Ok();
        });
    }
    core::Result<bool> MarkHandled(const std::string& consumer, const std::string& event_id, int64_t now) override {
        return db_->Write<bool>(core::RequestContext{}, [&](infra::postgres::Connection& c) {
            return infra::postgres::MarkHandled(c, consumer, event_id, now);
        });
    }
    // The pool, for tests of what only PostgreSQL does (the relay).
    infra::postgres::Database& db() { return *db_; }

  private:
    std::unique_ptr<TestPostgresDatabase> database_;
    std::unique_ptr<infra::postgres::Database> db_;
    std::unique_ptr<bus::PostgresOutboxStore> store_;
};

struct OutboxEngine {
    std::string name;
    std::function<core::Result<std::unique_ptr<OutboxBackend>>()> open;
};

// Failure messages name the engine instead of dumping its bytes.
inline void PrintTo(const OutboxEngine& engine, std::ostream* os) { *os << engine.name; }

inline std::vector<OutboxEngine> OutboxEngines() {
    return {{"sqlite", &SqliteOutboxBackend::Open}, {"postgres", &PostgresOutboxBackend::Open}};
}

}  // namespace emporium::testing

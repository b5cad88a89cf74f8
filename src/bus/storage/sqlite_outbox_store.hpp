#pragma once

#include "bus/storage/outbox_store.hpp"
#include "infra/sqlite/database.hpp"

namespace emporium::bus {

// OutboxStore over a SQLite database with the bus tables (schemas/sqlite/bus). The outbox
// numbers events as they are appended (AUTOINCREMENT): the database's one writer commits
// them in that order, so an event is readable under its final number at once.
class SqliteOutboxStore final : public OutboxStore {
  public:
    explicit SqliteOutboxStore(infra::sqlite::Database& db) : db_(db) {}

    core::Result<ConsumerState> ReadConsumer(const core::RequestContext& ctx, std::string_view consumer) override;
    core::Result<std::vector<Event>> ReadEvents(const core::RequestContext& ctx, int64_t after, int limit) override;
    core::Result<void> SaveConsumer(const core::RequestContext& ctx, std::string_view consumer,
                                    const ConsumerState& state, std::string_view last_error,
                                    const std::optional<DeadLetter>& dead) override;
    core::Result<void> SaveDeadLetter(const core::RequestContext& ctx, const DeadLetter& letter) override;
    core::Result<std::vector<DeadLetter>> ListDeadLetters(const core::RequestContext& ctx, int limit) override;
    core::Result<DeadLetter> FindDeadLetter(const core::RequestContext& ctx, std::string_view id) override;
    core::Result<void> MarkReplayed(const core::RequestContext& ctx, std::string_view id, int64_t at) override;
    core::Result<int64_t> PruneEvents(const core::RequestContext& ctx, int64_t through, int64_t before) override;
    core::Result<int64_t> PruneHandledEvents(const core::RequestContext& ctx, int64_t before) override;

  private:
    infra::sqlite::Database& db_;
};

}  // namespace emporium::bus

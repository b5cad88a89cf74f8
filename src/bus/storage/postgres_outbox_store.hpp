#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>

#include "bus/storage/outbox_store.hpp"
#include "infra/postgres/database.hpp"

namespace emporium::bus {

// OutboxStore over a PostgreSQL database with the bus tables (schemas/postgres/bus).
//
// Producers' transactions commit in another order than they appended, so an event gets its
// `sequence` (the order consumers read in) only once committed: ReadEvents first runs the
// relay, which numbers the committed events not numbered yet, in one transaction under the
// row lock of outbox_relay, after every number given before. A reader past sequence N thus
// never meets a later-committed event numbered N or lower. Calls of this process that want
// a relay at once share one (see Relay); other processes take turns on the row lock.
class PostgresOutboxStore final : public OutboxStore {
  public:
    explicit PostgresOutboxStore(infra::postgres::Database& db) : db_(db) {}

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
    // Numbers the events committed before this call and not numbered yet (the oldest
    // appended first, at most a batch of them), after the last number given. A relay that
    // began after this call did numbers those too: a call that finds one has succeeded
    // meanwhile returns at once, so the consumers of a round share one relay instead of
    // queueing on the lock one after the other.
    core::Result<void> Relay(const core::RequestContext& ctx);

    infra::postgres::Database& db_;
    std::mutex relay_mutex_;                // one relay of this process at a time
    std::atomic<uint64_t> relay_calls_{0};  // Relay calls so far: the last one's ticket
    uint64_t relayed_tickets_ = 0;          // under relay_mutex_: the calls a finished relay served
};

}  // namespace emporium::bus

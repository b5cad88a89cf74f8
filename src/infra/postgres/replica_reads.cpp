#include "infra/postgres/replica_reads.hpp"

#include <charconv>

namespace emporium::infra::postgres {

using core::Result;

namespace {

// The insert position: it includes the commit record of every transaction committed so far
// (the write position may not yet when commits do not wait for the flush).
constexpr std::string_view kPrimaryPosition = "SELECT pg_current_wal_insert_lsn()::text";
// NULL on a server that never was in recovery (a primary named as the replica).
constexpr std::string_view kReplayPosition = "SELECT coalesce(pg_last_wal_replay_lsn(), pg_current_wal_lsn())::text";

// A replica that failed a read is left alone this long before it is tried again.
constexpr std::chrono::milliseconds kReplicaRestAfterFailure{1000};

int64_t SteadyMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

Result<uint64_t> Position(const core::RequestContext& ctx, Database& db, std::string_view sql) {
    return db.Read<uint64_t>(ctx, [&](Connection& c) -> Result<uint64_t> {
        EMPORIUM_ASSIGN_OR_RETURN(auto rows, c.Query(sql));
        return ParseLsn(rows[0].Text(0));
    });
}

}  // namespace

uint64_t ParseLsn(std::string_view text) {
    auto slash = text.find('/');
    if (slash == std::string_view::npos) return 0;
    uint64_t high = 0, low = 0;
    std::from_chars(text.data(), text.data() + slash, high, 16);
    std::from_chars(text.data() + slash + 1, text.data() + text.size(), low, 16);
    return (high << 32) | low;
}

ReplicaReads::ReplicaReads(Database& primary, Database* replica, std::chrono::milliseconds max_lag)
    : primary_(primary), replica_(replica), max_lag_(max_lag) {}

bool ReplicaReads::UseReplica(const core::RequestContext& ctx) {
    if (!replica_ || lagging_.load() || writes_in_flight_.load() > 0) return false;
    if (SteadyMs() < down_until_ms_.load()) return false;
    uint64_t required = required_position_.load();
    if (replayed_position_.load() >= required) return true;
    // Behind this process's last write at the last look: look again (one round trip, only
    // in the moments after a write).
    auto replayed = ReplayPosition(ctx);
    if (!replayed.ok()) {
        NoteReplicaFailure();
        return false;
    }
    return *replayed >= required;
}

Result<uint64_t> ReplicaReads::ReplayPosition(const core::RequestContext& ctx) {
    EMPORIUM_ASSIGN_OR_RETURN(uint64_t replayed, Position(ctx, *replica_, kReplayPosition));
    uint64_t seen = replayed_position_.load();
    while (replayed > seen && !replayed_position_.compare_exchange_weak(seen, replayed)) {
    }
    return replayed;
}

void ReplicaReads::NoteWriteEnd(const core::RequestContext& ctx) {
    if (replica_) {
        // Detached: the position must be noted even when the caller's time ran out just
        // after the commit. If the primary cannot say, reads of this process stay on the
        // primary until the next write notes one.
        auto position = Position(ctx.Detached(std::chrono::seconds(2)), primary_, kPrimaryPosition);
        uint64_t wanted = position.ok() ? *position : UINT64_MAX;
        uint64_t current = required_position_.load();
        while (wanted > current && !required_position_.compare_exchange_weak(current, wanted)) {
        }
    }
    writes_in_flight_.fetch_sub(1);
}

void ReplicaReads::NoteReplicaFailure() {
    replica_failures_.fetch_add(1, std::memory_order_relaxed);
    down_until_ms_.store(SteadyMs() + kReplicaRestAfterFailure.count());
}

Result<void> ReplicaReads::Refresh(const core::RequestContext& ctx) {
    if (!replica_) return core::Ok();
    // Seen before the primary is asked: the position asked for next is then at least the
    // unknown one that the marker stands for.
    bool required_unknown = required_position_.load() == UINT64_MAX;
    EMPORIUM_ASSIGN_OR_RETURN(uint64_t primary_position, Position(ctx, primary_, kPrimaryPosition));
    auto replayed = ReplayPosition(ctx);
    if (!replayed.ok()) {
        NoteReplicaFailure();
        return replayed.error();
    }
    down_until_ms_.store(0);
    lag_bytes_.store(primary_position > *replayed ? static_cast<int64_t>(primary_position - *replayed) : 0);
    // A required position no write can reach any more (the primary could not tell it)
    // gives way once the replica has replayed what the primary has now.
    if (required_unknown) {
        uint64_t marker = UINT64_MAX;
        required_position_.compare_exchange_strong(marker, primary_position);
    }
    std::lock_guard lock(sample_mutex_);
    auto now = std::chrono::steady_clock::now();
    if (*replayed >= sample_position_) {
        lagging_.store(false);
        sample_position_ = primary_position;
        sample_time_ = now;
    } else if (now - sample_time_ > max_lag_) {
        lagging_.store(true);
    }
    return core::Ok();
}

ReplicaStats ReplicaReads::Stats() const {
    return {.replica_reads = replica_reads_.load(std::memory_order_relaxed),
            .primary_reads = primary_reads_.load(std::memory_order_relaxed),
            .replica_failures = replica_failures_.load(std::memory_order_relaxed),
            .lag_bytes = lag_bytes_.load(std::memory_order_relaxed),
            .lagging = lagging_.load(),
            .replica_up = replica_ != nullptr && SteadyMs() >= down_until_ms_.load()};
}

}  // namespace emporium::infra::postgres

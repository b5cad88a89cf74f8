#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "core/request_context.hpp"
#include "core/result.hpp"
#include "infra/postgres/database.hpp"

namespace emporium::infra::postgres {

struct ReplicaStats {
    int64_t replica_reads = 0;
    int64_t primary_reads = 0;     // reads the replica could not serve (behind this process's writes, lagging, down)
    int64_t replica_failures = 0;  // reads the replica failed, answered by the primary instead
    int64_t lag_bytes = 0;         // WAL the replica had not replayed at the last refresh
    bool lagging = false;          // behind by more than max_lag: skipped for reads
    bool replica_up = false;
};

// Reads of one service on a streaming replica of its primary, with read-your-writes for
// this process.
//
// Every write made through Write notes the primary's WAL position once it committed, and
// a read goes to the replica only when the replica has replayed up to the last such
// position; while a write is in flight, reads go to the primary (so an event about a write
// that a consumer handles before the position is noted cannot read the old row from the
// replica and cache it). A replica that is down, or that has not replayed what the primary
// had written `max_lag` ago, is skipped: reads fall back to the primary, never to a wrong
// or older answer than the bound. Writes by other processes are seen within that bound.
// Thread-safe.
class ReplicaReads {
  public:
    // `replica` may be null: everything then reads on the primary.
    ReplicaReads(Database& primary, Database* replica, std::chrono::milliseconds max_lag);

    template <typename T>
    core::Result<T> Read(const core::RequestContext& ctx, const std::function<core::Result<T>(Connection&)>& work,
                         bool snapshot = false);
    template <typename T>
    core::Result<T> Write(const core::RequestContext& ctx, const std::function<core::Result<T>(Connection&)>& work);

    // Reads stay on the primary until the replica has replayed everything the primary holds
    // now (call it after changing the schema, e.g. migrations at start-up: a replica that
    // has not replayed them yet would not know the tables).
    void RequireEverythingWrittenSoFar(const core::RequestContext& ctx) {
        NoteWriteStart();
        NoteWriteEnd(ctx);
    }

    // Samples the replica's replay position against the primary's (lag metric, lagging
    // flag). Called every few hundred milliseconds by a background job.
    core::Result<void> Refresh(const core::RequestContext& ctx);

    ReplicaStats Stats() const;
    bool has_replica() const { return replica_ != nullptr; }
    Database& primary() { return primary_; }
    Database* replica() { return replica_; }

  private:
    // Where the next read goes.
    bool UseReplica(const core::RequestContext& ctx);
    void NoteWriteStart() { writes_in_flight_.fetch_add(1); }
    void NoteWriteEnd(const core::RequestContext& ctx);
    void NoteReplicaFailure();
    core::Result<uint64_t> ReplayPosition(const core::RequestContext& ctx);

    Database& primary_;
    Database* replica_;
    std::chrono::milliseconds max_lag_;
    std::atomic<int64_t> writes_in_flight_{0};
    std::atomic<uint64_t> required_position_{0};  // the primary's WAL position after this process's last write
    std::atomic<uint64_t> replayed_position_{0};  // the replica's, last seen
    std::atomic<bool> lagging_{false};
    std::atomic<int64_t> down_until_ms_{0};  // steady-clock ms: skip the replica until then
    std::atomic<int64_t> replica_reads_{0};
    std::atomic<int64_t> primary_reads_{0};
    std::atomic<int64_t> replica_failures_{0};
    std::atomic<int64_t> lag_bytes_{0};
    std::mutex sample_mutex_;
    uint64_t sample_position_ = 0;  // a primary position the replica must reach within max_lag
    std::chrono::steady_clock::time_point sample_time_{};
};

// Parses a pg_lsn's text ("16/B374D848") into a comparable number; 0 when unreadable.
uint64_t ParseLsn(std::string_view text);

template <typename T>
core::Result<T> ReplicaReads::Read(const core::RequestContext& ctx,
                                   const std::function<core::Result<T>(Connection&)>& work, bool snapshot) {
    if (UseReplica(ctx)) {
        auto answer = snapshot ? replica_->Snapshot<T>(ctx, work) : replica_->Read<T>(ctx, work);
        if (answer.ok() || answer.error().code != core::ErrorCode::kUnavailable || ctx.Expired()) {
            replica_reads_.fetch_add(1, std::memory_order_relaxed);
            return answer;
        }
        NoteReplicaFailure();
    }
    primary_reads_.fetch_add(1, std::memory_order_relaxed);
    return snapshot ? primary_.Snapshot<T>(ctx, work) : primary_.Read<T>(ctx, work);
}

template <typename T>
core::Result<T> ReplicaReads::Write(const core::RequestContext& ctx,
                                    const std::function<core::Result<T>(Connection&)>& work) {
    NoteWriteStart();
    // Ended on every way out: a write left "in flight" would keep reads on the primary.
    struct End {
        ReplicaReads* reads;
        const core::RequestContext& ctx;
        ~End() { reads->NoteWriteEnd(ctx); }
    } end{this, ctx};
    return primary_.Write<T>(ctx, work);
}

}  // namespace emporium::infra::postgres

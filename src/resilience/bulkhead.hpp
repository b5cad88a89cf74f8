#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>

#include "core/request_context.hpp"
#include "core/result.hpp"

namespace emporium::resilience {

struct BulkheadSettings {
    int max_concurrent = 8;  // calls running at once
    int max_queued = 8;      // callers waiting for one of them; 0: fail fast as soon as all are taken
    // The longest a caller waits for a place; the caller's own deadline may cut it shorter.
    std::chrono::milliseconds max_wait{500};
};

struct BulkheadStats {
    int64_t max_concurrent = 0;
    int64_t max_queued = 0;
    int64_t in_use = 0;      // places taken now
    int64_t queued = 0;      // callers waiting now
    uint64_t admitted = 0;   // calls let through, since start
    uint64_t rejected = 0;   // refused at once: every place taken and the queue full
    uint64_t timed_out = 0;  // waited, but no place came free before max_wait or the deadline
};

// Bounds the calls to one dependency (the payment provider, the search index): at most
// `max_concurrent` run at once and at most `max_queued` more wait, each no longer than
// `max_wait` nor past its request's deadline. Whoever cannot have a place gets kUnavailable
// at once (the HTTP layer's 503 with Retry-After), so a dependency that hangs holds at most
// max_concurrent + max_queued of the callers' threads (the blocking pool that also serves
// browsing) instead of all of them. Waiters are woken in no particular order. Thread-safe.
class Bulkhead {
  public:
    // A taken place; given back when destroyed.
    class Permit {
      public:
        Permit() = default;
        Permit(Permit&& other) noexcept : owner_(std::exchange(other.owner_, nullptr)) {}
        Permit& operator=(Permit&& other) noexcept;
        Permit(const Permit&) = delete;
        Permit& operator=(const Permit&) = delete;
        ~Permit();

      private:
        friend class Bulkhead;
        explicit Permit(Bulkhead* owner) : owner_(owner) {}
        Bulkhead* owner_ = nullptr;
    };

    Bulkhead(std::string name, BulkheadSettings settings);
    Bulkhead(const Bulkhead&) = delete;
    Bulkhead& operator=(const Bulkhead&) = delete;

    // A place for one call, waiting for it as the settings allow; kUnavailable when none
    // comes (full, waited max_wait, or `ctx`'s deadline passed).
    core::Result<Permit> Acquire(const core::RequestContext& ctx);

    // Runs `call` (which returns a core::Result) holding a place, or returns Acquire's error.
    template <typename Call>
    std::invoke_result_t<Call> Run(const core::RequestContext& ctx, Call&& call) {
        auto permit = Acquire(ctx);
        if (!permit.ok()) return std::move(permit).error();
        return std::forward<Call>(call)();
    }

    BulkheadStats Stats() const;
    const std::string& name() const { return name_; }
    const BulkheadSettings& settings() const { return settings_; }

  private:
    void Release();

    const std::string name_;
    const BulkheadSettings settings_;
    mutable std::mutex mutex_;
    std::condition_variable place_freed_;
    int64_t in_use_ = 0;
    int64_t queued_ = 0;
    uint64_t admitted_ = 0;
    uint64_t rejected_ = 0;
    uint64_t timed_out_ = 0;
};

}  // namespace emporium::resilience

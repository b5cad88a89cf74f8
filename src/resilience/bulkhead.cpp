#include "resilience/bulkhead.hpp"

#include <algorithm>

namespace emporium::resilience {

Bulkhead::Permit& Bulkhead::Permit::operator=(Permit&& other) noexcept {
    if (this != &other) {
        if (owner_) owner_->Release();
        owner_ = std::exchange(other.owner_, nullptr);
    }
    return *this;
}

Bulkhead::Permit::~Permit() {
    if (owner_) owner_->Release();
}

Bulkhead::Bulkhead(std::string name, BulkheadSettings settings) : name_(std::move(name)), settings_(settings) {}

core::Result<Bulkhead::Permit> Bulkhead::Acquire(const core::RequestContext& ctx) {
    std::unique_lock lock(mutex_);
    if (ctx.Expired()) {
        ++timed_out_;
        return core::Error::Unavailable(name_ + ": the request's deadline passed before the call");
    }
    // A newcomer does not overtake callers already waiting for a freed place.
    if (in_use_ < settings_.max_concurrent && queued_ == 0) {
        ++in_use_;
        ++admitted_;
        return Permit(this);
    }
    if (queued_ >= settings_.max_queued) {
        ++rejected_;
        return core::Error::Unavailable(name_ + " is busy: every place is taken; retry shortly");
    }
    auto wait_until = std::min(ctx.deadline, std::chrono::steady_clock::now() + settings_.max_wait);
    ++queued_;
    bool placed = place_freed_.wait_until(lock, wait_until, [&] { return in_use_ < settings_.max_concurrent; });
    --queued_;
    if (!placed) {
        ++timed_out_;
        return core::Error::Unavailable(name_ + " is busy: no place came free in time; retry shortly");
    }
    ++in_use_;
    ++admitted_;
    return Permit(this);
}

void Bulkhead::Release() {
    {
        std::lock_guard lock(mutex_);
        --in_use_;
    }
    place_freed_.notify_one();
}

BulkheadStats Bulkhead::Stats() const {
    std::lock_guard lock(mutex_);
    return BulkheadStats{.max_concurrent = settings_.max_concurrent,
                         .max_queued = settings_.max_queued,
                         .in_use = in_use_,
                         .queued = queued_,
                         .admitted = admitted_,
                         .rejected = rejected_,
                         .timed_out = timed_out_};
}

}  // namespace emporium::resilience

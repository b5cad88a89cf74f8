#include "http/connection_limits.hpp"

namespace emporium::http {

ConnectionLimits::Slot& ConnectionLimits::Slot::operator=(Slot&& other) noexcept {
    if (this != &other) {
        Release();
        limits_ = other.limits_;
        address_ = std::move(other.address_);
        other.limits_ = nullptr;
    }
    return *this;
}

void ConnectionLimits::Slot::Release() {
    if (limits_) limits_->Release(address_);
    limits_ = nullptr;
}

ConnectionLimits::Slot ConnectionLimits::TryAcquire(const std::string& address) {
    std::lock_guard lock(mutex_);
    if (total_ >= max_total_) return Slot();
    auto [entry, inserted] = per_address_.try_emplace(address, 0);
    if (entry->second >= max_per_address_) return Slot();
    ++entry->second;
    ++total_;
    return Slot(this, address);
}

void ConnectionLimits::Release(const std::string& address) {
    std::lock_guard lock(mutex_);
    --total_;
    auto entry = per_address_.find(address);
    if (entry != per_address_.end() && --entry->second <= 0) per_address_.erase(entry);
}

int64_t ConnectionLimits::open() const {
    std::lock_guard lock(mutex_);
    return total_;
}

}  // namespace emporium::http

#include "runtime/blocking_pool.hpp"

#include "runtime/thread_name.hpp"

namespace emporium::runtime {

BlockingPool::BlockingPool(int threads, int queue_limit, std::string name) : queue_limit_(queue_limit) {
    threads_.reserve(static_cast<std::size_t>(threads));
    for (int i = 0; i < threads; ++i)
        threads_.emplace_back([this, i, name] {
            NameThisThread(name + "-" + std::to_string(i));
            Loop();
        });
}

BlockingPool::~BlockingPool() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wakeup_.notify_all();
    for (auto& thread : threads_) thread.join();
}

bool BlockingPool::TrySubmit(UniqueFunction&& job) {
    {
        std::lock_guard lock(mutex_);
        int64_t idle = static_cast<int64_t>(threads_.size()) - busy_.load(std::memory_order_relaxed);
        if (stopping_ || static_cast<int64_t>(queue_.size()) - idle >= queue_limit_) {
            rejected_.fetch_add(1, std::memory_order_relaxed);
            return false;
        }
        queue_.push_back(std::move(job));
    }
    wakeup_.notify_one();
    return true;
}

void BlockingPool::Loop() {
    for (;;) {
        UniqueFunction job;
        {
            std::unique_lock lock(mutex_);
            wakeup_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;
            job = std::move(queue_.front());
            queue_.pop_front();
            busy_.fetch_add(1, std::memory_order_relaxed);
        }
        try {
            job();
        } catch (...) {
            // Jobs report failures through their results; one that throws anyway must not
            // take the pool thread (and with it the process) down.
        }
        busy_.fetch_sub(1, std::memory_order_relaxed);
    }
}

BlockingPoolStats BlockingPool::Stats() const {
    BlockingPoolStats stats;
    stats.threads = static_cast<int64_t>(threads_.size());
    stats.busy = busy_.load(std::memory_order_relaxed);
    {
        std::lock_guard lock(mutex_);
        stats.queued = static_cast<int64_t>(queue_.size());
    }
    stats.rejected = rejected_.load(std::memory_order_relaxed);
    return stats;
}

}  // namespace emporium::runtime

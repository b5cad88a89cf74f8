#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runtime/unique_function.hpp"

namespace emporium::runtime {

struct BlockingPoolStats {
    int64_t threads = 0;
    int64_t busy = 0;
    int64_t queued = 0;
    int64_t rejected = 0;
};

// A fixed set of threads for work that blocks (SQLite, argon2id). Event-loop threads
// hand work here and await the result, so they never stall. The queue is bounded: when
// `queue_limit` jobs already wait, TrySubmit refuses and the caller answers 503 instead
// of letting latency grow without bound. Thread-safe.
class BlockingPool {
  public:
    // Threads are named "<name>-<i>".
    BlockingPool(int threads, int queue_limit, std::string name = "pool");
    ~BlockingPool();  // runs every queued job, then joins
    BlockingPool(const BlockingPool&) = delete;
    BlockingPool& operator=(const BlockingPool&) = delete;

    // Queues `job`; false when the queue is full or the pool is stopping, in which case
    // `job` is left untouched so the caller can still run or drop it.
    bool TrySubmit(UniqueFunction&& job);
    BlockingPoolStats Stats() const;

  private:
    void Loop();

    const int queue_limit_;
    mutable std::mutex mutex_;
    std::condition_variable wakeup_;
    std::deque<UniqueFunction> queue_;
    bool stopping_ = false;
    std::atomic<int64_t> busy_{0};
    std::atomic<int64_t> rejected_{0};
    std::vector<std::thread> threads_;
};

}  // namespace emporium::runtime

#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace emporium::runtime {

// Runs `work` every `interval` on its own thread until destroyed (background sweepers:
// expired reservations, expired carts). Blocking work is fine here.
class PeriodicTask {
  public:
    PeriodicTask(std::chrono::milliseconds interval, std::function<void()> work)
        : interval_(interval), work_(std::move(work)), thread_([this] { Loop(); }) {}
    ~PeriodicTask() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wakeup_.notify_all();
        thread_.join();
    }
    PeriodicTask(const PeriodicTask&) = delete;
    PeriodicTask& operator=(const PeriodicTask&) = delete;

  private:
    void Loop() {
        std::unique_lock lock(mutex_);
        while (!wakeup_.wait_for(lock, interval_, [&] { return stopping_; })) {
            lock.unlock();
            try {
                work_();
            } catch (...) {
                // A sweeper reports through logs; one failed round must not end the thread.
            }
            lock.lock();
        }
    }

    std::chrono::milliseconds interval_;
    std::function<void()> work_;
    std::mutex mutex_;
    std::condition_variable wakeup_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace emporium::runtime

#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "infra/redis/client.hpp"

namespace emporium::infra::redis {

// Listens to Redis pub/sub channels on a connection and a thread of its own, and keeps
// listening: after the server goes away it connects again (every `retry`) for as long as
// it runs. Pub/sub delivers nothing sent while a listener was away, so `on_subscribed`
// runs each time the subscription is in place — before any message that follows it — for
// the owner to catch up on what it may have missed.
class Subscriber {
  public:
    using OnSubscribed = std::function<void(bool first)>;
    using OnMessage = std::function<void(std::string_view channel, std::string_view message)>;

    Subscriber(Client& client, std::vector<std::string> channels, OnSubscribed on_subscribed, OnMessage on_message,
               std::chrono::milliseconds retry = std::chrono::milliseconds(500));
    ~Subscriber();
    Subscriber(const Subscriber&) = delete;
    Subscriber& operator=(const Subscriber&) = delete;

    void Start();
    void Stop();
    // Subscribed now (messages published from here on reach this process).
    bool subscribed() const { return subscribed_.load(std::memory_order_acquire); }

  private:
    void Loop();
    // One connection's life: subscribe, then hand over messages until it breaks or Stop.
    void Listen(redisContext* connection, bool& first);

    Client& client_;
    std::vector<std::string> channels_;
    OnSubscribed on_subscribed_;
    OnMessage on_message_;
    std::chrono::milliseconds retry_;
    std::atomic<bool> subscribed_{false};
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    std::condition_variable stop_requested_;
    std::thread thread_;
};

}  // namespace emporium::infra::redis

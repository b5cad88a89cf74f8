#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bus/event_bus.hpp"
#include "bus/storage/outbox_store.hpp"
#include "infra/rabbitmq/connection.hpp"

namespace emporium::bus {

struct RabbitMqEventBusSettings {
    std::string url;  // amqp://user:password@host:port/vhost
    // Names every exchange and queue: `<prefix>.events` (topic, routing key = event type),
    // `<prefix>.dead` (fanout) and its queue `<prefix>.dead-letters`, and per consumer
    // `<prefix>.<consumer>` with its retry queues `<queue>.retry.1..max_attempts-1`.
    // Tests give each test a prefix of its own.
    std::string prefix = "emporium";
    // This process among the replicas: names its Fanout::kEveryReplica queues. Empty: a
    // random one, so every start gets queues of its own.
    std::string replica_id;
    int max_attempts = 8;
    // Attempt n waits first_retry × 3^(n-1), at most max_retry, in retry queue n. The
    // delays are the queues' TTLs: changing them needs the old retry queues deleted (a
    // queue is never redeclared with other arguments).
    std::chrono::milliseconds first_retry{1000};
    std::chrono::milliseconds max_retry{60'000};
    int prefetch = 100;     // messages a consumer holds unacked; also the most it hands over at once
    int relay_batch = 500;  // events the relay reads and publishes per confirm round
    // The relay's, when not woken (HTTP producers do not wake it: an order's events wait at most
    // this long in the outbox); a consumer's idle wait.
    std::chrono::milliseconds poll_interval{50};
    std::chrono::milliseconds max_backoff{5000};  // between tries while the broker is down
    // How often a process whose relay stands by (another process relays) tries to take over.
    std::chrono::milliseconds standby_interval{1000};
    std::chrono::milliseconds publish_timeout{10'000};
    std::chrono::milliseconds connect_timeout{2000};
    std::chrono::milliseconds handler_deadline{30'000};
    // A replica's queues go this long after its process stopped consuming.
    std::chrono::milliseconds replica_queue_expiry{600'000};
};

// The EventBus over RabbitMQ, for the distributed deployment: services keep writing events
// to their transactional outboxes (the same OutboxStore sources as LocalEventBus), a relay
// moves them to the broker, and consumers in any process take them from their queues.
//
// Relay (one thread, one connection): one process at a time relays a source (it holds the
// exclusive queue `<prefix>.relay.<source>`, which the broker drops with its connection);
// the others stand by and take over when it goes. Per source it reads the events after its position
// (kept by the source store as consumer `rabbitmq-relay`), publishes them persistent to the
// `<prefix>.events` topic exchange with publisher confirms, and saves the position only
// after the broker confirmed every one. Broker down: the outboxes hold the events, the relay
// retries with backoff. Before it publishes on a new connection, it declares the queues of
// this process's consumers, so nothing it publishes finds no queue.
//
// Consumers (a thread and two connections each: one consumes, one publishes retries):
// Fanout::kOncePerGroup reads the durable queue `<prefix>.<consumer>`, shared by every
// process (competing consumers); Fanout::kEveryReplica reads `<prefix>.<consumer>.<replica>`,
// one per process. A message is acked only after its handler returned (and so committed);
// a failure goes to the next retry queue (TTL, then dead-lettered back into the consumer's
// queue) with its attempt count, confirmed before the original is acked; after the last
// attempt it goes to `<prefix>.dead` with the consumer and error, and a recorder thread
// stores it in the first source's database (OutboxStore::SaveDeadLetter), where
// ListDeadLetters and Replay find it. kUnavailable failures are retried at the longest
// delay forever, as LocalEventBus does.
//
// Order: a consumer gets its events in relay order, but an event that failed comes back
// after the ones behind it (they did not wait in its retry queue): unlike LocalEventBus,
// order per aggregate is not kept across a retry. Thread-safe.
class RabbitMqEventBus final : public EventBus {
  public:
    // The relay's position in each source.
    static constexpr std::string_view kRelayConsumer = "rabbitmq-relay";

    explicit RabbitMqEventBus(RabbitMqEventBusSettings settings);
    ~RabbitMqEventBus() override;

    // Makes `store`'s outbox available as `source`; the first source also keeps the dead
    // letters. The store must outlive this bus. Call before Start.
    void AddSource(std::string source, OutboxStore& store);

    void Subscribe(Consumer consumer, Handler handler) override;
    void SubscribeBatch(Consumer consumer, BatchHandler handler) override;
    void Start() override;
    // Stops relaying and consuming: handlers running finish, unacked messages go back to
    // their queues.
    void Stop() override;
    void Wake() override;
    core::Result<std::vector<DeadLetter>> ListDeadLetters(const core::RequestContext& ctx, int limit) override;
    core::Result<DeadLetter> Replay(const core::RequestContext& ctx, std::string_view dead_letter_id) override;

    // Waits until everything deliverable has been handled: the outboxes relayed, this bus's
    // queues (consumer, retry and dead-letter queues) empty and no handler running, seen
    // several times in a row. False when that did not happen within `timeout` (tests).
    bool WaitUntilIdle(std::chrono::milliseconds timeout);

    // Deletes outbox events the relay has passed that occurred before `before` (Unix
    // seconds): once published, the broker holds them. Returns how many went.
    core::Result<int64_t> PruneRelayed(int64_t before);

    // Whether the relay's connection to the broker is up (the readiness check).
    bool BrokerReachable() const { return broker_reachable_.load(); }

    // Prometheus text: events relayed, handled, retried, dead-lettered; the relay's lag.
    void RenderMetrics(std::string& out) const;

  private:
    struct Subscription {
        Consumer consumer;
        BatchHandler handler;
        std::string queue;
        std::mutex handling;  // one handler call (a delivery or a replay) at a time
        std::thread thread;
    };

    struct Counters {
        std::atomic<uint64_t> relayed{0};
        std::atomic<uint64_t> handled{0};
        std::atomic<uint64_t> retried{0};
        std::atomic<uint64_t> dead_lettered{0};
        std::atomic<uint64_t> recorded{0};
        std::atomic<uint64_t> relay_failures{0};
        std::atomic<int64_t> relay_pending{0};      // events read and not yet confirmed, last round
        std::atomic<int64_t> relay_lag_seconds{0};  // age of the oldest of them
        std::atomic<bool> relaying{false};          // this process holds the relay locks
    };

    enum class RelayPass { kIdle, kPublished, kStandby };
    void RelayLoop();
    // One pass over every source; what it did, or the failure.
    core::Result<RelayPass> RelayOnce(infra::rabbitmq::Client& client, uint64_t& declared_generation);
    void ConsumeLoop(Subscription& subscription);
    void RecordLoop();
    // Declares the exchanges, the dead-letter queue and every consumer's queues.
    core::Result<void> DeclareTopology(infra::rabbitmq::Connection& connection);
    core::Result<void> DeclareConsumerQueues(infra::rabbitmq::Connection& connection, const Subscription& subscription);
    infra::rabbitmq::QueueOptions ConsumerQueueOptions(const Subscription& subscription) const;
    infra::rabbitmq::QueueOptions RetryQueueOptions(const Subscription& subscription, int attempt) const;
    // Hands a batch of deliveries to the consumer and acks, retries or dead-letters each.
    core::Result<void> HandleDeliveries(Subscription& subscription, infra::rabbitmq::Connection& consuming,
                                        infra::rabbitmq::Client& publishing,
                                        std::vector<infra::rabbitmq::Delivery>& deliveries);
    std::vector<core::Result<void>> CallHandler(Subscription& subscription, const std::vector<Event>& events);
    bool Wanted(const Subscription& subscription, const Event& event) const;
    std::chrono::milliseconds RetryDelay(int attempt) const;
    std::string RetryQueue(const Subscription& subscription, int attempt) const;
    // Sleeps up to `duration`, less when stopping (or woken, for the relay); false when stopping.
    bool Sleep(std::chrono::milliseconds duration, bool wakeable);
    infra::rabbitmq::ConnectionOptions ConnectionOptions(std::string name) const;
    std::string ExchangeName() const { return settings_.prefix + ".events"; }
    std::string DeadExchangeName() const { return settings_.prefix + ".dead"; }
    std::string DeadQueueName() const { return settings_.prefix + ".dead-letters"; }
    std::string RelayLockName(const std::string& source) const { return settings_.prefix + ".relay." + source; }

    RabbitMqEventBusSettings settings_;
    std::vector<std::pair<std::string, OutboxStore*>> sources_;
    std::vector<std::unique_ptr<Subscription>> subscriptions_;
    std::mutex replay_mutex_;
    Counters counters_;
    std::atomic<bool> broker_reachable_{false};

    std::mutex mutex_;
    std::condition_variable wakeup_;
    bool stopping_ = false;
    bool started_ = false;
    bool woken_ = false;
    // Under mutex_: relay passes that found nothing to publish, in a row; and the number of
    // passes ended (WaitUntilIdle waits for one that began after it was called).
    uint64_t relay_passes_ = 0;
    bool relay_caught_up_ = false;
    std::atomic<int> handling_{0};  // consumers handling a batch right now
    std::atomic<int64_t> last_receipt_ms_{0};
    std::thread relay_thread_;
    std::thread recorder_thread_;
};

}  // namespace emporium::bus

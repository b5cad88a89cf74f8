#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "bus/event_bus.hpp"
#include "bus/storage/outbox_store.hpp"
#include "core/clock.hpp"
#include "runtime/blocking_pool.hpp"

namespace emporium::bus {

struct LocalEventBusSettings {
    int max_attempts = 8;
    std::chrono::milliseconds first_retry{100};  // then ×3 per attempt, ±25 % jitter
    std::chrono::milliseconds max_retry{60'000};
    std::chrono::milliseconds poll_interval{100};  // also the granularity of retry times; Wake() is sooner
    // After a delivery of fewer than batch_size events, the consumer's next starts no sooner
    // than this after it began: under load it then gets the events of that long in one
    // batch (one transaction) instead of a delivery per handful, whose fixed cost (a read
    // and a position write) would be paid per order. A full batch is followed at once.
    std::chrono::milliseconds round_interval{50};
    // A position moved only over events the consumer did not want is saved at most this
    // often (a restart re-reads and passes up to this much of them again).
    std::chrono::milliseconds unwanted_position_save_interval{1000};
    int batch_size = 100;
    // The deadline of the context each delivery hands its consumer.
    std::chrono::milliseconds handler_deadline{30'000};
    // Threads that deliver to different consumers at once (their writes then share group
    // commits, and a slow consumer does not hold up the others); 0 delivers everything on
    // the dispatcher thread.
    int handler_threads = 16;
};

// The embedded adapter of the EventBus, over the outboxes of databases (OutboxStore: SQLite,
// where the embedded shop keeps every service's tables in one file, or PostgreSQL). One
// dispatcher thread schedules deliveries, and the handler threads run them, each consumer
// on each source on its own: a delivery reads the events after the consumer's position in
// the source's outbox and hands them to the consumer, and a slow consumer holds up only
// itself. Each consumer's position, attempt count and next retry time live in the source
// database (outbox_consumers), so delivery resumes where it stopped after a crash; an event
// is marked delivered only after its handler succeeded (at least once). A failing event
// holds back that consumer's later events (ordering) until it succeeds or is
// dead-lettered after `max_attempts` — unless it failed with kUnavailable (a dependency is
// down), which is retried at `max_retry` for as long as it takes. One process is one
// replica, so both fanouts are delivered alike.
class LocalEventBus final : public EventBus {
  public:
    LocalEventBus(LocalEventBusSettings settings, const core::Clock& clock);
    ~LocalEventBus() override;

    // Makes `store`'s outbox available as `source` (a label in logs and dead letters); the
    // store must outlive this bus. Call before any Subscribe: a consumer hears every source
    // added before it.
    void AddSource(std::string source, OutboxStore& store);

    void Subscribe(Consumer consumer, Handler handler) override;
    void SubscribeBatch(Consumer consumer, BatchHandler handler) override;
    void Start() override;
    void Stop() override;
    void Wake() override;
    core::Result<std::vector<DeadLetter>> ListDeadLetters(const core::RequestContext& ctx, int limit) override;
    core::Result<DeadLetter> Replay(const core::RequestContext& ctx, std::string_view dead_letter_id) override;

    // Delivers everything currently deliverable, consumer after consumer on the calling
    // thread (tests).
    void DeliverPending();

    // Deletes outbox events that every consumer subscribed to their source has passed and
    // that occurred before `before` (Unix seconds); a source with a consumer that has not
    // started keeps everything. Returns the number of events deleted.
    core::Result<int64_t> PruneDelivered(int64_t before);

  private:
    // One consumer on one source.
    struct Subscription {
        std::string source;
        OutboxStore* store = nullptr;  // the source's
        std::string consumer;
        std::vector<std::string> types;
        BatchHandler handler;
        Filter wanted;          // empty: every event of `types`
        std::mutex delivering;  // one delivery (or replay) of this consumer at a time
        // Under `delivering`: the position past events this consumer did not want, when not
        // saved yet (see DeliverOne), and when its position was last saved.
        int64_t unsaved_position = 0;
        int64_t saved_at_ms = 0;
        // Under LocalEventBus::mutex_: a delivery is running; when the next may start.
        bool in_flight = false;
        bool woken = false;  // Wake() came during its delivery: the next one starts at once
        std::chrono::steady_clock::time_point next_run{};
    };
    // When a consumer's next delivery should start, as DeliverOne sees it.
    enum class Next { kAtOnce, kAfterRoundInterval, kWhenPolled };

    void Loop();
    // Runs one delivery of `subscription` on a handler thread (or this one), then
    // schedules its next. Called with `lock` held; returns with it held.
    void Launch(Subscription& subscription, std::unique_lock<std::mutex>& lock);
    // One delivery to `subscription` under its `delivering` mutex; what it throws is logged
    // and ends the delivery (only the logging itself can still throw).
    Next DeliverGuarded(Subscription& subscription);
    // Delivers one batch to one consumer.
    Next DeliverOne(Subscription& subscription);
    // Hands the events the consumer wants to its handler; one outcome per event.
    // `handed_over`: whether the handler was called (the consumer wanted any).
    std::vector<core::Result<void>> Handle(Subscription& subscription, const std::vector<Event>& events,
                                           bool& handed_over);
    static bool Wanted(const Subscription& subscription, const Event& event);
    std::chrono::milliseconds RetryDelay(int attempts) const;
    int64_t NowMs() const;

    LocalEventBusSettings settings_;
    const core::Clock& clock_;
    std::vector<std::pair<std::string, OutboxStore*>> sources_;
    std::vector<std::unique_ptr<Subscription>> subscriptions_;
    std::mutex replay_mutex_;

    std::mutex mutex_;
    std::condition_variable wakeup_;  // the dispatcher: woken, stopping, or a delivery ended
    bool woken_ = false;
    bool stopping_ = false;
    bool rescan_ = false;  // a delivery ended whose consumer must run again before next_wakeup_
    int in_flight_ = 0;    // deliveries running on handler threads
    std::chrono::steady_clock::time_point next_wakeup_{};  // when the waiting dispatcher wakes by itself
    std::thread thread_;
    // Declared last, so destroyed first: its threads are joined before the members their
    // deliveries touch (mutex_, wakeup_) go. Null when handler_threads is 0.
    std::unique_ptr<runtime::BlockingPool> workers_;
};

}  // namespace emporium::bus

#include "bus/storage/local_event_bus.hpp"

#include <algorithm>
#include <optional>

#include "bus/one_by_one.hpp"
#include "core/deadline.hpp"
#include "core/random.hpp"
#include "observability/log.hpp"
#include "resilience/backoff.hpp"
#include "resilience/jitter.hpp"
#include "runtime/thread_name.hpp"

namespace emporium::bus {

using core::Error;
using core::Result;

namespace {

// Deliveries waiting for a handler thread (one per consumer at most); past this, the
// dispatcher delivers on its own thread.
constexpr int kMaxQueuedDeliveries = 1024;

// The longest the bus's own reads and writes of a source (positions, events, pruning) may
// take before it gives up on them until its next try.
constexpr std::chrono::seconds kStoreDeadline{30};

core::RequestContext StoreContext() {
    core::RequestContext ctx;
    ctx.deadline = std::chrono::steady_clock::now() + kStoreDeadline;
    ctx.request_id = "event-bus";
    return ctx;
}

}  // namespace

LocalEventBus::LocalEventBus(LocalEventBusSettings settings, const core::Clock& clock)
    : settings_(settings), clock_(clock) {
    if (settings_.handler_threads > 0)
        workers_ = std::make_unique<runtime::BlockingPool>(settings_.handler_threads, kMaxQueuedDeliveries, "bus");
}

LocalEventBus::~LocalEventBus() { Stop(); }

void LocalEventBus::AddSource(std::string source, OutboxStore& store) {
    sources_.emplace_back(std::move(source), &store);
}

void LocalEventBus::Subscribe(Consumer consumer, Handler handler) {
    SubscribeBatch(std::move(consumer), OneByOne(std::move(handler)));
}

void LocalEventBus::SubscribeBatch(Consumer consumer, BatchHandler handler) {
    // A consumer hears the sources added before it; one with none would hear nothing, ever.
    if (sources_.empty())
        observability::LogError("bus_subscription_without_source",
                                [&](core::JsonWriter& json) { json.Field("consumer", consumer.name); });
    for (const auto& [source, store] : sources_) {
        auto subscription = std::make_unique<Subscription>();
        subscription->source = source;
        subscription->consumer = consumer.name;
        subscription->types = consumer.types;
        subscription->handler = handler;
        subscription->wanted = consumer.wanted;
        subscription->store = store;
        subscriptions_.push_back(std::move(subscription));
    }
}

void LocalEventBus::Start() {
    std::lock_guard lock(mutex_);
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] {
        runtime::NameThisThread("event-bus");
        Loop();
    });
}

void LocalEventBus::Stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wakeup_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void LocalEventBus::Wake() {
    {
        std::lock_guard lock(mutex_);
        woken_ = true;
    }
    wakeup_.notify_all();
}

int64_t LocalEventBus::NowMs() const { return core::UnixMillisNow(); }

std::chrono::milliseconds LocalEventBus::RetryDelay(int attempts) const {
    // first_retry × 3^(attempts-1), capped, with ±25 % jitter so retries of many consumers spread out.
    return resilience::Jittered(resilience::GrowingDelay(settings_.first_retry, 3, attempts, settings_.max_retry));
}

void LocalEventBus::Loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        auto now = std::chrono::steady_clock::now();
        rescan_ = false;
        if (woken_) {
            for (auto& subscription : subscriptions_) {
                subscription->next_run = now;
                subscription->woken = subscription->in_flight;  // its running delivery may be too early
            }
            woken_ = false;
        }
        for (auto& subscription : subscriptions_) {
            if (stopping_) break;
            if (!subscription->in_flight && subscription->next_run <= now) Launch(*subscription, lock);
        }
        // After the launches: one delivered here (no free handler thread) may have ended
        // meanwhile, with a next run already due.
        auto next_wakeup = now + settings_.poll_interval;
        for (auto& subscription : subscriptions_)
            if (!subscription->in_flight) next_wakeup = std::min(next_wakeup, subscription->next_run);
        // Woken early by a delivery that must run again before then, or by Wake/Stop.
        next_wakeup_ = next_wakeup;
        wakeup_.wait_until(lock, next_wakeup, [&] { return stopping_ || woken_ || rescan_; });
    }
    // The deliveries still running use this object: let them finish.
    wakeup_.wait(lock, [&] { return in_flight_ == 0; });
}

void LocalEventBus::Launch(Subscription& subscription, std::unique_lock<std::mutex>& lock) {
    auto deliver = [this, &subscription] {
        auto started = std::chrono::steady_clock::now();
        Next next = Next::kWhenPolled;
        try {
            next = DeliverGuarded(subscription);
        } catch (...) {  // its logging failed (out of memory): the consumer must not stay in flight
        }
        auto ended = std::chrono::steady_clock::now();
        bool sooner;
        {
            std::lock_guard done(mutex_);
            subscription.in_flight = false;
            --in_flight_;
            switch (next) {
                case Next::kAtOnce:
                    subscription.next_run = ended;
                    break;
                case Next::kAfterRoundInterval:
                    subscription.next_run = started + settings_.round_interval;
                    break;
                case Next::kWhenPolled:
                    subscription.next_run = ended + settings_.poll_interval;
                    break;
            }
            if (subscription.woken) subscription.next_run = std::min(subscription.next_run, ended);
            subscription.woken = false;
            // A wake-up costs the dispatcher a thread switch: only when it would sleep past
            // this consumer's next run, or Stop waits for this delivery.
            sooner = subscription.next_run < next_wakeup_ || stopping_;
            rescan_ = rescan_ || sooner;
        }
        if (sooner) wakeup_.notify_all();
    };
    std::optional<runtime::UniqueFunction> job;
    try {
        job.emplace(deliver);
    } catch (...) {  // out of memory: try again at the next poll
        subscription.next_run = std::chrono::steady_clock::now() + settings_.poll_interval;
        return;
    }
    subscription.in_flight = true;
    ++in_flight_;
    if (workers_ && workers_->TrySubmit(std::move(*job))) return;
    lock.unlock();  // no handler threads, or all busy with a full queue: deliver here
    deliver();
    lock.lock();
}

LocalEventBus::Next LocalEventBus::DeliverGuarded(Subscription& subscription) {
    try {
        std::lock_guard delivering(subscription.delivering);
        return DeliverOne(subscription);
    } catch (const std::exception& e) {  // out of memory, say: the events stay for the next try
        observability::LogError("bus_delivery_failed", [&](core::JsonWriter& json) {
            json.Field("consumer", subscription.consumer).Field("error", e.what());
        });
    } catch (...) {
        observability::LogError("bus_delivery_failed", [&](core::JsonWriter& json) {
            json.Field("consumer", subscription.consumer).Field("error", "an exception of an unknown type");
        });
    }
    return Next::kWhenPolled;
}

void LocalEventBus::DeliverPending() {
    for (int round = 0; round < 1000; ++round) {
        bool again = false;
        for (auto& subscription : subscriptions_) again = DeliverGuarded(*subscription) != Next::kWhenPolled || again;
        if (!again) return;
    }
}

bool LocalEventBus::Wanted(const Subscription& subscription, const Event& event) {
    if (std::find(subscription.types.begin(), subscription.types.end(), event.type) == subscription.types.end())
        return false;
    if (!subscription.wanted) return true;
    try {
        return subscription.wanted(event);
    } catch (...) {  // out of memory, say: let the handler decide (and fail, and retry)
        return true;
    }
}

std::vector<Result<void>> LocalEventBus::Handle(Subscription& subscription, const std::vector<Event>& events,
                                                bool& handed_over) {
    // Events not for this consumer pass; the others go to its handler together.
    std::vector<Result<void>> outcomes(events.size(), core::Ok());
    std::vector<std::size_t> positions;
    std::vector<Event> wanted;
    for (std::size_t i = 0; i < events.size(); ++i) {
        if (!Wanted(subscription, events[i])) continue;
        positions.push_back(i);
        wanted.push_back(events[i]);
    }
    handed_over = !wanted.empty();
    if (wanted.empty()) return outcomes;
    core::RequestContext ctx;
    ctx.deadline = std::chrono::steady_clock::now() + settings_.handler_deadline;
    ctx.request_id = subscription.consumer + ":" + wanted.front().id;
    std::vector<Result<void>> handled;
    try {
        handled = subscription.handler(ctx, wanted);
    } catch (const std::exception& e) {
        handled.assign(wanted.size(), Error::Internal(std::string("handler threw: ") + e.what()));
    } catch (...) {
        handled.assign(wanted.size(), Error::Internal("handler threw an exception of an unknown type"));
    }
    if (handled.size() != wanted.size())
        handled.assign(wanted.size(), Error::Internal("the handler of " + subscription.consumer +
                                                      " returned the wrong number of outcomes"));
    for (std::size_t k = 0; k < positions.size(); ++k) outcomes[positions[k]] = std::move(handled[k]);
    return outcomes;
}

LocalEventBus::Next LocalEventBus::DeliverOne(Subscription& subscription) {
    OutboxStore& store = *subscription.store;
    core::RequestContext ctx = StoreContext();
    auto log_read_failure = [&](const Error& error) {
        observability::LogError("bus_read_failed", [&](core::JsonWriter& json) {
            json.Field("source", subscription.source).Field("error", error.message);
        });
    };

    auto saved = store.ReadConsumer(ctx, subscription.consumer);
    if (!saved.ok()) {
        log_read_failure(saved.error());
        return Next::kWhenPolled;
    }
    const ConsumerState start = [&] {
        ConsumerState state = *saved;
        if (state.attempts == 0 && state.next_attempt_at == 0)
            state.position = std::max(state.position, subscription.unsaved_position);
        return state;
    }();
    if (start.next_attempt_at > NowMs()) return Next::kWhenPolled;
    // A retry (a failure scheduled one: next_attempt_at is set) is delivered alone. When a
    // batch consumer fails a whole batch (its transaction failed), the bus blames the
    // batch's first event: alone, an innocent event then succeeds, and only an event
    // that fails alone is dead-lettered.
    int limit = start.next_attempt_at > 0 ? 1 : settings_.batch_size;
    auto read = store.ReadEvents(ctx, start.position, limit);
    if (!read.ok()) {
        log_read_failure(read.error());
        return Next::kWhenPolled;
    }
    const std::vector<Event>& events = *read;
    if (events.empty()) return Next::kWhenPolled;

    bool handed_over = false;
    std::vector<Result<void>> outcomes = Handle(subscription, events, handed_over);

    // The consumer's position advances over every event up to the first failure. Events
    // after it that succeeded (other aggregates) will be delivered again, which idempotent
    // consumers absorb; the failed one is retried (its aggregate's later events wait) or,
    // after the last attempt, dead-lettered.
    ConsumerState state = start;
    std::optional<DeadLetter> dead;
    std::string error_text;
    bool blocked = false;
    std::size_t first_failure = events.size();
    for (std::size_t i = 0; i < events.size(); ++i)
        if (!outcomes[i].ok()) {
            first_failure = i;
            break;
        }
    if (first_failure == events.size()) {
        state = ConsumerState{events.back().sequence, 0, 0};
    } else {
        const Event& failed = events[first_failure];
        error_text = outcomes[first_failure].error().message;
        int attempts = (first_failure == 0 ? state.attempts : 0) + 1;
        // A dependency that is down (kUnavailable: a provider outage, a busy database) is
        // not a poison event: keep retrying at the longest delay instead of dead-lettering,
        // so money-moving consumers (refunds) never stop on their own.
        // Once it has used up the attempts a poison event gets, it waits the longest delay
        // (however few attempts are configured, so a down provider is not hammered).
        std::chrono::milliseconds delay = RetryDelay(attempts);
        if (outcomes[first_failure].error().code == core::ErrorCode::kUnavailable &&
            attempts >= settings_.max_attempts - 1) {
            attempts = settings_.max_attempts - 1;
            delay = resilience::Jittered(settings_.max_retry);
        }
        if (events.size() > 1) attempts = std::min(attempts, settings_.max_attempts - 1);  // not yet alone
        if (attempts < settings_.max_attempts) {
            int64_t before = first_failure == 0 ? state.position : events[first_failure - 1].sequence;
            state = ConsumerState{before, attempts, NowMs() + delay.count()};
            blocked = true;
        } else {
            dead = DeadLetter{.id = core::NewTimeOrderedId("dlq"),
                              .source = subscription.source,
                              .consumer = subscription.consumer,
                              .event = failed,
                              .attempts = attempts,
                              .error = error_text,
                              .failed_at = NowMs() / 1000};
            state = ConsumerState{failed.sequence, 0, 0};
        }
    }

    // Passing events the consumer did not want changes nothing but its position: that is
    // saved at most once per unwanted_position_save_interval (most consumers of a busy type
    // want few of its events, and a write per delivery cost each paid order a third of a
    // write). After a crash the consumer reads such events again and passes them again.
    int64_t now_ms = NowMs();
    if (!handed_over && now_ms - subscription.saved_at_ms < settings_.unwanted_position_save_interval.count()) {
        subscription.unsaved_position = state.position;
        return static_cast<int>(events.size()) >= settings_.batch_size ? Next::kAtOnce : Next::kAfterRoundInterval;
    }
    auto written = store.SaveConsumer(ctx, subscription.consumer, state, error_text, dead);
    if (!written.ok()) {
        observability::LogError("bus_save_failed", [&](core::JsonWriter& json) {
            json.Field("consumer", subscription.consumer).Field("error", written.error().message);
        });
        return Next::kWhenPolled;
    }
    subscription.unsaved_position = 0;
    subscription.saved_at_ms = now_ms;
    if (dead) {
        observability::LogWarn("event_dead_lettered", [&](core::JsonWriter& json) {
            json.Field("consumer", subscription.consumer)
                .Field("event_id", dead->event.id)
                .Field("type", dead->event.type)
                .Field("error", error_text);
        });
    }
    // Go again at once after a full batch (a backlog) or when the retry it just scheduled is
    // already due; after a short batch, let events gather for a round interval.
    if (blocked) return state.next_attempt_at <= NowMs() ? Next::kAtOnce : Next::kWhenPolled;
    if (static_cast<int>(events.size()) >= settings_.batch_size) return Next::kAtOnce;
    return state.position > start.position ? Next::kAfterRoundInterval : Next::kWhenPolled;
}

Result<int64_t> LocalEventBus::PruneDelivered(int64_t before) {
    int64_t deleted = 0;
    for (const auto& [source, store] : sources_) {
        core::RequestContext ctx = StoreContext();
        // The lowest position among this source's consumers (0 when one has not started).
        std::optional<int64_t> lowest;
        for (const auto& subscription : subscriptions_) {
            if (subscription->source != source) continue;
            EMPORIUM_ASSIGN_OR_RETURN(ConsumerState state, store->ReadConsumer(ctx, subscription->consumer));
            lowest = std::min(lowest.value_or(INT64_MAX), state.position);
        }
        if (!lowest || *lowest <= 0) continue;
        EMPORIUM_ASSIGN_OR_RETURN(int64_t pruned, store->PruneEvents(ctx, *lowest, before));
        deleted += pruned;
    }
    return deleted;
}

Result<std::vector<DeadLetter>> LocalEventBus::ListDeadLetters(const core::RequestContext& ctx, int limit) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    std::vector<DeadLetter> all;
    for (const auto& [source, store] : sources_) {
        EMPORIUM_ASSIGN_OR_RETURN(auto letters, store->ListDeadLetters(ctx, limit));
        for (auto& letter : letters) {
            letter.source = source;
            all.push_back(std::move(letter));
        }
    }
    std::sort(all.begin(), all.end(), [](const DeadLetter& a, const DeadLetter& b) {
        return a.failed_at != b.failed_at ? a.failed_at > b.failed_at : a.id < b.id;
    });
    if (static_cast<int>(all.size()) > limit) all.resize(static_cast<std::size_t>(limit));
    return all;
}

Result<DeadLetter> LocalEventBus::Replay(const core::RequestContext& ctx, std::string_view dead_letter_id) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    std::lock_guard replaying(replay_mutex_);  // a letter is replayed once, however many ask
    for (const auto& [source, store] : sources_) {
        auto letter = store->FindDeadLetter(ctx, dead_letter_id);
        if (!letter.ok()) {
            if (letter.error().code == core::ErrorCode::kNotFound) continue;
            return letter.error();
        }
        letter->source = source;
        if (letter->replayed_at) return letter;
        Subscription* subscription = nullptr;
        for (auto& candidate : subscriptions_)
            if (candidate->source == source && candidate->consumer == letter->consumer) subscription = candidate.get();
        if (!subscription) return Error::Conflict("The consumer of this dead letter is no longer subscribed.");
        std::unique_lock delivering(subscription->delivering);  // not beside a delivery to it
        bool handed_over = false;
        std::vector<Result<void>> outcomes = Handle(*subscription, {letter->event}, handed_over);
        delivering.unlock();
        Result<void> handled = std::move(outcomes.front());
        if (!handled.ok()) return Error::Conflict("The consumer failed again: " + handled.error().message);
        int64_t now = NowMs() / 1000;
        // The consumer has handled it: record that even when the caller's time ran out meanwhile.
        EMPORIUM_TRY(store->MarkReplayed(ctx.Detached(), letter->id, now));
        letter->replayed_at = now;
        return letter;
    }
    return Error::NotFound("No such dead letter.");
}

}  // namespace emporium::bus

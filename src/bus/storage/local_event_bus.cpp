#include "bus/storage/local_event_bus.hpp"

#include <algorithm>
#include <optional>
#include <set>

#include "core/deadline.hpp"
#include "core/random.hpp"
#include "observability/log.hpp"
#include "resilience/jitter.hpp"
#include "runtime/thread_name.hpp"

namespace emporium::bus {

using core::Error;
using core::Result;
using infra::sqlite::Connection;

namespace {

constexpr std::string_view kSelectConsumer =
    "SELECT position, attempts, next_attempt_at FROM outbox_consumers WHERE consumer = ?1";
constexpr std::string_view kSelectEvents =
    "SELECT sequence, id, type, aggregate_id, payload, occurred_at FROM outbox WHERE sequence > ?1 "
    "ORDER BY sequence LIMIT ?2";
constexpr std::string_view kUpsertConsumer =
    "INSERT INTO outbox_consumers (consumer, position, attempts, next_attempt_at, last_error) "
    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (consumer) DO UPDATE SET position = excluded.position, "
    "attempts = excluded.attempts, next_attempt_at = excluded.next_attempt_at, last_error = excluded.last_error";
constexpr std::string_view kInsertDeadLetter =
    "INSERT INTO dead_letters (id, consumer, event_id, type, aggregate_id, payload, occurred_at, sequence, attempts, "
    "error, failed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
constexpr std::string_view kSelectDeadLetters =
    "SELECT id, consumer, event_id, type, aggregate_id, payload, occurred_at, sequence, attempts, error, failed_at, "
    "replayed_at FROM dead_letters ORDER BY failed_at DESC, id LIMIT ?1";
constexpr std::string_view kSelectDeadLetter =
    "SELECT id, consumer, event_id, type, aggregate_id, payload, occurred_at, sequence, attempts, error, failed_at, "
    "replayed_at FROM dead_letters WHERE id = ?1";
constexpr std::string_view kMarkReplayed = "UPDATE dead_letters SET replayed_at = ?2 WHERE id = ?1";
constexpr std::string_view kPruneOutbox = "DELETE FROM outbox WHERE sequence <= ?1 AND occurred_at < ?2";

// Deliveries waiting for a handler thread (one per consumer at most); past this, the
// dispatcher delivers on its own thread.
constexpr int kMaxQueuedDeliveries = 1024;

struct ConsumerState {
    int64_t position = 0;
    int attempts = 0;
    int64_t next_attempt_at = 0;
};

DeadLetter ReadDeadLetter(const infra::sqlite::Statement& row, const std::string& source) {
    DeadLetter letter;
    letter.id = row.String(0);
    letter.source = source;
    letter.consumer = row.String(1);
    letter.event = Event{row.String(2), row.String(3), row.String(4), row.String(5), row.Int(6), row.Int(7)};
    letter.attempts = static_cast<int>(row.Int(8));
    letter.error = row.String(9);
    letter.failed_at = row.Int(10);
    if (!row.IsNull(11)) letter.replayed_at = row.Int(11);
    return letter;
}

}  // namespace

LocalEventBus::LocalEventBus(LocalEventBusSettings settings, const core::Clock& clock)
    : settings_(settings), clock_(clock) {
    if (settings_.handler_threads > 0)
        workers_ = std::make_unique<runtime::BlockingPool>(settings_.handler_threads, kMaxQueuedDeliveries, "bus");
}

LocalEventBus::~LocalEventBus() { Stop(); }

void LocalEventBus::AddSource(std::string source, infra::sqlite::Database& database) {
    sources_.emplace_back(std::move(source), &database);
}

void LocalEventBus::Subscribe(Consumer consumer, Handler handler) {
    // One event at a time, in outbox order; once an event fails, its aggregate's later
    // events in the batch wait for it (they would be delivered again anyway).
    auto one_by_one = [handler = std::move(handler)](const core::RequestContext& ctx,
                                                     const std::vector<Event>& events) {
        std::vector<Result<void>> outcomes;
        outcomes.reserve(events.size());
        std::set<std::string_view> failed_aggregates;
        for (const Event& event : events) {
            if (failed_aggregates.contains(event.aggregate_id)) {
                outcomes.emplace_back(Error::Unavailable("an earlier event of its aggregate failed"));
                continue;
            }
            try {
                outcomes.push_back(handler(ctx, event));
            } catch (const std::exception& e) {
                outcomes.emplace_back(Error::Internal(std::string("handler threw: ") + e.what()));
            } catch (...) {  // e.g. a library's own exception type: never let it end the thread
                outcomes.emplace_back(Error::Internal("handler threw an exception of an unknown type"));
            }
            if (!outcomes.back().ok()) failed_aggregates.insert(event.aggregate_id);
        }
        return outcomes;
    };
    SubscribeBatch(std::move(consumer), std::move(one_by_one));
}

void LocalEventBus::SubscribeBatch(Consumer consumer, BatchHandler handler) {
    // A consumer hears the sources added before it; one with none would hear nothing, ever.
    if (sources_.empty())
        observability::LogError("bus_subscription_without_source",
                                [&](core::JsonWriter& json) { json.Field("consumer", consumer.name); });
    for (const auto& [source, database] : sources_) {
        auto subscription = std::make_unique<Subscription>();
        subscription->source = source;
        subscription->consumer = consumer.name;
        subscription->types = consumer.types;
        subscription->handler = handler;
        subscription->wanted = consumer.wanted;
        subscription->database = database;
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
    double delay = static_cast<double>(settings_.first_retry.count());
    for (int i = 1; i < attempts && delay < static_cast<double>(settings_.max_retry.count()); ++i) delay *= 3;
    delay = std::min(delay, static_cast<double>(settings_.max_retry.count()));
    return resilience::Jittered(std::chrono::milliseconds(static_cast<int64_t>(delay)));
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
    infra::sqlite::Database& db = *subscription.database;

    struct Batch {
        ConsumerState state;
        std::vector<Event> events;
    };
    auto batch = db.Read<Batch>([&](Connection& c) -> Result<Batch> {
        Batch out;
        EMPORIUM_ASSIGN_OR_RETURN(auto consumer, c.Prepare(kSelectConsumer));
        consumer.Bind(1, subscription.consumer);
        EMPORIUM_ASSIGN_OR_RETURN(bool known, consumer.Step());
        if (known) {
            out.state = ConsumerState{consumer.Int(0), static_cast<int>(consumer.Int(1)), consumer.Int(2)};
        }
        if (out.state.attempts == 0 && out.state.next_attempt_at == 0)
            out.state.position = std::max(out.state.position, subscription.unsaved_position);
        if (out.state.next_attempt_at > NowMs()) return out;
        // A retry (a failure scheduled one: next_attempt_at is set) is delivered alone. When a
        // batch consumer fails a whole batch (its transaction failed), the bus blames the
        // batch's first event: alone, an innocent event then succeeds, and only an event
        // that fails alone is dead-lettered.
        int limit = out.state.next_attempt_at > 0 ? 1 : settings_.batch_size;
        EMPORIUM_ASSIGN_OR_RETURN(auto events, c.Prepare(kSelectEvents));
        events.Bind(1, out.state.position).Bind(2, limit);
        while (true) {
            EMPORIUM_ASSIGN_OR_RETURN(bool row, events.Step());
            if (!row) break;
            out.events.push_back(Event{events.String(1), events.String(2), events.String(3), events.String(4),
                                       events.Int(5), events.Int(0)});
        }
        return out;
    });
    if (!batch.ok()) {
        observability::LogError("bus_read_failed", [&](core::JsonWriter& json) {
            json.Field("source", subscription.source).Field("error", batch.error().message);
        });
        return Next::kWhenPolled;
    }
    if (batch->events.empty()) return Next::kWhenPolled;

    const std::vector<Event>& events = batch->events;
    bool handed_over = false;
    std::vector<Result<void>> outcomes = Handle(subscription, events, handed_over);

    // The consumer's position advances over every event up to the first failure. Events
    // after it that succeeded (other aggregates) will be delivered again, which idempotent
    // consumers absorb; the failed one is retried (its aggregate's later events wait) or,
    // after the last attempt, dead-lettered.
    ConsumerState state = batch->state;
    std::optional<Event> dead;
    int dead_attempts = 0;
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
            dead = failed;
            dead_attempts = attempts;
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
    auto saved = db.Write<void>([&](Connection& c) -> Result<void> {
        if (dead) {
            EMPORIUM_ASSIGN_OR_RETURN(auto insert, c.Prepare(kInsertDeadLetter));
            insert.Bind(1, core::NewTimeOrderedId("dlq"))
                .Bind(2, subscription.consumer)
                .Bind(3, dead->id)
                .Bind(4, dead->type);
            insert.Bind(5, dead->aggregate_id).Bind(6, dead->payload).Bind(7, dead->occurred_at);
            insert.Bind(8, dead->sequence).Bind(9, dead_attempts).Bind(10, error_text).Bind(11, NowMs() / 1000);
            EMPORIUM_TRY(insert.Run());
        }
        EMPORIUM_ASSIGN_OR_RETURN(auto upsert, c.Prepare(kUpsertConsumer));
        upsert.Bind(1, subscription.consumer).Bind(2, state.position).Bind(3, state.attempts);
        upsert.Bind(4, state.next_attempt_at).Bind(5, error_text);
        return upsert.Run();
    });
    if (!saved.ok()) {
        observability::LogError("bus_save_failed", [&](core::JsonWriter& json) {
            json.Field("consumer", subscription.consumer).Field("error", saved.error().message);
        });
        return Next::kWhenPolled;
    }
    subscription.unsaved_position = 0;
    subscription.saved_at_ms = now_ms;
    if (dead) {
        observability::LogWarn("event_dead_lettered", [&](core::JsonWriter& json) {
            json.Field("consumer", subscription.consumer)
                .Field("event_id", dead->id)
                .Field("type", dead->type)
                .Field("error", error_text);
        });
    }
    // Go again at once after a full batch (a backlog) or when the retry it just scheduled is
    // already due; after a short batch, let events gather for a round interval.
    if (blocked) return state.next_attempt_at <= NowMs() ? Next::kAtOnce : Next::kWhenPolled;
    if (static_cast<int>(events.size()) >= settings_.batch_size) return Next::kAtOnce;
    return state.position > batch->state.position ? Next::kAfterRoundInterval : Next::kWhenPolled;
}

Result<int64_t> LocalEventBus::PruneDelivered(int64_t before) {
    int64_t deleted = 0;
    for (const auto& [source, db] : sources_) {
        std::vector<std::string> consumers;
        for (const auto& subscription : subscriptions_)
            if (subscription->source == source) consumers.push_back(subscription->consumer);
        if (consumers.empty()) continue;
        // The lowest position among this source's consumers (0 when one has not started).
        auto lowest = db->Read<int64_t>([&](Connection& c) -> Result<int64_t> {
            int64_t low = INT64_MAX;
            for (const auto& consumer : consumers) {
                EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kSelectConsumer));
                stmt.Bind(1, consumer);
                EMPORIUM_ASSIGN_OR_RETURN(bool known, stmt.Step());
                low = std::min(low, known ? stmt.Int(0) : int64_t{0});
            }
            return low;
        });
        if (!lowest.ok()) return lowest.error();
        if (*lowest <= 0) continue;
        auto pruned = db->Write<int64_t>([&](Connection& c) -> Result<int64_t> {
            EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kPruneOutbox));
            stmt.Bind(1, *lowest).Bind(2, before);
            EMPORIUM_TRY(stmt.Run());
            return c.ChangedRows();
        });
        if (!pruned.ok()) return pruned.error();
        deleted += *pruned;
    }
    return deleted;
}

Result<std::vector<DeadLetter>> LocalEventBus::ListDeadLetters(const core::RequestContext& ctx, int limit) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    std::vector<DeadLetter> all;
    for (const auto& [source, db] : sources_) {
        auto letters = db->Read<std::vector<DeadLetter>>([&](Connection& c) -> Result<std::vector<DeadLetter>> {
            EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kSelectDeadLetters));
            stmt.Bind(1, limit);
            std::vector<DeadLetter> out;
            while (true) {
                EMPORIUM_ASSIGN_OR_RETURN(bool row, stmt.Step());
                if (!row) break;
                out.push_back(ReadDeadLetter(stmt, source));
            }
            return out;
        });
        if (!letters.ok()) return letters.error();
        all.insert(all.end(), letters->begin(), letters->end());
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
    for (const auto& [source, db] : sources_) {
        auto letter = db->Read<DeadLetter>([&](Connection& c) -> Result<DeadLetter> {
            EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kSelectDeadLetter));
            stmt.Bind(1, dead_letter_id);
            EMPORIUM_ASSIGN_OR_RETURN(bool row, stmt.Step());
            if (!row) return Error::NotFound("No such dead letter.");
            return ReadDeadLetter(stmt, source);
        });
        if (!letter.ok()) {
            if (letter.error().code == core::ErrorCode::kNotFound) continue;
            return letter.error();
        }
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
        EMPORIUM_TRY(db->Write<void>([&](Connection& c) -> Result<void> {
            EMPORIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kMarkReplayed));
            stmt.Bind(1, letter->id).Bind(2, now);
            return stmt.Run();
        }));
        letter->replayed_at = now;
        return letter;
    }
    return Error::NotFound("No such dead letter.");
}

}  // namespace emporium::bus

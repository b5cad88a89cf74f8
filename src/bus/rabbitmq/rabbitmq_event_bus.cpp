#include "bus/rabbitmq/rabbitmq_event_bus.hpp"

#include <algorithm>
#include <optional>

#include "bus/one_by_one.hpp"
#include "core/clock.hpp"
#include "core/deadline.hpp"
#include "core/random.hpp"
#include "observability/log.hpp"
#include "observability/metrics.hpp"
#include "resilience/backoff.hpp"
#include "runtime/thread_name.hpp"

namespace emporium::bus {

using core::Error;
using core::Result;
using infra::rabbitmq::Client;
using infra::rabbitmq::Connection;
using infra::rabbitmq::Delivery;
using infra::rabbitmq::Message;
using infra::rabbitmq::QueueOptions;

namespace {

// Message headers: what an Event carries beyond the message's own properties (id = message
// id, type, occurred_at = timestamp, payload = body), and what a retry or dead letter adds.
constexpr const char* kSourceHeader = "source";
constexpr const char* kAggregateHeader = "aggregate_id";
constexpr const char* kSequenceHeader = "sequence";
constexpr const char* kOccurredAtHeader = "occurred_at";
constexpr const char* kAttemptsHeader = "x-emporium-attempts";
constexpr const char* kErrorHeader = "x-emporium-error";
constexpr const char* kConsumerHeader = "x-emporium-consumer";
constexpr const char* kDeadLetterIdHeader = "x-emporium-dead-letter-id";
constexpr const char* kFailedAtHeader = "x-emporium-failed-at";

// The longest the bus's own reads and writes of a source may take before it gives up on
// them until its next try.
constexpr std::chrono::seconds kStoreDeadline{30};
// The first wait after a broker failure (then doubling up to max_backoff).
constexpr std::chrono::milliseconds kFirstBackoff{100};

// The dead-letter recorder's prefetch: letters are rare, each is one write.
constexpr uint16_t kRecorderPrefetch = 10;

int64_t UnixSecondsNow() { return core::UnixMillisNow() / 1000; }

core::RequestContext StoreContext() {
    core::RequestContext ctx;
    ctx.deadline = std::chrono::steady_clock::now() + kStoreDeadline;
    ctx.request_id = "event-bus";
    return ctx;
}

int64_t HeaderInt(const Message& message, const char* name, int64_t fallback) {
    auto text = message.headers.Find(name);
    if (!text) return fallback;
    try {
        return std::stoll(*text);
    } catch (...) {
        return fallback;
    }
}

std::string HeaderText(const Message& message, const char* name) { return message.headers.Find(name).value_or(""); }

// The message that carries `event` from `source`.
Message EventMessage(const Event& event, const std::string& source) {
    Message message;
    message.routing_key = event.type;
    message.body = event.payload;
    message.message_id = event.id;
    message.type = event.type;
    message.timestamp = event.occurred_at;
    message.headers.Set(kSourceHeader, source)
        .Set(kAggregateHeader, event.aggregate_id)
        .Set(kSequenceHeader, event.sequence)
        .Set(kOccurredAtHeader, event.occurred_at);
    return message;
}

Event MessageEvent(const Message& message) {
    Event event;
    event.id = message.message_id;
    event.type = message.type.empty() ? message.routing_key : message.type;
    event.aggregate_id = HeaderText(message, kAggregateHeader);
    event.payload = message.body;
    event.occurred_at = HeaderInt(message, kOccurredAtHeader, message.timestamp);
    event.sequence = HeaderInt(message, kSequenceHeader, 0);
    return event;
}

void LogBrokerTrouble(std::string_view what, const std::string& name, const Error& error) {
    observability::LogWarn(what,
                           [&](core::JsonWriter& json) { json.Field("consumer", name).Field("error", error.message); });
}

}  // namespace

RabbitMqEventBus::RabbitMqEventBus(RabbitMqEventBusSettings settings) : settings_(std::move(settings)) {
    if (settings_.replica_id.empty()) settings_.replica_id = core::NewTimeOrderedId("r");
    settings_.max_attempts = std::max(settings_.max_attempts, 1);
    settings_.prefetch = std::clamp(settings_.prefetch, 1, 65535);
}

RabbitMqEventBus::~RabbitMqEventBus() { Stop(); }

void RabbitMqEventBus::AddSource(std::string source, OutboxStore& store) {
    sources_.emplace_back(std::move(source), &store);
}

void RabbitMqEventBus::Subscribe(Consumer consumer, Handler handler) {
    SubscribeBatch(std::move(consumer), OneByOne(std::move(handler)));
}

void RabbitMqEventBus::SubscribeBatch(Consumer consumer, BatchHandler handler) {
    auto subscription = std::make_unique<Subscription>();
    subscription->queue = settings_.prefix + "." + consumer.name;
    if (consumer.fanout == Fanout::kEveryReplica) subscription->queue += "." + settings_.replica_id;
    subscription->consumer = std::move(consumer);
    subscription->handler = std::move(handler);
    subscriptions_.push_back(std::move(subscription));
}

infra::rabbitmq::ConnectionOptions RabbitMqEventBus::ConnectionOptions(std::string name) const {
    infra::rabbitmq::ConnectionOptions options;
    options.url = settings_.url;
    options.connect_timeout = settings_.connect_timeout;
    options.name = "emporium " + std::move(name);
    return options;
}

void RabbitMqEventBus::Start() {
    std::lock_guard lock(mutex_);
    if (started_) return;
    started_ = true;
    stopping_ = false;
    relay_thread_ = std::thread([this] {
        runtime::NameThisThread("bus-relay");
        RelayLoop();
    });
    if (!sources_.empty())
        recorder_thread_ = std::thread([this] {
            runtime::NameThisThread("bus-dead-letters");
            RecordLoop();
        });
    for (auto& subscription : subscriptions_)
        subscription->thread = std::thread([this, s = subscription.get()] {
            runtime::NameThisThread("bus-consumer");
            ConsumeLoop(*s);
        });
}

void RabbitMqEventBus::Stop() {
    {
        std::lock_guard lock(mutex_);
        if (!started_) return;
        stopping_ = true;
    }
    wakeup_.notify_all();
    if (relay_thread_.joinable()) relay_thread_.join();
    if (recorder_thread_.joinable()) recorder_thread_.join();
    for (auto& subscription : subscriptions_)
        if (subscription->thread.joinable()) subscription->thread.join();
    std::lock_guard lock(mutex_);
    started_ = false;
}

void RabbitMqEventBus::Wake() {
    {
        std::lock_guard lock(mutex_);
        woken_ = true;
    }
    wakeup_.notify_all();
}

bool RabbitMqEventBus::Sleep(std::chrono::milliseconds duration, bool wakeable) {
    std::unique_lock lock(mutex_);
    wakeup_.wait_for(lock, duration, [&] { return stopping_ || (wakeable && woken_); });
    if (wakeable) woken_ = false;
    return !stopping_;
}

std::chrono::milliseconds RabbitMqEventBus::RetryDelay(int attempt) const {
    // first_retry × 3^(attempt-1), capped. No jitter: a retry queue has one TTL for all.
    return resilience::GrowingDelay(settings_.first_retry, 3, attempt, settings_.max_retry);
}

std::string RabbitMqEventBus::RetryQueue(const Subscription& subscription, int attempt) const {
    return subscription.queue + ".retry." + std::to_string(attempt);
}

QueueOptions RabbitMqEventBus::ConsumerQueueOptions(const Subscription& subscription) const {
    QueueOptions options;
    if (subscription.consumer.fanout == Fanout::kEveryReplica) {
        // This process's alone: gone a while after the process stopped consuming it.
        options.durable = false;
        options.arguments.Set("x-expires", static_cast<int64_t>(settings_.replica_queue_expiry.count()));
    }
    return options;
}

QueueOptions RabbitMqEventBus::RetryQueueOptions(const Subscription& subscription, int attempt) const {
    QueueOptions options = ConsumerQueueOptions(subscription);
    // Nobody consumes a retry queue: a message waits out the TTL, then the broker
    // dead-letters it through the default exchange back into the consumer's queue.
    options.arguments.Set("x-message-ttl", static_cast<int64_t>(RetryDelay(attempt).count()))
        .Set("x-dead-letter-exchange", "")
        .Set("x-dead-letter-routing-key", subscription.queue);
    return options;
}

Result<void> RabbitMqEventBus::DeclareConsumerQueues(Connection& connection, const Subscription& subscription) {
    EMPORIUM_TRY(connection.DeclareQueue(subscription.queue, ConsumerQueueOptions(subscription)));
    for (int attempt = 1; attempt < settings_.max_attempts; ++attempt)
        EMPORIUM_TRY(
            connection.DeclareQueue(RetryQueue(subscription, attempt), RetryQueueOptions(subscription, attempt)));
    for (const std::string& type : subscription.consumer.types)
        EMPORIUM_TRY(connection.BindQueue(subscription.queue, ExchangeName(), type));
    return core::Ok();
}

Result<void> RabbitMqEventBus::DeclareTopology(Connection& connection) {
    EMPORIUM_TRY(connection.DeclareExchange(ExchangeName(), "topic"));
    EMPORIUM_TRY(connection.DeclareExchange(DeadExchangeName(), "fanout"));
    EMPORIUM_TRY(connection.DeclareQueue(DeadQueueName(), QueueOptions{}));
    EMPORIUM_TRY(connection.BindQueue(DeadQueueName(), DeadExchangeName(), ""));
    for (const auto& subscription : subscriptions_) EMPORIUM_TRY(DeclareConsumerQueues(connection, *subscription));
    return core::Ok();
}

// ---- the relay ----

void RabbitMqEventBus::RelayLoop() {
    Client client(ConnectionOptions("relay"));
    uint64_t declared_generation = 0;
    resilience::Backoff backoff(kFirstBackoff, settings_.max_backoff);
    while (true) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) break;
        }
        Result<RelayPass> pass = RelayOnce(client, declared_generation);
        {
            std::lock_guard lock(mutex_);
            ++relay_passes_;
            // Standing by counts as caught up: another process relays.
            relay_caught_up_ = pass.ok() && *pass != RelayPass::kPublished;
        }
        wakeup_.notify_all();
        if (!pass.ok()) {
            counters_.relay_failures.fetch_add(1);
            if (backoff.at_start())
                observability::LogWarn("bus_relay_failed",
                                       [&](core::JsonWriter& json) { json.Field("error", pass.error().message); });
            // While the broker (or a database) is down the outboxes hold the events: back
            // off, however often producers wake the relay.
            if (!Sleep(backoff.Next(), false)) break;
            continue;
        }
        if (!backoff.at_start()) observability::LogInfo("bus_relay_resumed");
        backoff.Reset();
        if (*pass == RelayPass::kPublished) continue;  // more may be waiting
        if (*pass == RelayPass::kStandby) {
            if (!Sleep(settings_.standby_interval, false)) break;
            continue;
        }
        if (!Sleep(settings_.poll_interval, true)) break;
    }
    counters_.relaying = false;
    broker_reachable_ = false;
}

Result<RabbitMqEventBus::RelayPass> RabbitMqEventBus::RelayOnce(Client& client, uint64_t& declared_generation) {
    auto connected = client.Get();
    if (!connected.ok()) {
        broker_reachable_ = false;
        counters_.relaying = false;
        return connected.error();
    }
    Connection& connection = **connected;
    if (client.generation() != declared_generation) {
        counters_.relaying = false;
        // Queues first: an event published before its consumers' queues exist is lost.
        auto declared = DeclareTopology(connection);
        broker_reachable_ = connection.healthy();
        EMPORIUM_TRY(declared);
        // Then the sources: one process relays each, the one whose connection holds its
        // exclusive queue (the broker drops it with the connection, so a process that dies
        // hands over). Two relays of one outbox would publish every event twice.
        for (const auto& [source, store] : sources_) {
            auto locked = connection.DeclareQueue(
                RelayLockName(source), QueueOptions{.durable = false, .exclusive = true, .auto_delete = true});
            if (locked.ok()) continue;
            broker_reachable_ = locked.error().code == core::ErrorCode::kConflict;
            if (locked.error().code == core::ErrorCode::kConflict) return RelayPass::kStandby;
            return locked.error();
        }
        declared_generation = client.generation();
        counters_.relaying = !sources_.empty();
    }
    auto polled = connection.Poll();
    broker_reachable_ = connection.healthy();
    EMPORIUM_TRY(polled);

    bool published_any = false;
    int64_t pending = 0;
    int64_t lag_seconds = 0;
    auto note_lag = [&](const std::vector<Event>& events) {
        pending += static_cast<int64_t>(events.size());
        lag_seconds = std::max(lag_seconds, UnixSecondsNow() - events.front().occurred_at);
        counters_.relay_pending = pending;
        counters_.relay_lag_seconds = lag_seconds;
    };
    for (const auto& [source, store] : sources_) {
        core::RequestContext ctx = StoreContext();
        EMPORIUM_ASSIGN_OR_RETURN(ConsumerState relayed, store->ReadConsumer(ctx, kRelayConsumer));
        EMPORIUM_ASSIGN_OR_RETURN(std::vector<Event> events,
                                  store->ReadEvents(ctx, relayed.position, settings_.relay_batch));
        if (events.empty()) continue;
        note_lag(events);
        std::vector<Message> messages;
        messages.reserve(events.size());
        for (const Event& event : events) {
            messages.push_back(EventMessage(event, source));
            messages.back().exchange = ExchangeName();
        }
        auto confirmed =
            connection.PublishConfirmed(messages, std::chrono::steady_clock::now() + settings_.publish_timeout);
        broker_reachable_ = connection.healthy();
        EMPORIUM_TRY(confirmed);
        // Only now: an event the broker has not confirmed is never passed.
        EMPORIUM_TRY(
            store->SaveConsumer(ctx, kRelayConsumer, ConsumerState{events.back().sequence, 0, 0}, "", std::nullopt));
        counters_.relayed.fetch_add(events.size());
        pending -= static_cast<int64_t>(events.size());
        published_any = true;
    }
    counters_.relay_pending = pending;
    if (pending == 0) counters_.relay_lag_seconds = 0;
    return published_any ? RelayPass::kPublished : RelayPass::kIdle;
}

// ---- consumers ----

void RabbitMqEventBus::ConsumeLoop(Subscription& subscription) {
    Client consuming(ConnectionOptions(subscription.consumer.name));
    Client publishing(ConnectionOptions(subscription.consumer.name + " retries"));
    uint64_t consuming_generation = 0;
    resilience::Backoff backoff(kFirstBackoff, settings_.max_backoff);
    const std::string& name = subscription.consumer.name;
    auto fail = [&](std::string_view what, const Error& error) {
        if (backoff.at_start()) LogBrokerTrouble(what, name, error);
        consuming.Close();  // what it holds unacked goes back to the queue
        return Sleep(backoff.Next(), false);
    };
    while (true) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) break;
        }
        auto connected = consuming.Get();
        if (!connected.ok()) {
            if (!fail("bus_consumer_disconnected", connected.error())) break;
            continue;
        }
        Connection& connection = **connected;
        if (consuming.generation() != consuming_generation) {
            auto ready = DeclareConsumerQueues(connection, subscription);
            if (ready.ok()) ready = connection.Consume(subscription.queue, static_cast<uint16_t>(settings_.prefetch));
            if (!ready.ok()) {
                if (!fail("bus_consumer_setup_failed", ready.error())) break;
                continue;
            }
            consuming_generation = consuming.generation();
        }
        auto received = connection.Receive(settings_.poll_interval);
        if (!received.ok()) {
            if (!fail("bus_consumer_disconnected", received.error())) break;
            continue;
        }
        if (!received->has_value()) {
            if (publishing.IfOpen()) (void)publishing.IfOpen()->Poll();  // its heartbeats
            continue;
        }
        last_receipt_ms_ = core::UnixMillisNow();
        std::vector<Delivery> deliveries;
        deliveries.push_back(std::move(**received));
        // Whatever else is here already (at most the prefetch) goes to the handler with it.
        while (static_cast<int>(deliveries.size()) < settings_.prefetch) {
            auto more = connection.Receive(std::chrono::milliseconds(0));
            if (!more.ok() || !more->has_value()) break;
            deliveries.push_back(std::move(**more));
        }
        auto handled = HandleDeliveries(subscription, connection, publishing, deliveries);
        if (!handled.ok()) {
            if (!fail("bus_consumer_failed", handled.error())) break;
            continue;
        }
        backoff.Reset();
    }
    consuming.Close();
}

bool RabbitMqEventBus::Wanted(const Subscription& subscription, const Event& event) const {
    const auto& types = subscription.consumer.types;
    if (std::find(types.begin(), types.end(), event.type) == types.end()) return false;
    if (!subscription.consumer.wanted) return true;
    try {
        return subscription.consumer.wanted(event);
    } catch (...) {  // out of memory, say: let the handler decide (and fail, and retry)
        return true;
    }
}

std::vector<Result<void>> RabbitMqEventBus::CallHandler(Subscription& subscription, const std::vector<Event>& events) {
    core::RequestContext ctx;
    ctx.deadline = std::chrono::steady_clock::now() + settings_.handler_deadline;
    ctx.request_id = subscription.consumer.name + ":" + events.front().id;
    std::vector<Result<void>> outcomes;
    try {
        outcomes = subscription.handler(ctx, events);
    } catch (const std::exception& e) {
        outcomes.assign(events.size(), Error::Internal(std::string("handler threw: ") + e.what()));
    } catch (...) {
        outcomes.assign(events.size(), Error::Internal("handler threw an exception of an unknown type"));
    }
    if (outcomes.size() != events.size())
        outcomes.assign(events.size(), Error::Internal("the handler of " + subscription.consumer.name +
                                                       " returned the wrong number of outcomes"));
    return outcomes;
}

Result<void> RabbitMqEventBus::HandleDeliveries(Subscription& subscription, Connection& consuming, Client& publishing,
                                                std::vector<Delivery>& deliveries) {
    struct Busy {
        std::atomic<int>& count;
        explicit Busy(std::atomic<int>& c) : count(c) { ++count; }
        ~Busy() { --count; }
    } busy(handling_);

    const std::size_t n = deliveries.size();
    std::vector<Event> events(n);
    std::vector<int> attempts(n, 0);
    std::vector<bool> wanted(n, false);
    std::vector<bool> shared(n, false);  // handed over beside other events
    std::vector<Result<void>> outcomes(n, core::Ok());
    // New events go to the handler together, in queue order; a retried one alone, so that
    // a poison event does not take innocent ones to the dead letters with it.
    std::vector<std::size_t> fresh;
    for (std::size_t i = 0; i < n; ++i) {
        events[i] = MessageEvent(deliveries[i].message);
        attempts[i] = static_cast<int>(HeaderInt(deliveries[i].message, kAttemptsHeader, 0));
        wanted[i] = Wanted(subscription, events[i]);
        if (wanted[i] && attempts[i] == 0) fresh.push_back(i);
    }
    {
        std::lock_guard handling(subscription.handling);
        if (!fresh.empty()) {
            std::vector<Event> batch;
            batch.reserve(fresh.size());
            for (std::size_t i : fresh) batch.push_back(events[i]);
            std::vector<Result<void>> handled = CallHandler(subscription, batch);
            for (std::size_t k = 0; k < fresh.size(); ++k) {
                outcomes[fresh[k]] = std::move(handled[k]);
                shared[fresh[k]] = fresh.size() > 1;
            }
        }
        for (std::size_t i = 0; i < n; ++i)
            if (wanted[i] && attempts[i] > 0) outcomes[i] = std::move(CallHandler(subscription, {events[i]}).front());
    }

    // A handled event often leads to the next (PaymentSucceeded → OrderPaid → a shipment):
    // what the handler appended to an outbox is relayed now, not at the relay's next poll.
    bool any_handled = false;
    for (std::size_t i = 0; i < n; ++i) any_handled = any_handled || (wanted[i] && outcomes[i].ok());
    if (any_handled) Wake();
    for (std::size_t i = 0; i < n; ++i) {
        const uint64_t tag = deliveries[i].delivery_tag;
        if (outcomes[i].ok()) {
            if (wanted[i]) counters_.handled.fetch_add(1);
            EMPORIUM_TRY(consuming.Ack(tag));
            continue;
        }
        const Error& error = outcomes[i].error();
        int attempt = attempts[i] + 1;
        // A dependency that is down (kUnavailable) is not a poison event: once it has used
        // the attempts a poison event gets, it keeps coming back at the longest delay.
        if (error.code == core::ErrorCode::kUnavailable) attempt = std::min(attempt, settings_.max_attempts - 1);
        // Failed beside others: not judged until it failed alone.
        if (shared[i]) attempt = std::min(attempt, settings_.max_attempts - 1);

        Message message = EventMessage(events[i], HeaderText(deliveries[i].message, kSourceHeader));
        message.headers.Set(kAttemptsHeader, static_cast<int64_t>(attempt)).Set(kErrorHeader, error.message);
        auto deadline = std::chrono::steady_clock::now() + settings_.publish_timeout;
        EMPORIUM_ASSIGN_OR_RETURN(Connection * publisher, publishing.Get());
        if (attempt >= 1 && attempt < settings_.max_attempts) {
            std::string retry_queue = RetryQueue(subscription, attempt);
            // Declared again before each use: a replica's retry queue that sat unused past
            // its expiry is gone (and the declaration renews it).
            EMPORIUM_TRY(publisher->DeclareQueue(retry_queue, RetryQueueOptions(subscription, attempt)));
            message.routing_key = retry_queue;
            EMPORIUM_TRY(publisher->PublishConfirmed({message}, deadline));
            counters_.retried.fetch_add(1);
        } else {
            message.exchange = DeadExchangeName();
            message.routing_key = subscription.consumer.name;
            message.headers.Set(kConsumerHeader, subscription.consumer.name)
                .Set(kDeadLetterIdHeader, core::NewTimeOrderedId("dlq"))
                .Set(kFailedAtHeader, UnixSecondsNow());
            EMPORIUM_TRY(publisher->PublishConfirmed({message}, deadline));
            counters_.dead_lettered.fetch_add(1);
            observability::LogWarn("event_dead_lettered", [&](core::JsonWriter& json) {
                json.Field("consumer", subscription.consumer.name)
                    .Field("event_id", events[i].id)
                    .Field("type", events[i].type)
                    .Field("error", error.message);
            });
        }
        // Only after the broker confirmed its retry (or letter): until then it stays ours.
        EMPORIUM_TRY(consuming.Ack(tag));
    }
    return core::Ok();
}

// ---- dead letters ----

void RabbitMqEventBus::RecordLoop() {
    Client consuming(ConnectionOptions("dead letters"));
    uint64_t consuming_generation = 0;
    resilience::Backoff backoff(kFirstBackoff, settings_.max_backoff);
    OutboxStore& store = *sources_.front().second;
    auto fail = [&](const Error& error) {
        if (backoff.at_start()) LogBrokerTrouble("bus_dead_letter_recorder_failed", "", error);
        consuming.Close();
        return Sleep(backoff.Next(), false);
    };
    while (true) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) break;
        }
        auto connected = consuming.Get();
        if (!connected.ok()) {
            if (!fail(connected.error())) break;
            continue;
        }
        Connection& connection = **connected;
        if (consuming.generation() != consuming_generation) {
            auto ready = [&]() -> Result<void> {
                EMPORIUM_TRY(connection.DeclareExchange(DeadExchangeName(), "fanout"));
                EMPORIUM_TRY(connection.DeclareQueue(DeadQueueName(), QueueOptions{}));
                EMPORIUM_TRY(connection.BindQueue(DeadQueueName(), DeadExchangeName(), ""));
                return connection.Consume(DeadQueueName(), kRecorderPrefetch);
            }();
            if (!ready.ok()) {
                if (!fail(ready.error())) break;
                continue;
            }
            consuming_generation = consuming.generation();
        }
        auto received = connection.Receive(settings_.poll_interval);
        if (!received.ok()) {
            if (!fail(received.error())) break;
            continue;
        }
        if (!received->has_value()) continue;
        last_receipt_ms_ = core::UnixMillisNow();
        struct Busy {
            std::atomic<int>& count;
            explicit Busy(std::atomic<int>& c) : count(c) { ++count; }
            ~Busy() { --count; }
        } busy(handling_);
        const Message& message = (*received)->message;
        DeadLetter letter;
        letter.id = HeaderText(message, kDeadLetterIdHeader);
        if (letter.id.empty()) letter.id = core::NewTimeOrderedId("dlq");  // not one of ours: keep it anyway
        letter.consumer = HeaderText(message, kConsumerHeader);
        letter.event = MessageEvent(message);
        letter.attempts = static_cast<int>(HeaderInt(message, kAttemptsHeader, 0));
        letter.error = HeaderText(message, kErrorHeader);
        letter.failed_at = HeaderInt(message, kFailedAtHeader, UnixSecondsNow());
        // Acked only once the letter is committed; stored twice it is kept once (its id).
        auto saved = store.SaveDeadLetter(StoreContext(), letter);
        if (!saved.ok()) {
            if (!fail(saved.error())) break;
            continue;
        }
        auto acked = connection.Ack((*received)->delivery_tag);
        if (!acked.ok()) {
            if (!fail(acked.error())) break;
            continue;
        }
        counters_.recorded.fetch_add(1);
        backoff.Reset();
    }
    consuming.Close();
}

Result<std::vector<DeadLetter>> RabbitMqEventBus::ListDeadLetters(const core::RequestContext& ctx, int limit) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    if (sources_.empty()) return std::vector<DeadLetter>{};
    EMPORIUM_ASSIGN_OR_RETURN(auto letters, sources_.front().second->ListDeadLetters(ctx, limit));
    for (auto& letter : letters) letter.source = sources_.front().first;
    return letters;
}

Result<DeadLetter> RabbitMqEventBus::Replay(const core::RequestContext& ctx, std::string_view dead_letter_id) {
    EMPORIUM_TRY(core::CheckDeadline(ctx));
    if (sources_.empty()) return Error::NotFound("No such dead letter.");
    std::lock_guard replaying(replay_mutex_);  // a letter is replayed once, however many ask
    const auto& [source, store] = sources_.front();
    EMPORIUM_ASSIGN_OR_RETURN(DeadLetter letter, store->FindDeadLetter(ctx, dead_letter_id));
    letter.source = source;
    if (letter.replayed_at) return letter;
    Subscription* subscription = nullptr;
    for (auto& candidate : subscriptions_)
        if (candidate->consumer.name == letter.consumer) subscription = candidate.get();
    if (!subscription) return Error::Conflict("The consumer of this dead letter is no longer subscribed.");
    Result<void> handled = core::Ok();
    {
        std::lock_guard handling(subscription->handling);  // not beside a delivery to it
        handled = std::move(CallHandler(*subscription, {letter.event}).front());
    }
    if (!handled.ok()) return Error::Conflict("The consumer failed again: " + handled.error().message);
    int64_t now = UnixSecondsNow();
    // The consumer has handled it: record that even when the caller's time ran out meanwhile.
    EMPORIUM_TRY(store->MarkReplayed(ctx.Detached(), letter.id, now));
    letter.replayed_at = now;
    return letter;
}

// ---- tests, retention, metrics ----

bool RabbitMqEventBus::WaitUntilIdle(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    Client inspector(ConnectionOptions("inspector"));
    std::vector<std::string> queues{DeadQueueName()};
    for (const auto& subscription : subscriptions_) {
        queues.push_back(subscription->queue);
        for (int attempt = 1; attempt < settings_.max_attempts; ++attempt)
            queues.push_back(RetryQueue(*subscription, attempt));
    }
    uint64_t first_pass;
    {
        std::lock_guard lock(mutex_);
        first_pass = relay_passes_;
    }
    Wake();
    // Quiet several times in a row: a message moving from a retry queue to its consumer's
    // queue, or read and not yet counted as handling, is seen on one of them.
    int quiet = 0;
    while (std::chrono::steady_clock::now() < deadline) {
        bool idle;
        {
            std::lock_guard lock(mutex_);
            // A pass that began after this call found nothing to relay.
            idle = relay_passes_ >= first_pass + 2 && relay_caught_up_;
        }
        idle = idle && handling_.load() == 0 && core::UnixMillisNow() - last_receipt_ms_.load() > 100;
        if (idle) {
            auto connected = inspector.Get();
            idle = connected.ok();
            for (std::size_t q = 0; idle && q < queues.size(); ++q) {
                auto state = (*connected)->InspectQueue(queues[q]);
                idle = state.ok() && state->messages == 0;
            }
        }
        quiet = idle ? quiet + 1 : 0;
        if (quiet >= 3) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
    return false;
}

Result<int64_t> RabbitMqEventBus::PruneRelayed(int64_t before) {
    int64_t deleted = 0;
    for (const auto& [source, store] : sources_) {
        core::RequestContext ctx = StoreContext();
        EMPORIUM_ASSIGN_OR_RETURN(ConsumerState relayed, store->ReadConsumer(ctx, kRelayConsumer));
        if (relayed.position <= 0) continue;
        EMPORIUM_ASSIGN_OR_RETURN(int64_t pruned, store->PruneEvents(ctx, relayed.position, before));
        deleted += pruned;
    }
    return deleted;
}

void RabbitMqEventBus::RenderMetrics(std::string& out) const {
    using observability::AppendFamilyHeader;
    using observability::AppendSample;
    auto counter = [&](const char* name, const char* help, const std::atomic<uint64_t>& value) {
        AppendFamilyHeader(out, name, "counter", help);
        AppendSample(out, name, "", static_cast<int64_t>(value.load()));
    };
    counter("emporium_bus_relayed_total", "Outbox events published to RabbitMQ and confirmed by it.",
            counters_.relayed);
    counter("emporium_bus_relay_failures_total", "Relay passes that failed (broker or database unreachable).",
            counters_.relay_failures);
    counter("emporium_bus_handled_total", "Events a consumer of this process handled.", counters_.handled);
    counter("emporium_bus_retried_total", "Failed events sent to a retry queue.", counters_.retried);
    counter("emporium_bus_dead_lettered_total", "Events sent to the dead letters after their last attempt.",
            counters_.dead_lettered);
    counter("emporium_bus_dead_letters_recorded_total", "Dead letters this process stored in the database.",
            counters_.recorded);
    AppendFamilyHeader(out, "emporium_bus_relay_pending_events", "gauge",
                       "Outbox events the relay read and has not had confirmed yet (at most a batch per source).");
    AppendSample(out, "emporium_bus_relay_pending_events", "", counters_.relay_pending.load());
    AppendFamilyHeader(out, "emporium_bus_relay_lag_seconds", "gauge",
                       "Age of the oldest outbox event waiting for the relay (0 when caught up).");
    AppendSample(out, "emporium_bus_relay_lag_seconds", "", counters_.relay_lag_seconds.load());
    AppendFamilyHeader(out, "emporium_bus_relaying", "gauge",
                       "Whether this process relays its outboxes (1) or stands by while another does (0).");
    AppendSample(out, "emporium_bus_relaying", "", static_cast<int64_t>(counters_.relaying.load() ? 1 : 0));
    AppendFamilyHeader(out, "emporium_bus_broker_up", "gauge", "Whether the relay's connection to RabbitMQ is up.");
    AppendSample(out, "emporium_bus_broker_up", "", static_cast<int64_t>(broker_reachable_.load() ? 1 : 0));
}

}  // namespace emporium::bus

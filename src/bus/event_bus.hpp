#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bus/event.hpp"
#include "core/result.hpp"

namespace emporium::bus {

struct DeadLetter {
    std::string id;
    std::string source;  // the outbox the event came from
    std::string consumer;
    Event event;
    int attempts = 0;
    std::string error;
    int64_t failed_at = 0;
    std::optional<int64_t> replayed_at;
};

// The event bus port: delivers events from transactional outboxes to consumers, at least
// once, in outbox order per consumer (so per aggregate), retrying failures with
// exponential backoff and jitter, and dead-lettering an event after the last attempt.
// Adapters: the local dispatcher (embedded) and, later, RabbitMQ. Thread-safe.
class EventBus {
  public:
    // Must be idempotent: the same event may arrive more than once (see MarkHandled).
    // An error means "try again later".
    using Handler = std::function<core::Result<void>(const Event&)>;
    // Whether the consumer wants an event of its types at all: cheap, free of side effects
    // and thread-safe (asked on a handler thread, beside other consumers), asked before the
    // event reaches the handler. An event not wanted counts as handled. It spares consumers
    // that act on a few events of a busy type (an order reaching one status) a call to the
    // handler for each of the rest.
    using Filter = std::function<bool(const Event&)>;
    // For consumers whose work for many events fits in a few transactions (one write per
    // delivery instead of one per event): handed every wanted event of one delivery at once,
    // in outbox order, it returns one outcome per event, in the same order. Idempotent like
    // Handler. The events must not depend on one another's order (each of its own
    // aggregate, or independent like two mails): a failed event and the ones after it are
    // delivered again, but the handler has seen them all at once. When the whole call fails
    // (its transaction did), the retry hands over the first event alone, so a poison event
    // does not take innocent ones to the dead letters with it.
    using BatchHandler = std::function<std::vector<core::Result<void>>(const std::vector<Event>&)>;

    virtual ~EventBus() = default;

    // Registers `consumer` (a stable, unique name) for events of `types` published to the
    // outbox of `source` (and, with `wanted`, only those it accepts). Call before Start.
    virtual void Subscribe(std::string source, std::string consumer, std::vector<std::string> types, Handler handler,
                           Filter wanted) = 0;
    void Subscribe(std::string source, std::string consumer, std::vector<std::string> types, Handler handler) {
        Subscribe(std::move(source), std::move(consumer), std::move(types), std::move(handler), Filter{});
    }
    // Subscribe for a consumer that handles a delivery's events together.
    virtual void SubscribeBatch(std::string source, std::string consumer, std::vector<std::string> types,
                                BatchHandler handler, Filter wanted) = 0;
    void SubscribeBatch(std::string source, std::string consumer, std::vector<std::string> types,
                        BatchHandler handler) {
        SubscribeBatch(std::move(source), std::move(consumer), std::move(types), std::move(handler), Filter{});
    }
    virtual void Start() = 0;
    // Stops delivering; pending events stay in the outboxes for the next start.
    virtual void Stop() = 0;
    // A producer committed new events: deliver soon rather than at the next poll.
    virtual void Wake() = 0;

    // Newest first; at most `limit`.
    virtual core::Result<std::vector<DeadLetter>> ListDeadLetters(int limit) = 0;
    // Delivers a dead letter to its consumer again, now. kNotFound for an unknown id;
    // the handler's error if it fails again (the letter stays).
    virtual core::Result<DeadLetter> Replay(std::string_view dead_letter_id) = 0;
};

}  // namespace emporium::bus

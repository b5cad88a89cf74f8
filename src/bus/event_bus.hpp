#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bus/event.hpp"
#include "core/request_context.hpp"
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

// Who hears an event when a service runs as several processes (replicas).
enum class Fanout {
    // Competing consumers: the consumer's group does the work once, on whichever replica
    // takes the event (a shipment, a mail, a saga step).
    kOncePerGroup,
    // Every replica hears every event, for state each process keeps for itself (its
    // in-process cache, its search index).
    kEveryReplica,
};

// The event bus port: delivers events from transactional outboxes to consumers, at least
// once, in outbox order per consumer (so per aggregate), retrying failures with
// exponential backoff and jitter, and dead-lettering an event after the last attempt.
// Consumers name the event types they want, never where the events come from: which
// outboxes exist is the deployment's business. Adapters: the outbox dispatcher of bus/storage/
// (embedded) and, later, RabbitMQ. Thread-safe.
class EventBus {
  public:
    // Must be idempotent: the same event may arrive more than once (see MarkHandled).
    // An error means "try again later". The context is the bus's own, bounded by the
    // bus's handler deadline, with a request id naming the consumer and the event.
    using Handler = std::function<core::Result<void>(const core::RequestContext&, const Event&)>;
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
    using BatchHandler =
        std::function<std::vector<core::Result<void>>(const core::RequestContext&, const std::vector<Event>&)>;

    struct Consumer {
        // Stable and unique: the consumer's position, retries and handled-event records are
        // kept under this name.
        std::string name;
        std::vector<std::string> types;  // the event types it hears
        Fanout fanout = Fanout::kOncePerGroup;
        Filter wanted;  // empty: every event of `types`
    };

    virtual ~EventBus() = default;

    // Registers `consumer` for every event of its types, whichever service published it.
    // Call before Start.
    virtual void Subscribe(Consumer consumer, Handler handler) = 0;
    // Subscribe for a consumer that handles a delivery's events together.
    virtual void SubscribeBatch(Consumer consumer, BatchHandler handler) = 0;
    virtual void Start() = 0;
    // Stops delivering; pending events stay in the outboxes for the next start.
    virtual void Stop() = 0;
    // A producer committed new events: deliver soon rather than at the next poll.
    virtual void Wake() = 0;

    // Newest first; at most `limit`. kUnavailable past the context's deadline.
    virtual core::Result<std::vector<DeadLetter>> ListDeadLetters(const core::RequestContext& ctx, int limit) = 0;
    // Delivers a dead letter to its consumer again, now (with the consumer's own bounded
    // context, as a delivery). kNotFound for an unknown id; the handler's error if it fails
    // again (the letter stays); kUnavailable when the context's deadline passed first.
    virtual core::Result<DeadLetter> Replay(const core::RequestContext& ctx, std::string_view dead_letter_id) = 0;
};

}  // namespace emporium::bus

#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

struct amqp_connection_state_t_;

namespace emporium::infra::rabbitmq {

using Deadline = std::chrono::steady_clock::time_point;

struct ConnectionOptions {
    // amqp://user:password@host:port/vhost (amqps is not supported); an empty vhost
    // ("amqp://host/") is the default one, "/".
    std::string url;
    std::chrono::milliseconds connect_timeout{2000};  // the TCP connect, then the AMQP handshake
    // Each declaration, qos, consume and cancel: past it the connection is broken for good.
    std::chrono::milliseconds rpc_timeout{5000};
    // Both sides check the other is alive at this interval (0: never). rabbitmq-c sends and
    // checks heartbeats only inside its calls: a connection left idle must be Poll()ed.
    int heartbeat_seconds = 30;
    std::string name = "emporium";  // shown by rabbitmqctl list_connections
};

// Named values of a declaration's arguments or a message's headers (an AMQP table), each a
// string or an integer.
class Table {
  public:
    Table& Set(std::string name, std::string value);
    Table& Set(std::string name, int64_t value);
    Table& Set(std::string name, const char* value) { return Set(std::move(name), std::string(value)); }

    // The entry's value as text (an integer written in decimal); nullopt when absent.
    std::optional<std::string> Find(std::string_view name) const;
    bool empty() const { return entries_.empty(); }

    struct Entry {
        std::string name;
        std::string text;
        std::optional<int64_t> integer;  // set: an integer entry
    };
    const std::vector<Entry>& entries() const { return entries_; }

  private:
    std::vector<Entry> entries_;
};

// A message as published and as delivered.
struct Message {
    std::string exchange;  // "" is the default exchange (routes to the queue named by routing_key)
    std::string routing_key;
    std::string body;
    std::string message_id;
    std::string type;
    int64_t timestamp = 0;   // Unix seconds
    bool persistent = true;  // delivery mode 2: kept on disk in a durable queue
    std::string expiration;  // per-message TTL in milliseconds, as text; empty: none
    Table headers;
};

struct Delivery {
    uint64_t delivery_tag = 0;  // for Ack, Nack and Reject on the connection that received it
    bool redelivered = false;
    Message message;
};

struct QueueOptions {
    bool durable = true;
    bool exclusive = false;
    bool auto_delete = false;
    Table arguments;  // x-message-ttl, x-dead-letter-exchange, x-expires, …
};

struct QueueState {
    uint32_t messages = 0;  // ready for delivery (not those delivered and not yet acked)
    uint32_t consumers = 0;
};

// One AMQP connection to RabbitMQ over rabbitmq-c with one channel, in publisher-confirm
// mode. Not thread-safe (neither is rabbitmq-c's connection): one thread uses it at a time,
// and a thread that both consumes and publishes is best served by two connections, so that
// the confirms it waits for are never interleaved with deliveries. Every wait on the broker
// is bounded (connect, RPC and confirm timeouts); a connection that timed out, lost its
// socket, or had its channel closed by the broker is broken for good (healthy() is false,
// every call fails with kUnavailable): open a new one (Client does).
class Connection {
  public:
    static core::Result<std::unique_ptr<Connection>> Open(const ConnectionOptions& options);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // A declaration the broker refuses closes the channel (the connection is then broken):
    // kConflict for a queue another connection holds exclusively or one declared before with
    // other arguments, kUnavailable otherwise.
    // exchange.declare; `type` is "topic", "direct", "fanout" or "headers".
    core::Result<void> DeclareExchange(std::string_view name, std::string_view type, bool durable = true);
    core::Result<QueueState> DeclareQueue(std::string_view name, const QueueOptions& options);
    // A passive declaration: the queue's state; kNotFound when it does not exist (which
    // closes the channel, so the connection is then broken).
    core::Result<QueueState> InspectQueue(std::string_view name);
    core::Result<void> BindQueue(std::string_view queue, std::string_view exchange, std::string_view routing_key);
    core::Result<void> DeleteQueue(std::string_view name);
    core::Result<void> DeleteExchange(std::string_view name);

    // Publishes every message, then waits until the broker has confirmed each (basic.ack),
    // at most until `deadline`. Any negative confirm (basic.nack), a closed channel or the
    // deadline fails the whole call: the caller must then take none of them as sent (some
    // may have been, so consumers deduplicate).
    core::Result<void> PublishConfirmed(const std::vector<Message>& messages, Deadline deadline);

    // Starts consuming `queue` with manual acknowledgement, at most `prefetch` messages
    // unacknowledged at once. Deliveries are then read with Receive.
    core::Result<void> Consume(std::string_view queue, uint16_t prefetch);
    // The next delivery, waiting at most `timeout`; nullopt when none came in time.
    core::Result<std::optional<Delivery>> Receive(std::chrono::milliseconds timeout);
    core::Result<void> Ack(uint64_t delivery_tag);
    // Negative acknowledgement: back to its queue (`requeue`) or dropped / dead-lettered.
    core::Result<void> Nack(uint64_t delivery_tag, bool requeue);
    core::Result<void> Reject(uint64_t delivery_tag, bool requeue);

    // Serves heartbeats and notices a broker that closed the connection, without waiting:
    // for a publishing connection that sits idle between uses (never one that consumes:
    // what arrived, a delivery too, is read and dropped; Receive serves those).
    core::Result<void> Poll();

    // False once the socket failed, a wait timed out or the broker closed the channel.
    bool healthy() const { return !broken_; }

  private:
    explicit Connection(amqp_connection_state_t_* state) : state_(state) {}
    // Checks the reply of the last RPC; marks the connection broken on any failure.
    core::Result<void> CheckReply(std::string_view what);
    // Marks the connection broken and returns kUnavailable naming `what`.
    core::Error Broken(std::string_view what, std::string_view detail);
    core::Result<void> CheckUsable() const;
    // Handles a method frame that arrived unasked (a close): breaks the connection.
    core::Error Unexpected(std::string_view what, uint32_t method_id);

    amqp_connection_state_t_* state_;
    bool broken_ = false;
    uint64_t published_ = 0;  // messages published on the channel: the broker's confirm numbering
};

// A connection reopened on demand: a call after the broker went away (or a timeout broke
// the connection) opens a new one. Not thread-safe, like the connection it holds.
class Client {
  public:
    explicit Client(ConnectionOptions options) : options_(std::move(options)) {}

    // The open connection, or a new one when there is none or it broke.
    core::Result<Connection*> Get();
    // The open connection, when there is a healthy one; never opens one.
    Connection* IfOpen() { return connection_ && connection_->healthy() ? connection_.get() : nullptr; }
    // How many connections this client has opened: a caller that set up state on the
    // connection (declarations it relies on, a consumer) sets it up again when this changes.
    uint64_t generation() const { return generation_; }
    // Drops the connection (the next Get opens a new one): a consumer's unacknowledged
    // messages go back to their queue.
    void Close() { connection_.reset(); }
    const ConnectionOptions& options() const { return options_; }

  private:
    ConnectionOptions options_;
    std::unique_ptr<Connection> connection_;
    uint64_t generation_ = 0;
};

}  // namespace emporium::infra::rabbitmq

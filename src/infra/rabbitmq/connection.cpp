#include "infra/rabbitmq/connection.hpp"

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <sys/time.h>

#include <algorithm>

namespace emporium::infra::rabbitmq {

using core::Error;
using core::Result;

namespace {

constexpr amqp_channel_t kChannel = 1;
constexpr int kFrameMax = 131072;

timeval ToTimeval(std::chrono::microseconds duration) {
    duration = std::max(duration, std::chrono::microseconds(0));
    return timeval{static_cast<time_t>(duration.count() / 1'000'000),
                   static_cast<suseconds_t>(duration.count() % 1'000'000)};
}

amqp_bytes_t Bytes(std::string_view text) {
    // rabbitmq-c only reads the bytes it is given; its type is not const.
    return amqp_bytes_t{text.size(), const_cast<char*>(text.data())};
}

std::string Text(amqp_bytes_t bytes) { return std::string(static_cast<const char*>(bytes.bytes), bytes.len); }

// rabbitmq-c's view of a Table: entries pointing into the Table, valid while both live.
class AmqpTable {
  public:
    explicit AmqpTable(const Table& table) {
        entries_.reserve(table.entries().size());
        for (const Table::Entry& entry : table.entries()) {
            amqp_table_entry_t out{};
            out.key = Bytes(entry.name);
            if (entry.integer) {
                out.value.kind = AMQP_FIELD_KIND_I64;
                out.value.value.i64 = *entry.integer;
            } else {
                out.value.kind = AMQP_FIELD_KIND_UTF8;
                out.value.value.bytes = Bytes(entry.text);
            }
            entries_.push_back(out);
        }
    }
    amqp_table_t table() {
        return amqp_table_t{static_cast<int>(entries_.size()), entries_.empty() ? nullptr : entries_.data()};
    }

  private:
    std::vector<amqp_table_entry_t> entries_;
};

// The headers a delivery carried that are text or integers (x-death and other nested
// values are left out).
Table ReadHeaders(const amqp_table_t& headers) {
    Table table;
    for (int i = 0; i < headers.num_entries; ++i) {
        const amqp_table_entry_t& entry = headers.entries[i];
        const amqp_field_value_t& value = entry.value;
        std::string name = Text(entry.key);
        switch (value.kind) {
            case AMQP_FIELD_KIND_UTF8:
            case AMQP_FIELD_KIND_BYTES:
                table.Set(std::move(name), Text(value.value.bytes));
                break;
            case AMQP_FIELD_KIND_I8:
                table.Set(std::move(name), int64_t{value.value.i8});
                break;
            case AMQP_FIELD_KIND_U8:
                table.Set(std::move(name), int64_t{value.value.u8});
                break;
            case AMQP_FIELD_KIND_I16:
                table.Set(std::move(name), int64_t{value.value.i16});
                break;
            case AMQP_FIELD_KIND_U16:
                table.Set(std::move(name), int64_t{value.value.u16});
                break;
            case AMQP_FIELD_KIND_I32:
                table.Set(std::move(name), int64_t{value.value.i32});
                break;
            case AMQP_FIELD_KIND_U32:
                table.Set(std::move(name), int64_t{value.value.u32});
                break;
            case AMQP_FIELD_KIND_I64:
                table.Set(std::move(name), value.value.i64);
                break;
            case AMQP_FIELD_KIND_U64:
                table.Set(std::move(name), static_cast<int64_t>(value.value.u64));
                break;
            default:
                break;
        }
    }
    return table;
}

Message ReadMessage(const amqp_envelope_t& envelope) {
    Message message;
    message.exchange = Text(envelope.exchange);
    message.routing_key = Text(envelope.routing_key);
    message.body = Text(envelope.message.body);
    const amqp_basic_properties_t& properties = envelope.message.properties;
    if (properties._flags & AMQP_BASIC_MESSAGE_ID_FLAG) message.message_id = Text(properties.message_id);
    if (properties._flags & AMQP_BASIC_TYPE_FLAG) message.type = Text(properties.type);
    if (properties._flags & AMQP_BASIC_TIMESTAMP_FLAG) message.timestamp = static_cast<int64_t>(properties.timestamp);
    if (properties._flags & AMQP_BASIC_EXPIRATION_FLAG) message.expiration = Text(properties.expiration);
    message.persistent = (properties._flags & AMQP_BASIC_DELIVERY_MODE_FLAG) && properties.delivery_mode == 2;
    if (properties._flags & AMQP_BASIC_HEADERS_FLAG) message.headers = ReadHeaders(properties.headers);
    return message;
}

bool IsClose(uint32_t method_id) {
    return method_id == AMQP_CHANNEL_CLOSE_METHOD || method_id == AMQP_CONNECTION_CLOSE_METHOD;
}

}  // namespace

Table& Table::Set(std::string name, std::string value) {
    entries_.push_back(Entry{std::move(name), std::move(value), std::nullopt});
    return *this;
}

Table& Table::Set(std::string name, int64_t value) {
    entries_.push_back(Entry{std::move(name), std::to_string(value), value});
    return *this;
}

std::optional<std::string> Table::Find(std::string_view name) const {
    for (const Entry& entry : entries_)
        if (entry.name == name) return entry.text;
    return std::nullopt;
}

Result<std::unique_ptr<Connection>> Connection::Open(const ConnectionOptions& options) {
    std::string url = options.url;  // amqp_parse_url cuts it up in place
    amqp_connection_info info;
    amqp_default_connection_info(&info);
    if (url.empty() || amqp_parse_url(url.data(), &info) != AMQP_STATUS_OK)
        return Error::Internal("not a RabbitMQ URL (amqp://user:password@host:port/vhost)");
    // "amqp://host/" names the virtual host "" by the URI spec; RabbitMQ has none by that
    // name, and everyone who writes it means the default one.
    static char kDefaultVhost[] = "/";
    if (!info.vhost || !*info.vhost) info.vhost = kDefaultVhost;
    if (info.ssl) return Error::Internal("amqps:// is not supported; use amqp:// on a trusted network");

    amqp_connection_state_t state = amqp_new_connection();
    if (!state) return Error::Internal("out of memory for a RabbitMQ connection");
    std::unique_ptr<Connection> connection(new Connection(state));
    std::string where = std::string(info.host) + ":" + std::to_string(info.port);
    amqp_socket_t* socket = amqp_tcp_socket_new(state);
    if (!socket) return connection->Broken("connect to " + where, "no socket");
    timeval connect_timeout = ToTimeval(options.connect_timeout);
    int opened = amqp_socket_open_noblock(socket, info.host, info.port, &connect_timeout);
    if (opened != AMQP_STATUS_OK) return connection->Broken("connect to " + where, amqp_error_string2(opened));
    amqp_set_handshake_timeout(state, &connect_timeout);
    timeval rpc_timeout = ToTimeval(options.rpc_timeout);
    amqp_set_rpc_timeout(state, &rpc_timeout);

    amqp_table_entry_t name{};
    name.key = amqp_cstring_bytes("connection_name");
    name.value.kind = AMQP_FIELD_KIND_UTF8;
    name.value.value.bytes = Bytes(options.name);
    amqp_table_t properties{1, &name};
    amqp_rpc_reply_t login = amqp_login_with_properties(state, info.vhost, 0, kFrameMax, options.heartbeat_seconds,
                                                        &properties, AMQP_SASL_METHOD_PLAIN, info.user, info.password);
    if (login.reply_type != AMQP_RESPONSE_NORMAL) {
        std::string detail = login.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION
                                 ? amqp_error_string2(login.library_error)
                                 : "refused (wrong user, password or virtual host?)";
        return connection->Broken("log in to " + where, detail);
    }
    amqp_channel_open(state, kChannel);
    EMPORIUM_TRY(connection->CheckReply("open a channel"));
    amqp_confirm_select(state, kChannel);
    EMPORIUM_TRY(connection->CheckReply("select publisher confirms"));
    return connection;
}

Connection::~Connection() {
    // Closing tells the broker to requeue what this connection's consumer did not ack yet;
    // a broken connection is only dropped (its socket closes, with the same effect).
    if (!broken_) amqp_connection_close(state_, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(state_);
}

Error Connection::Broken(std::string_view what, std::string_view detail) {
    broken_ = true;
    return Error::Unavailable("RabbitMQ: " + std::string(what) + ": " + std::string(detail));
}

Result<void> Connection::CheckUsable() const {
    if (broken_) return Error::Unavailable("RabbitMQ: the connection is broken");
    return core::Ok();
}

Result<void> Connection::CheckReply(std::string_view what) {
    amqp_rpc_reply_t reply = amqp_get_rpc_reply(state_);
    switch (reply.reply_type) {
        case AMQP_RESPONSE_NORMAL:
            return core::Ok();
        case AMQP_RESPONSE_NONE:
            return Broken(what, "no reply");
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            return Broken(what, amqp_error_string2(reply.library_error));
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            break;
    }
    if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        auto* close = static_cast<amqp_channel_close_t*>(reply.reply.decoded);
        std::string text = Text(close->reply_text);
        uint16_t code = close->reply_code;
        amqp_channel_close_ok_t close_ok{};
        amqp_send_method(state_, kChannel, AMQP_CHANNEL_CLOSE_OK_METHOD, &close_ok);
        Error error = Broken(what, text);
        if (code == AMQP_NOT_FOUND) error.code = core::ErrorCode::kNotFound;
        // An exclusive queue another connection holds (or a redeclaration with other
        // arguments): the caller may be waiting for its turn.
        if (code == AMQP_RESOURCE_LOCKED || code == AMQP_PRECONDITION_FAILED) error.code = core::ErrorCode::kConflict;
        return error;
    }
    if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        auto* close = static_cast<amqp_connection_close_t*>(reply.reply.decoded);
        std::string text = Text(close->reply_text);
        amqp_connection_close_ok_t close_ok{};
        amqp_send_method(state_, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &close_ok);
        return Broken(what, text);
    }
    return Broken(what, "an unexpected reply");
}

Error Connection::Unexpected(std::string_view what, uint32_t method_id) {
    if (method_id == AMQP_CHANNEL_CLOSE_METHOD) return Broken(what, "the broker closed the channel");
    if (method_id == AMQP_CONNECTION_CLOSE_METHOD) return Broken(what, "the broker closed the connection");
    if (method_id == AMQP_BASIC_CANCEL_METHOD) return Broken(what, "the broker cancelled the consumer");
    return Broken(what, "an unexpected method " + std::to_string(method_id));
}

Result<void> Connection::DeclareExchange(std::string_view name, std::string_view type, bool durable) {
    EMPORIUM_TRY(CheckUsable());
    amqp_exchange_declare(state_, kChannel, Bytes(name), Bytes(type), 0, durable ? 1 : 0, 0, 0, amqp_empty_table);
    return CheckReply("declare exchange " + std::string(name));
}

Result<QueueState> Connection::DeclareQueue(std::string_view name, const QueueOptions& options) {
    EMPORIUM_TRY(CheckUsable());
    AmqpTable arguments(options.arguments);
    amqp_queue_declare_ok_t* declared =
        amqp_queue_declare(state_, kChannel, Bytes(name), 0, options.durable ? 1 : 0, options.exclusive ? 1 : 0,
                           options.auto_delete ? 1 : 0, arguments.table());
    EMPORIUM_TRY(CheckReply("declare queue " + std::string(name)));
    return QueueState{declared->message_count, declared->consumer_count};
}

Result<QueueState> Connection::InspectQueue(std::string_view name) {
    EMPORIUM_TRY(CheckUsable());
    amqp_queue_declare_ok_t* declared = amqp_queue_declare(state_, kChannel, Bytes(name), 1, 0, 0, 0, amqp_empty_table);
    EMPORIUM_TRY(CheckReply("inspect queue " + std::string(name)));
    return QueueState{declared->message_count, declared->consumer_count};
}

Result<void> Connection::BindQueue(std::string_view queue, std::string_view exchange, std::string_view routing_key) {
    EMPORIUM_TRY(CheckUsable());
    amqp_queue_bind(state_, kChannel, Bytes(queue), Bytes(exchange), Bytes(routing_key), amqp_empty_table);
    return CheckReply("bind queue " + std::string(queue));
}

Result<void> Connection::DeleteQueue(std::string_view name) {
    EMPORIUM_TRY(CheckUsable());
    amqp_queue_delete(state_, kChannel, Bytes(name), 0, 0);
    return CheckReply("delete queue " + std::string(name));
}

Result<void> Connection::DeleteExchange(std::string_view name) {
    EMPORIUM_TRY(CheckUsable());
    amqp_exchange_delete(state_, kChannel, Bytes(name), 0);
    return CheckReply("delete exchange " + std::string(name));
}

Result<void> Connection::PublishConfirmed(const std::vector<Message>& messages, Deadline deadline) {
    EMPORIUM_TRY(CheckUsable());
    if (messages.empty()) return core::Ok();
    const uint64_t first = published_ + 1;
    for (const Message& message : messages) {
        amqp_basic_properties_t properties{};
        properties._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
        properties.content_type = amqp_cstring_bytes("application/json");
        properties.delivery_mode = message.persistent ? 2 : 1;
        if (!message.message_id.empty()) {
            properties._flags |= AMQP_BASIC_MESSAGE_ID_FLAG;
            properties.message_id = Bytes(message.message_id);
        }
        if (!message.type.empty()) {
            properties._flags |= AMQP_BASIC_TYPE_FLAG;
            properties.type = Bytes(message.type);
        }
        if (message.timestamp > 0) {
            properties._flags |= AMQP_BASIC_TIMESTAMP_FLAG;
            properties.timestamp = static_cast<uint64_t>(message.timestamp);
        }
        if (!message.expiration.empty()) {
            properties._flags |= AMQP_BASIC_EXPIRATION_FLAG;
            properties.expiration = Bytes(message.expiration);
        }
        AmqpTable headers(message.headers);
        if (!message.headers.empty()) {
            properties._flags |= AMQP_BASIC_HEADERS_FLAG;
            properties.headers = headers.table();
        }
        int sent = amqp_basic_publish(state_, kChannel, Bytes(message.exchange), Bytes(message.routing_key), 0, 0,
                                      &properties, Bytes(message.body));
        if (sent != AMQP_STATUS_OK) return Broken("publish", amqp_error_string2(sent));
        ++published_;
    }

    // The broker numbers this channel's messages 1, 2, … and confirms each (or every one up
    // to a number, `multiple`), in any order. Confirms of an earlier batch that gave up
    // fall below `first` and are ignored.
    const uint64_t last = published_;
    std::vector<bool> confirmed(last - first + 1, false);
    std::size_t waiting = confirmed.size();
    auto confirm = [&](uint64_t tag, bool multiple) {
        uint64_t from = multiple ? first : std::max(tag, first);
        for (uint64_t t = from; t <= std::min(tag, last); ++t)
            if (!confirmed[t - first]) {
                confirmed[t - first] = true;
                --waiting;
            }
    };
    while (waiting > 0) {
        auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return Broken("publish", std::to_string(waiting) + " message(s) not confirmed before the deadline");
        timeval timeout = ToTimeval(left);
        amqp_frame_t frame;
        int status = amqp_simple_wait_frame_noblock(state_, &frame, &timeout);
        if (status == AMQP_STATUS_TIMEOUT) continue;  // the deadline check above ends it
        if (status != AMQP_STATUS_OK) return Broken("publish", amqp_error_string2(status));
        if (frame.frame_type != AMQP_FRAME_METHOD) continue;
        uint32_t id = frame.payload.method.id;
        if (id == AMQP_BASIC_ACK_METHOD) {
            auto* ack = static_cast<amqp_basic_ack_t*>(frame.payload.method.decoded);
            confirm(ack->delivery_tag, ack->multiple != 0);
        } else if (id == AMQP_BASIC_NACK_METHOD) {
            auto* nack = static_cast<amqp_basic_nack_t*>(frame.payload.method.decoded);
            if (nack->delivery_tag >= first || nack->multiple) {
                amqp_maybe_release_buffers(state_);
                return Error::Unavailable("RabbitMQ: the broker refused a published message (basic.nack)");
            }
        } else if (IsClose(id)) {
            return Unexpected("publish", id);
        }
    }
    amqp_maybe_release_buffers(state_);
    return core::Ok();
}

Result<void> Connection::Consume(std::string_view queue, uint16_t prefetch) {
    EMPORIUM_TRY(CheckUsable());
    amqp_basic_qos(state_, kChannel, 0, prefetch, 0);
    EMPORIUM_TRY(CheckReply("set the prefetch"));
    amqp_basic_consume(state_, kChannel, Bytes(queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
    return CheckReply("consume " + std::string(queue));
}

Result<std::optional<Delivery>> Connection::Receive(std::chrono::milliseconds timeout) {
    EMPORIUM_TRY(CheckUsable());
    amqp_maybe_release_buffers(state_);
    amqp_envelope_t envelope;
    timeval wait = ToTimeval(timeout);
    amqp_rpc_reply_t reply = amqp_consume_message(state_, &envelope, &wait, 0);
    if (reply.reply_type == AMQP_RESPONSE_NORMAL) {
        Delivery delivery{envelope.delivery_tag, envelope.redelivered != 0, ReadMessage(envelope)};
        amqp_destroy_envelope(&envelope);
        return std::optional<Delivery>(std::move(delivery));
    }
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_TIMEOUT)
        return std::optional<Delivery>();
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
        // Something else than a delivery came first: it is read here, and only a close or a
        // cancelled consumer matters (a stray confirm does not).
        amqp_frame_t frame;
        timeval now{0, 0};
        int status = amqp_simple_wait_frame_noblock(state_, &frame, &now);
        if (status == AMQP_STATUS_TIMEOUT) return std::optional<Delivery>();
        if (status != AMQP_STATUS_OK) return Broken("receive", amqp_error_string2(status));
        if (frame.frame_type == AMQP_FRAME_METHOD &&
            (IsClose(frame.payload.method.id) || frame.payload.method.id == AMQP_BASIC_CANCEL_METHOD))
            return Unexpected("receive", frame.payload.method.id);
        return std::optional<Delivery>();
    }
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION)
        return Broken("receive", amqp_error_string2(reply.library_error));
    return Broken("receive", "an unexpected reply");
}

Result<void> Connection::Ack(uint64_t delivery_tag) {
    EMPORIUM_TRY(CheckUsable());
    int status = amqp_basic_ack(state_, kChannel, delivery_tag, 0);
    if (status != AMQP_STATUS_OK) return Broken("ack", amqp_error_string2(status));
    return core::Ok();
}

Result<void> Connection::Nack(uint64_t delivery_tag, bool requeue) {
    EMPORIUM_TRY(CheckUsable());
    int status = amqp_basic_nack(state_, kChannel, delivery_tag, 0, requeue ? 1 : 0);
    if (status != AMQP_STATUS_OK) return Broken("nack", amqp_error_string2(status));
    return core::Ok();
}

Result<void> Connection::Reject(uint64_t delivery_tag, bool requeue) {
    EMPORIUM_TRY(CheckUsable());
    int status = amqp_basic_reject(state_, kChannel, delivery_tag, requeue ? 1 : 0);
    if (status != AMQP_STATUS_OK) return Broken("reject", amqp_error_string2(status));
    return core::Ok();
}

Result<void> Connection::Poll() {
    EMPORIUM_TRY(CheckUsable());
    while (true) {
        amqp_frame_t frame;
        timeval now{0, 0};
        int status = amqp_simple_wait_frame_noblock(state_, &frame, &now);
        if (status == AMQP_STATUS_TIMEOUT) break;
        if (status != AMQP_STATUS_OK) return Broken("poll", amqp_error_string2(status));
        if (frame.frame_type == AMQP_FRAME_METHOD && IsClose(frame.payload.method.id))
            return Unexpected("poll", frame.payload.method.id);
    }
    amqp_maybe_release_buffers(state_);
    return core::Ok();
}

Result<Connection*> Client::Get() {
    if (connection_ && connection_->healthy()) return connection_.get();
    connection_.reset();
    EMPORIUM_ASSIGN_OR_RETURN(connection_, Connection::Open(options_));
    ++generation_;
    return connection_.get();
}

}  // namespace emporium::infra::rabbitmq

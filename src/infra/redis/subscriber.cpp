#include "infra/redis/subscriber.hpp"

#include <hiredis/hiredis.h>
#include <poll.h>

#include <string>

#include "observability/log.hpp"
#include "runtime/thread_name.hpp"

namespace emporium::infra::redis {

namespace {

// How often a listener that hears nothing looks at whether it should stop.
constexpr int kStopCheckMs = 100;

bool IsMessage(const redisReply* reply) {
    return reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 && reply->element[0]->type == REDIS_REPLY_STRING &&
           std::string_view(reply->element[0]->str) == "message";
}

}  // namespace

Subscriber::Subscriber(Client& client, std::vector<std::string> channels, OnSubscribed on_subscribed,
                       OnMessage on_message, std::chrono::milliseconds retry)
    : client_(client),
      channels_(std::move(channels)),
      on_subscribed_(std::move(on_subscribed)),
      on_message_(std::move(on_message)),
      retry_(retry) {}

Subscriber::~Subscriber() { Stop(); }

void Subscriber::Start() {
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] {
        runtime::NameThisThread("redis-sub");
        Loop();
    });
}

void Subscriber::Stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    stop_requested_.notify_all();
    if (thread_.joinable()) thread_.join();
    subscribed_ = false;
}

void Subscriber::Loop() {
    bool first = true;
    while (!stopping_) {
        auto connection = client_.Connect(client_.settings().connect_timeout);
        std::string error = connection.ok() ? "" : connection.error().message;
        if (connection.ok()) {
            Listen(*connection, first);
            error = (*connection)->err ? (*connection)->errstr : "the connection ended";
            redisFree(*connection);
            subscribed_ = false;
        }
        if (stopping_) break;
        observability::LogWarn("redis_subscriber_reconnecting", [&](core::JsonWriter& json) {
            json.Field("server", client_.settings().name).Field("error", error);
        });
        std::unique_lock lock(mutex_);
        stop_requested_.wait_for(lock, retry_, [&] { return stopping_.load(); });
    }
}

void Subscriber::Listen(redisContext* connection, bool& first) {
    // The confirmations must come within the connect timeout; messages may take forever.
    timeval tv{};
    auto timeout = std::chrono::duration_cast<std::chrono::microseconds>(client_.settings().connect_timeout);
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1'000'000);
    tv.tv_usec = static_cast<suseconds_t>(timeout.count() % 1'000'000);
    redisSetTimeout(connection, tv);
    // A listener hears nothing for long stretches: TCP keep-alive is what notices a peer
    // that vanished without closing (a failover behind the same address, a dropped NAT entry).
    // (TCP only: on a Unix socket it fails and leaves the context unusable.)
    if (connection->connection_type == REDIS_CONN_TCP) redisEnableKeepAlive(connection);
    std::vector<const char*> argv{"SUBSCRIBE"};
    for (const auto& channel : channels_) argv.push_back(channel.c_str());
    if (redisAppendCommandArgv(connection, static_cast<int>(argv.size()), argv.data(), nullptr) != REDIS_OK) return;
    for (std::size_t i = 0; i < channels_.size(); ++i) {
        void* raw = nullptr;
        if (redisGetReply(connection, &raw) != REDIS_OK || !raw) return;
        freeReplyObject(raw);
    }
    subscribed_ = true;
    on_subscribed_(first);
    first = false;
    while (!stopping_) {
        void* raw = nullptr;
        if (redisGetReplyFromReader(connection, &raw) != REDIS_OK) return;
        if (raw) {
            auto* reply = static_cast<redisReply*>(raw);
            if (IsMessage(reply))
                on_message_(std::string_view(reply->element[1]->str, reply->element[1]->len),
                            std::string_view(reply->element[2]->str, reply->element[2]->len));
            freeReplyObject(reply);
            continue;
        }
        pollfd waiting{connection->fd, POLLIN, 0};
        int ready = ::poll(&waiting, 1, kStopCheckMs);
        if (ready < 0 && errno != EINTR) return;
        if (ready > 0 && redisBufferRead(connection) != REDIS_OK) return;  // the server went away
    }
}

}  // namespace emporium::infra::redis

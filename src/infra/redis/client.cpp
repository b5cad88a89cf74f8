#include "infra/redis/client.hpp"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <algorithm>
#include <optional>

#include "core/text.hpp"
#include "observability/metrics.hpp"

namespace emporium::infra::redis {

using core::Error;
using core::Result;

namespace {

timeval ToTimeval(std::chrono::microseconds duration) {
    // Zero means "no timeout" to the socket layer: never hand it a zero.
    duration = std::max(duration, std::chrono::microseconds(1000));
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(duration.count() / 1'000'000);
    tv.tv_usec = static_cast<suseconds_t>(duration.count() % 1'000'000);
    return tv;
}

Reply Copy(const redisReply* reply) {
    Reply copy;
    switch (reply->type) {
        case REDIS_REPLY_INTEGER:
            copy.type = Reply::Type::kInteger;
            copy.integer = reply->integer;
            break;
        case REDIS_REPLY_STRING:
            copy.type = Reply::Type::kString;
            copy.text.assign(reply->str, reply->len);
            break;
        case REDIS_REPLY_STATUS:
            copy.type = Reply::Type::kStatus;
            copy.text.assign(reply->str, reply->len);
            break;
        case REDIS_REPLY_ARRAY:
            copy.type = Reply::Type::kArray;
            copy.elements.reserve(reply->elements);
            for (std::size_t i = 0; i < reply->elements; ++i) copy.elements.push_back(Copy(reply->element[i]));
            break;
        default:
            copy.type = Reply::Type::kNil;
    }
    return copy;
}

}  // namespace

Client::Client(ClientSettings settings) : settings_(std::move(settings)) {
    settings_.connections = std::max(settings_.connections, 1);
}

Client::~Client() {
    std::lock_guard lock(mutex_);
    for (redisContext* connection : idle_) redisFree(connection);
}

Result<redisContext*> Client::Connect(std::chrono::milliseconds timeout) {
    timeval tv = ToTimeval(timeout);
    redisContext* connection = nullptr;
    const std::string& address = settings_.address;
    if (!address.empty() && address.front() == '/') {
        connection = redisConnectUnixWithTimeout(address.c_str(), tv);
    } else {
        auto colon = address.rfind(':');
        if (colon == std::string::npos)
            return Error::Internal(settings_.name + ": address is not host:port: " + address);
        auto port = core::ParseInteger(std::string_view(address).substr(colon + 1));
        if (!port || *port <= 0 || *port > 65535) return Error::Internal(settings_.name + ": bad port in " + address);
        connection = redisConnectWithTimeout(address.substr(0, colon).c_str(), static_cast<int>(*port), tv);
    }
    if (!connection) return Error::Unavailable(settings_.name + ": cannot allocate a connection");
    if (connection->err) {
        std::string message = settings_.name + " at " + address + ": " + connection->errstr;
        redisFree(connection);
        return Error::Unavailable(message);
    }
    connects_.fetch_add(1, std::memory_order_relaxed);
    return connection;
}

Result<redisContext*> Client::Acquire(Deadline deadline) {
    std::unique_lock lock(mutex_);
    for (;;) {
        if (!idle_.empty()) {
            redisContext* connection = idle_.back();
            idle_.pop_back();
            return connection;
        }
        if (open_ < settings_.connections) break;
        if (released_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
            open_ >= settings_.connections)
            return Error::Unavailable(settings_.name + ": no connection free before the deadline");
    }
    auto now = std::chrono::steady_clock::now();
    if (now < down_until_) return Error::Unavailable(settings_.name + " is down (resting before the next try)");
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    if (left.count() <= 0) return Error::Unavailable(settings_.name + ": deadline exceeded");
    ++open_;
    lock.unlock();
    auto timeout = std::min(left, settings_.connect_timeout);
    auto started = std::chrono::steady_clock::now();
    auto connection = Connect(timeout);
    if (!connection.ok()) {
        lock.lock();
        --open_;
        // Only a connect that had its full time (or was refused at once) says the server is
        // down; one cut short by its caller's deadline says nothing about the server, and
        // must not make every other caller fail for the rest period.
        bool cut_short = timeout < settings_.connect_timeout &&
                         std::chrono::steady_clock::now() - started >= timeout - std::chrono::milliseconds(1);
        if (!cut_short) {
            down_until_ = std::chrono::steady_clock::now() + settings_.down_rest;
            up_.store(false, std::memory_order_relaxed);
        }
        released_.notify_one();
        return connection.error();
    }
    return connection;
}

void Client::Release(redisContext* connection, bool healthy) {
    std::lock_guard lock(mutex_);
    if (healthy) {
        idle_.push_back(connection);
    } else {
        redisFree(connection);
        --open_;
    }
    released_.notify_one();
}

Result<std::vector<Reply>> Client::Exchange(redisContext* connection, Deadline deadline,
                                            const std::vector<Command>& commands, bool& healthy) {
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
        return Error::Unavailable(settings_.name + ": deadline exceeded");
    }
    if (redisSetTimeout(connection, ToTimeval(left)) != REDIS_OK) {
        healthy = false;
        return Error::Unavailable(settings_.name + ": cannot set a timeout");
    }
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (const Command& command : commands) {
        argv.clear();
        lengths.clear();
        for (const std::string& arg : command) {
            argv.push_back(arg.data());
            lengths.push_back(arg.size());
        }
        if (redisAppendCommandArgv(connection, static_cast<int>(argv.size()), argv.data(), lengths.data()) !=
            REDIS_OK) {
            healthy = false;
            return Error::Unavailable(settings_.name + ": " + connection->errstr);
        }
    }
    std::vector<Reply> replies;
    replies.reserve(commands.size());
    std::optional<Error> first_error;
    for (std::size_t i = 0; i < commands.size(); ++i) {
        void* raw = nullptr;
        if (redisGetReply(connection, &raw) != REDIS_OK || !raw) {
            // A timeout or a broken connection: the replies still owed would come out of step.
            healthy = false;
            std::string reason = connection->errstr[0] ? connection->errstr : "no reply";
            if (std::chrono::steady_clock::now() >= deadline) reason = "no answer before the deadline (" + reason + ")";
            return Error::Unavailable(settings_.name + ": " + reason);
        }
        auto* reply = static_cast<redisReply*>(raw);
        if (reply->type == REDIS_REPLY_ERROR) {
            if (!first_error) first_error = Error::Internal(std::string(reply->str, reply->len));
        } else {
            replies.push_back(Copy(reply));
        }
        freeReplyObject(reply);
    }
    if (first_error) return *first_error;
    return replies;
}

Result<std::vector<Reply>> Client::Call(const core::RequestContext& ctx, const std::vector<Command>& commands) {
    calls_.fetch_add(1, std::memory_order_relaxed);
    auto failed = [&](Error error) -> Result<std::vector<Reply>> {
        if (error.code == core::ErrorCode::kUnavailable) failures_.fetch_add(1, std::memory_order_relaxed);
        return error;
    };
    if (ctx.Expired()) return failed(Error::Unavailable(settings_.name + ": deadline exceeded"));
    auto connection = Acquire(ctx.deadline);
    if (!connection.ok()) return failed(connection.error());
    bool healthy = true;
    auto replies = Exchange(*connection, ctx.deadline, commands, healthy);
    Release(*connection, healthy);
    if (healthy) up_.store(true, std::memory_order_relaxed);
    if (!replies.ok()) return failed(replies.error());
    return replies;
}

Result<Reply> Client::Run(const core::RequestContext& ctx, const Command& command) {
    EMPORIUM_ASSIGN_OR_RETURN(auto replies, Call(ctx, {command}));
    return std::move(replies.front());
}

Result<std::vector<Reply>> Client::Pipeline(const core::RequestContext& ctx, const std::vector<Command>& commands) {
    if (commands.empty()) return std::vector<Reply>{};
    return Call(ctx, commands);
}

Result<Reply> Client::Eval(const core::RequestContext& ctx, Script& script, const std::vector<std::string>& keys,
                           const std::vector<std::string>& args) {
    for (int attempt = 0; attempt < 2; ++attempt) {
        std::string sha1;
        {
            std::lock_guard lock(script.mutex_);
            sha1 = script.sha1_;
        }
        if (sha1.empty()) {
            EMPORIUM_ASSIGN_OR_RETURN(Reply loaded, Run(ctx, {"SCRIPT", "LOAD", script.source()}));
            sha1 = loaded.text;
            std::lock_guard lock(script.mutex_);
            script.sha1_ = sha1;
        }
        Command command{"EVALSHA", sha1, std::to_string(keys.size())};
        command.insert(command.end(), keys.begin(), keys.end());
        command.insert(command.end(), args.begin(), args.end());
        auto reply = Run(ctx, command);
        if (reply.ok() || !reply.error().message.starts_with("NOSCRIPT")) return reply;
        // The server restarted and forgot the script: load it again.
        std::lock_guard lock(script.mutex_);
        script.sha1_.clear();
    }
    return Error::Internal(settings_.name + ": the server keeps forgetting a script");
}

Client::Stats Client::stats() const {
    return Stats{calls_.load(std::memory_order_relaxed), failures_.load(std::memory_order_relaxed),
                 connects_.load(std::memory_order_relaxed)};
}

void Client::RenderMetrics(std::string& out) const {
    using observability::AppendFamilyHeader;
    using observability::AppendSample;
    Stats now = stats();
    std::string label = "server=\"" + settings_.name + "\"";
    AppendFamilyHeader(out, "emporium_redis_calls_total", "counter", "Calls made to the Redis server.");
    AppendSample(out, "emporium_redis_calls_total", label, static_cast<int64_t>(now.calls));
    AppendFamilyHeader(out, "emporium_redis_unavailable_total", "counter",
                       "Calls answered unavailable (server down, deadline passed, pool exhausted).");
    AppendSample(out, "emporium_redis_unavailable_total", label, static_cast<int64_t>(now.failures));
    AppendFamilyHeader(out, "emporium_redis_connects_total", "counter", "Connections opened to the Redis server.");
    AppendSample(out, "emporium_redis_connects_total", label, static_cast<int64_t>(now.connects));
    AppendFamilyHeader(out, "emporium_redis_up", "gauge", "Whether the last attempt to reach the server succeeded.");
    AppendSample(out, "emporium_redis_up", label, int64_t{up() ? 1 : 0});
}

}  // namespace emporium::infra::redis

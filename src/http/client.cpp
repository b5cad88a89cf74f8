#include "http/client.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <mutex>
#include <optional>

#include "core/text.hpp"
#include "http/deadline_header.hpp"

namespace emporium::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

// One kept-alive connection with the private io_context its blocking calls run on.
struct Connection {
    asio::io_context io;
    beast::tcp_stream stream{io};
    beast::flat_buffer buffer;
};

}  // namespace

struct HttpClient::Pool {
    std::string base_url, host, port;
    std::size_t max_idle = 0;
    std::mutex mutex;
    std::vector<std::unique_ptr<Connection>> idle;
    std::optional<tcp::resolver::results_type> endpoints;  // resolved once, on first use

    std::unique_ptr<Connection> TakeIdle() {
        std::lock_guard lock(mutex);
        if (idle.empty()) return nullptr;
        auto connection = std::move(idle.back());
        idle.pop_back();
        return connection;
    }

    void GiveBack(std::unique_ptr<Connection> connection) {
        std::lock_guard lock(mutex);
        if (idle.size() < max_idle) idle.push_back(std::move(connection));
    }

    core::Result<tcp::resolver::results_type> Endpoints(asio::io_context& io) {
        {
            std::lock_guard lock(mutex);
            if (endpoints) return *endpoints;
        }
        tcp::resolver resolver(io);
        beast::error_code ec;
        auto resolved = resolver.resolve(host, port, ec);
        if (ec) return core::Error::Unavailable("cannot resolve " + host + ": " + ec.message());
        std::lock_guard lock(mutex);
        endpoints = resolved;
        return resolved;
    }
};

core::Result<HttpClient> HttpClient::Create(const std::string& base_url, std::size_t max_idle_connections) {
    constexpr std::string_view kScheme = "http://";
    if (!std::string_view(base_url).starts_with(kScheme))
        return core::Error::Invalid("url", "must start with http://: " + base_url);
    std::string rest = base_url.substr(kScheme.size());
    while (!rest.empty() && rest.back() == '/') rest.pop_back();
    auto colon = rest.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size())
        return core::Error::Invalid("url", "must name a host and a port: " + base_url);
    auto pool = std::make_shared<Pool>();
    pool->base_url = kScheme.data() + rest;
    pool->host = rest.substr(0, colon);
    pool->port = rest.substr(colon + 1);
    pool->max_idle = max_idle_connections;
    return HttpClient(std::move(pool));
}

const std::string& HttpClient::base_url() const { return pool_->base_url; }

core::Result<ClientResponse> HttpClient::Send(const ClientRequest& request, std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    bhttp::request<bhttp::string_body> message{bhttp::string_to_verb(request.method), request.target, 11};
    message.set(bhttp::field::host, pool_->host + ":" + pool_->port);
    message.set(bhttp::field::user_agent, "emporium");
    // The server learns how long this client will wait (remaining time, not a clock value).
    message.set(kRemainingTimeHeader, FormatRemainingTime(timeout));
    for (const auto& [name, value] : request.headers) message.set(name, value);
    if (!request.body.empty()) {
        message.set(bhttp::field::content_type, request.content_type);
        message.body() = request.body;
    }
    message.keep_alive(true);
    message.prepare_payload();

    for (int attempt = 0;; ++attempt) {
        auto connection = attempt == 0 ? pool_->TakeIdle() : nullptr;
        const bool reused = connection != nullptr;
        if (!connection) connection = std::make_unique<Connection>();
        // Each call runs its operations on the connection's own io_context under one
        // deadline (tcp_stream::expires_at) and returns when they finish or it passes.
        auto& stream = connection->stream;
        connection->io.restart();
        beast::error_code failure;
        bhttp::response_parser<bhttp::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);

        auto exchange = [&] {
            stream.expires_at(deadline);
            bhttp::async_write(stream, message, [&](beast::error_code write_error, std::size_t) {
                if (write_error) {
                    failure = write_error;
                    return;
                }
                stream.expires_at(deadline);
                bhttp::async_read(stream, connection->buffer, parser,
                                  [&](beast::error_code read_error, std::size_t) { failure = read_error; });
            });
        };
        if (reused) {
            exchange();
        } else {
            EMPORIUM_ASSIGN_OR_RETURN(auto endpoints, pool_->Endpoints(connection->io));
            stream.expires_at(deadline);
            stream.async_connect(endpoints, [&](beast::error_code connect_error, const tcp::endpoint&) {
                if (connect_error) {
                    failure = connect_error;
                    return;
                }
                exchange();
            });
        }
        connection->io.run();
        if (failure) {
            // The server closed an idle kept-alive connection before this request reached it.
            if (reused && failure != beast::error::timeout && !parser.got_some()) continue;
            std::string what = failure == beast::error::timeout ? "timed out" : failure.message();
            return core::Error::Unavailable(request.method + " " + pool_->base_url + request.target + ": " + what);
        }
        auto response = parser.release();
        ClientResponse out;
        out.status = static_cast<int>(response.result_int());
        for (const auto& field : response)
            out.headers.emplace_back(core::ToLowerAscii(field.name_string()), std::string(field.value()));
        out.body = std::move(response.body());
        if (response.keep_alive() && connection->buffer.size() == 0) {
            stream.expires_never();
            pool_->GiveBack(std::move(connection));
        } else {
            beast::error_code ignored;
            stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        }
        return out;
    }
}

}  // namespace emporium::http

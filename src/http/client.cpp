#include "http/client.hpp"

#include <boost/asio.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "core/text.hpp"

namespace emporium::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

core::Result<HttpClient> HttpClient::Create(const std::string& base_url) {
    constexpr std::string_view kScheme = "http://";
    if (!std::string_view(base_url).starts_with(kScheme))
        return core::Error::Invalid("url", "must start with http://: " + base_url);
    std::string rest = base_url.substr(kScheme.size());
    while (!rest.empty() && rest.back() == '/') rest.pop_back();
    auto colon = rest.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size())
        return core::Error::Invalid("url", "must name a host and a port: " + base_url);
    return HttpClient(kScheme.data() + rest, rest.substr(0, colon), rest.substr(colon + 1));
}

core::Result<ClientResponse> HttpClient::Send(const ClientRequest& request, std::chrono::milliseconds timeout) const {
    // A private io_context per call: the call runs its async operations under one deadline
    // (tcp_stream::expires_after) and returns when they finish or the deadline passes.
    asio::io_context io;
    beast::tcp_stream stream(io);
    beast::error_code failure;
    ClientResponse out;
    tcp::resolver resolver(io);
    beast::error_code ec;
    auto endpoints = resolver.resolve(host_, port_, ec);
    if (ec) return core::Error::Unavailable("cannot resolve " + host_ + ": " + ec.message());

    bhttp::request<bhttp::string_body> message{bhttp::string_to_verb(request.method), request.target, 11};
    message.set(bhttp::field::host, host_ + ":" + port_);
    message.set(bhttp::field::user_agent, "emporium");
    for (const auto& [name, value] : request.headers) message.set(name, value);
    if (!request.body.empty()) {
        message.set(bhttp::field::content_type, request.content_type);
        message.body() = request.body;
    }
    message.keep_alive(false);
    message.prepare_payload();
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> response;

    stream.expires_after(timeout);
    stream.async_connect(endpoints, [&](beast::error_code connect_error, const tcp::endpoint&) {
        if (connect_error) {
            failure = connect_error;
            return;
        }
        bhttp::async_write(stream, message, [&](beast::error_code write_error, std::size_t) {
            if (write_error) {
                failure = write_error;
                return;
            }
            bhttp::async_read(stream, buffer, response,
                              [&](beast::error_code read_error, std::size_t) { failure = read_error; });
        });
    });
    io.run();
    if (failure) {
        std::string what = failure == beast::error::timeout ? "timed out" : failure.message();
        return core::Error::Unavailable(request.method + " " + base_url_ + request.target + ": " + what);
    }
    out.status = static_cast<int>(response.result_int());
    for (const auto& field : response)
        out.headers.emplace_back(core::ToLowerAscii(field.name_string()), std::string(field.value()));
    out.body = std::move(response.body());
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    return out;
}

}  // namespace emporium::http

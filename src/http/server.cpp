#include "http/server.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cerrno>
#include <list>
#include <optional>
#include <thread>
#include <vector>

#include "core/random.hpp"
#include "core/text.hpp"
#include "http/connection_limits.hpp"
#include "http/deadline_header.hpp"
#include "http/problem.hpp"
#include "http/request_framing.hpp"
#include "http/security_headers.hpp"
#include "observability/log.hpp"
#include "runtime/thread_name.hpp"

namespace emporium::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

struct SessionState {
    beast::tcp_stream* stream = nullptr;
    bool busy = false;  // a request has been read and its response is not yet written
};

struct Worker {
    // Declared before the io_context: destroying the io_context destroys the coroutine
    // frames of sessions still open at shutdown, whose registrations erase themselves
    // from this list, so it must outlive them.
    std::list<SessionState*> sessions;  // touched only on this worker's thread
    asio::io_context io{1};
    std::optional<tcp::acceptor> acceptor;
    std::thread thread;
};

bool IsJsonMediaType(std::string_view content_type) {
    auto semicolon = content_type.find(';');
    std::string_view media = content_type.substr(0, semicolon);
    while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
    std::string lower = core::ToLowerAscii(media);
    return lower == "application/json" || (lower.size() > 5 && lower.ends_with("+json"));
}

// True when an If-None-Match header value matches `etag` (weak comparison, RFC 9110 §13.1.2).
bool NoneMatch(std::string_view header, std::string_view etag) {
    auto strip_weak = [](std::string_view tag) { return tag.starts_with("W/") ? tag.substr(2) : tag; };
    etag = strip_weak(etag);
    while (!header.empty()) {
        auto comma = header.find(',');
        std::string_view candidate = header.substr(0, comma);
        while (!candidate.empty() && candidate.front() == ' ') candidate.remove_prefix(1);
        while (!candidate.empty() && candidate.back() == ' ') candidate.remove_suffix(1);
        if (candidate == "*" || strip_weak(candidate) == etag) return true;
        if (comma == std::string_view::npos) break;
        header.remove_prefix(comma + 1);
    }
    return false;
}

// Every successful GET carries an ETag (the handler's, or a hash of the body) and is
// answered 304 with no body when the client already holds that representation.
void ApplyConditionalGet(const Request& request, Response& response) {
    if (request.method != Method::kGet || response.status != 200) return;
    std::string etag(response.Header("ETag"));
    if (etag.empty()) {
        etag = core::EtagFor(response.body);
        response.SetHeader("ETag", etag);
    }
    std::string_view if_none_match = request.Header("if-none-match");
    if (!if_none_match.empty() && NoneMatch(if_none_match, etag)) {
        response.status = 304;
        response.body.clear();
    }
}

// The client's X-Request-Id when it is a sane one, else a new id.
std::string RequestIdFrom(std::string_view given) {
    return core::IsVisibleAscii(given, 128) ? std::string(given) : core::NewRequestId();
}

// traceparent: 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>
std::string TraceIdFrom(std::string_view traceparent) {
    if (traceparent.size() != 55 || traceparent[2] != '-' || traceparent[35] != '-' || traceparent[52] != '-')
        return {};
    std::string_view trace_id = traceparent.substr(3, 32);
    for (char c : trace_id)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return {};
    if (trace_id == std::string_view("00000000000000000000000000000000")) return {};
    return std::string(trace_id);
}

// Completion handler of a spawned coroutine: an exception that escapes it is logged
// instead of vanishing (asio::detached would drop it silently).
auto LogUnexpectedException(const char* where) {
    return [where](std::exception_ptr error) {
        if (!error) return;
        try {
            std::rethrow_exception(error);
        } catch (const std::exception& e) {
            observability::LogError("coroutine_exception", [&](core::JsonWriter& json) {
                json.Field("where", where).Field("error", e.what());
            });
        }
    };
}

Response Problem(core::ErrorCode code, std::string message, std::string_view instance) {
    return ProblemResponse(core::Error{code, std::move(message), {}}, instance);
}

}  // namespace

struct Server::Impl {
    ServerOptions options;
    const Router& router;
    Authenticator authenticator;
    RequestPolicy* policy;
    // Declared before the workers: sessions still open when the workers' io_contexts are
    // destroyed update these as their frames go.
    std::atomic<bool> draining{false};
    std::atomic<int64_t> in_flight{0};
    RouteMetrics unmatched_metrics;
    observability::Counter connections_accepted;
    observability::Counter connections_refused;  // over a connection cap
    observability::Gauge connections_open;
    ConnectionLimits connection_limits;
    // Declared before the pool so the pool is destroyed first: its last jobs post their
    // results to the workers' io_contexts, which must still exist.
    std::vector<std::unique_ptr<Worker>> workers;
    runtime::BlockingPool pool;

    Impl(ServerOptions opts, const Router& r, Authenticator auth, RequestPolicy* p)
        : options(std::move(opts)),
          router(r),
          authenticator(std::move(auth)),
          policy(p),
          connection_limits(options.max_connections, options.max_connections_per_address),
          workers(),
          pool(options.blocking_threads, options.blocking_queue_limit) {
        for (int i = 0; i < std::max(1, options.io_threads); ++i) workers.push_back(std::make_unique<Worker>());
    }

    // --- request handling -------------------------------------------------------------

    Response Invoke(const Route& route, Request& request) {
        try {
            if (request.context.Expired()) {
                // A client that hung up is no sign of overload; a deadline passed in the queue is.
                bool client_gone = request.context.client_gone && request.context.client_gone->load();
                Response response = Problem(
                    core::ErrorCode::kUnavailable,
                    client_gone ? "The client closed its connection." : "The request waited too long for a worker.",
                    request.path);
                response.capacity_refusal = !client_gone;
                return response;
            }
            if (route.access != Access::kPublic) {
                if (auto refused = Authenticate(route, request)) return std::move(*refused);
            }
            if (policy) {
                if (auto refused = policy->OnAuthenticated(route, request)) return std::move(*refused);
            }
            return route.handler(request);
        } catch (const std::exception& e) {
            Response response = Problem(core::ErrorCode::kInternal, "", request.path);
            response.internal_error = std::string("handler threw: ") + e.what();
            return response;
        }
    }

    // Sets the caller's principal from a bearer token, else from the session cookie of our
    // pages (then a request that changes state must carry the CSRF proof); a route open to
    // guests goes on without either. Returns the refusal when the caller may not go on.
    std::optional<Response> Authenticate(const Route& route, Request& request) {
        std::string_view authorization = request.Header("authorization");
        std::string_view cookie = authorization.empty() ? CookieValue(request, kSessionCookie) : std::string_view();
        if (authorization.empty() && cookie.empty()) {
            if (route.access == Access::kOptionalUser) return std::nullopt;
            return Problem(core::ErrorCode::kUnauthenticated, "A bearer token is required.", request.path);
        }
        std::string_view token = cookie;
        if (cookie.empty()) {
            constexpr std::string_view kBearer = "Bearer ";
            if (authorization.size() <= kBearer.size() ||
                !std::equal(kBearer.begin(), kBearer.end(), authorization.begin(),
                            [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
                return RefuseAuthentication(
                    route, request,
                    Problem(core::ErrorCode::kUnauthenticated, "A bearer token is required.", request.path));
            token = authorization.substr(kBearer.size());
        } else if (NeedsCsrfProof(request.method) && !HasCsrfProof(request)) {
            return Problem(core::ErrorCode::kPermissionDenied,
                           "A request signed in by the session cookie must repeat the emporium_csrf cookie in "
                           "the X-CSRF-Token header.",
                           request.path);
        }
        auto principal = authenticator(request.context, token);
        if (!principal.ok()) {
            Response refusal = RefuseAuthentication(route, request, ProblemResponse(principal.error(), request.path));
            // A cookie that no longer signs in (expired, revoked) is dropped, so the page is a guest's again.
            if (!cookie.empty() && refusal.status == 401) ClearSessionCookies(refusal, options.session_cookies);
            return refusal;
        }
        if (route.access == Access::kAdmin && principal->role != core::Role::kAdmin)
            return Problem(core::ErrorCode::kPermissionDenied, "This operation needs the admin role.", request.path);
        request.context.principal = std::move(principal).value();
        return std::nullopt;
    }

    Response RefuseAuthentication(const Route& route, Request& request, Response refusal) {
        // Only a refused credential is counted: a store or database failure is not the caller's.
        if (!policy || refusal.status != 401) return refusal;
        return policy->OnAuthenticationFailed(route, request, std::move(refusal));
    }

    template <typename Work>
    asio::awaitable<Response> RunOnPool(std::string instance, Work work) {
        auto executor = co_await asio::this_coro::executor;
        co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(Response)>(
            [this, executor](auto handler, Work work, std::string instance) mutable {
                auto accepted = std::make_shared<bool>(true);
                runtime::UniqueFunction job(
                    [handler = std::move(handler), work = std::move(work), executor, accepted, instance]() mutable {
                        Response response;
                        if (*accepted) {
                            response = work();
                        } else {
                            response =
                                Problem(core::ErrorCode::kUnavailable, "The server is busy; retry shortly.", instance);
                            response.capacity_refusal = true;
                        }
                        asio::post(executor, [handler = std::move(handler), response = std::move(response)]() mutable {
                            std::move(handler)(std::move(response));
                        });
                    });
                if (!pool.TrySubmit(std::move(job))) {
                    *accepted = false;
                    job();
                }
            },
            asio::use_awaitable, std::move(work), std::move(instance));
    }

    // While a request is being served, watches its connection for the client going away
    // (EOF or reset) and then marks the request's context, so blocking work still queued
    // or waiting on a dependency is dropped instead of finished for nobody. Bytes of a
    // pipelined next request end the watch without being read. The watch touches the socket
    // only while `active` (set false, on this thread, before the session goes on), since a
    // completion may be queued after the session has moved on.
    struct HangUpWatch {
        bool active = true;
        std::atomic<bool> gone{false};
    };
    static std::shared_ptr<HangUpWatch> WatchForHangUp(beast::tcp_stream& stream, Request& request) {
        auto watch = std::make_shared<HangUpWatch>();
        // One allocation: the context shares the watch's ownership and points at its flag.
        request.context.client_gone = std::shared_ptr<const std::atomic<bool>>(watch, &watch->gone);
        auto& socket = stream.socket();
        socket.async_wait(tcp::socket::wait_read, [watch, &socket](const beast::error_code& ec) {
            if (ec || !watch->active) return;
            char byte;
            ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
                watch->gone.store(true, std::memory_order_relaxed);
        });
        return watch;
    }

    asio::awaitable<Response> Handle(Request& request, const Route*& matched, beast::tcp_stream& stream) {
        // HEAD is GET without the body (RFC 9110 §9.3.2); Write drops the bytes.
        Method lookup = request.method == Method::kHead ? Method::kGet : request.method;
        auto match = router.Find(lookup, request.path, request);
        if (!match.route) {
            if (match.allowed.empty())
                co_return Problem(core::ErrorCode::kNotFound, "No resource at this path.", request.path);
            Response response =
                Problem(core::ErrorCode::kMethodNotAllowed,
                        "This path does not support " + std::string(MethodName(request.method)) + ".", request.path);
            std::string allow;
            for (Method m : match.allowed) {
                if (!allow.empty()) allow += ", ";
                allow += MethodName(m);
            }
            response.SetHeader("Allow", allow);
            co_return response;
        }
        matched = match.route;
        const Route& route = *match.route;
        if (!request.body.empty() && !IsJsonMediaType(request.Header("content-type")))
            co_return Problem(core::ErrorCode::kUnsupportedMediaType, "Request bodies must be application/json.",
                              request.path);
        if (policy) {
            if (auto refused = policy->OnArrival(route, request)) co_return std::move(*refused);
        }
        // Fast paths run before authentication, so only public routes may have one.
        if (route.fast_path && route.access == Access::kPublic) {
            if (policy && policy->NeedsBlockingCheck(request)) {
                // Status 0: the check let the request through.
                Response checked = co_await RunOnPool(request.path, [this, &route, &request] {
                    auto refused = policy->OnAuthenticated(route, request);
                    return refused ? std::move(*refused) : Response{.status = 0};
                });
                if (checked.status != 0) co_return checked;
            }
            if (auto fast = route.fast_path(request)) co_return std::move(*fast);
        }
        if (route.execution == Execution::kInline) co_return Invoke(route, request);
        if (policy && !policy->Admit(route, request)) co_return policy->Shed(route, request);
        auto admitted_at = Clock::now();
        Clock::duration queue_delay{0};
        auto watch = WatchForHangUp(stream, request);
        Response response = co_await RunOnPool(request.path, [this, &route, &request, admitted_at, &queue_delay] {
            queue_delay = Clock::now() - admitted_at;
            return Invoke(route, request);
        });
        watch->active = false;
        beast::error_code cancel_error;
        stream.socket().cancel(cancel_error);
        if (policy) {
            auto total = Clock::now() - admitted_at;
            // A refusal by a full pool never reached a worker: its wait was all it had.
            if (response.capacity_refusal && queue_delay == Clock::duration::zero()) queue_delay = total;
            policy->Finish(route, request, queue_delay, total - queue_delay, response.capacity_refusal);
        }
        co_return response;
    }

    // --- connections ------------------------------------------------------------------

    asio::awaitable<bool> Write(beast::tcp_stream& stream, Response& response, const std::string& request_id,
                                unsigned version, bool keep_alive, bool head = false) {
        AddSecurityHeaders(response);
        bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(response.status), version};
        bool has_body = response.status != 204 && response.status != 304;
        if (!response.content_type.empty() && has_body) out.set(bhttp::field::content_type, response.content_type);
        for (auto& [name, value] : response.headers) out.insert(name, value);
        if (!request_id.empty()) out.set("X-Request-Id", request_id);
        out.keep_alive(keep_alive);
        if (head && has_body) {
            out.content_length(response.body.size());  // what GET would send, without the bytes
        } else {
            if (has_body) out.body() = std::move(response.body);
            out.prepare_payload();
        }
        stream.expires_after(options.read_timeout);
        auto [ec, n] = co_await bhttp::async_write(stream, out, kTuple);
        co_return !ec;
    }

    void Record(const Route* route, const Request& request, int status, std::size_t bytes, Clock::time_point start,
                const std::string& internal_error) {
        if (!internal_error.empty()) {
            observability::LogError("internal_error", [&](core::JsonWriter& json) {
                json.Field("request_id", request.context.request_id)
                    .Field("path", request.path)
                    .Field("status", status)
                    .Field("error", internal_error);
            });
        }
        auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
        RouteMetrics& metrics = route ? const_cast<Route*>(route)->metrics : unmatched_metrics;
        metrics.latency.Observe(elapsed);
        metrics.by_status[static_cast<std::size_t>(std::clamp(status, 100, 599))].Add();
        if (!options.access_log) return;
        observability::LogInfo("access", [&](core::JsonWriter& json) {
            json.Field("request_id", request.context.request_id);
            if (!request.context.trace_id.empty()) json.Field("trace_id", request.context.trace_id);
            json.Field("method", MethodName(request.method))
                .Field("path", request.path)
                .Field("route", route ? std::string_view(route->pattern) : std::string_view("unmatched"))
                .Field("status", status)
                .Field("bytes", static_cast<int64_t>(bytes))
                .Key("duration_ms")
                .Raw(std::to_string(static_cast<double>(elapsed) / 1e6))
                .Field("remote", request.remote_address);
        });
    }

    // Answers an unreadable request (limits exceeded, syntax error, an ambiguous or
    // undecodable one), logs it as any other, then closes. What the parser read of the request
    // line and headers gives the problem's `instance` (escaped: the target may hold any byte)
    // and the echoed X-Request-Id, as on any other error.
    asio::awaitable<void> Reject(beast::tcp_stream& stream, core::ErrorCode code, std::string message,
                                 const bhttp::request<bhttp::string_body>& partial, const std::string& remote,
                                 Clock::time_point start) {
        Request request;
        request.method = ParseMethod(partial.method_string());
        request.path = InstanceFor(partial.target());
        request.remote_address = remote;
        request.context.request_id = RequestIdFrom(partial["X-Request-Id"]);
        Response response = Problem(code, std::move(message), request.path);
        int status = response.status;
        std::size_t bytes = response.body.size();
        co_await Write(stream, response, request.context.request_id, 11, false);
        Record(nullptr, request, status, bytes, start, "");
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        // Drain what the client is still sending so that closing does not reset the
        // connection before it has read our answer.
        stream.expires_after(std::chrono::seconds(2));
        std::array<char, 16384> sink;
        std::size_t drained = 0;
        while (drained < 16 * options.max_body_bytes) {
            auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), kTuple);
            if (ec) break;
            drained += n;
        }
    }

    // Keeps the connection registry and gauges right however a session ends (including
    // by an exception), so shutdown never looks at a session that is gone.
    struct SessionRegistration {
        Impl& impl;
        Worker& worker;
        SessionState state;
        std::list<SessionState*>::iterator position;
        SessionRegistration(Impl& i, Worker& w, beast::tcp_stream& stream) : impl(i), worker(w), state{&stream, false} {
            worker.sessions.push_front(&state);
            position = worker.sessions.begin();
            impl.connections_open.Add(1);
        }
        ~SessionRegistration() {
            if (state.busy) impl.in_flight.fetch_sub(1);
            worker.sessions.erase(position);
            impl.connections_open.Add(-1);
        }
        void BeginRequest() {
            state.busy = true;
            impl.in_flight.fetch_add(1);
        }
        void EndRequest() {
            state.busy = false;
            impl.in_flight.fetch_sub(1);
        }
    };

    // `slot` holds the connection's place under the connection caps until the session ends.
    asio::awaitable<void> Session(tcp::socket socket, Worker& worker, std::string remote,
                                  [[maybe_unused]] ConnectionLimits::Slot slot) {
        beast::tcp_stream stream(std::move(socket));
        SessionRegistration registration(*this, worker, stream);
        beast::flat_buffer buffer;
        const std::string too_large = "The request body exceeds " + std::to_string(options.max_body_bytes) + " bytes.";
        for (;;) {
            if (draining.load()) break;
            bhttp::request_parser<bhttp::string_body> parser;
            parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
            parser.body_limit(options.max_body_bytes);
            // Waiting for a request is the idle timeout; once its first byte is here, the
            // whole header must follow within the (shorter) header timeout, so a client that
            // trickles a header cannot hold the connection for the idle time.
            if (buffer.size() == 0) {
                stream.expires_after(options.idle_timeout);
                auto [wait_error, first_bytes] =
                    co_await stream.async_read_some(buffer.prepare(options.first_read_bytes), kTuple);
                if (wait_error) break;
                buffer.commit(first_bytes);
            }
            auto header_start = Clock::now();
            stream.expires_after(options.header_timeout);
            auto [header_error, header_bytes] = co_await bhttp::async_read_header(stream, buffer, parser, kTuple);
            auto reject = [&](core::ErrorCode code, std::string message) {
                return Reject(stream, code, std::move(message), parser.get(), remote, header_start);
            };
            if (header_error) {
                if (header_error == bhttp::error::body_limit) {
                    co_await reject(core::ErrorCode::kPayloadTooLarge, too_large);
                } else if (header_error == bhttp::error::header_limit) {
                    co_await reject(core::ErrorCode::kHeadersTooLarge, "The request headers are too large.");
                } else if (header_error.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
                           header_error != bhttp::error::end_of_stream &&
                           header_error != bhttp::error::partial_message) {
                    co_await reject(core::ErrorCode::kMalformed, "The request is not valid HTTP/1.1.");
                }
                break;
            }
            if (auto ambiguity = AmbiguousFraming(parser.get()); !ambiguity.empty()) {
                co_await reject(core::ErrorCode::kMalformed, std::move(ambiguity));
                break;
            }
            if (auto problem = TargetProblem(parser.get().target()); !problem.empty()) {
                co_await reject(core::ErrorCode::kMalformed, std::move(problem));
                break;
            }
            registration.BeginRequest();
            auto start = Clock::now();
            if (!parser.is_done()) {
                if (beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
                    // Clients such as curl wait for this before sending a body.
                    bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, parser.get().version()};
                    auto [continue_error, continue_bytes] = co_await bhttp::async_write(stream, go_on, kTuple);
                    if (continue_error) break;
                }
                stream.expires_after(options.read_timeout);
                auto [body_error, body_bytes] = co_await bhttp::async_read(stream, buffer, parser, kTuple);
                if (body_error) {
                    if (body_error == bhttp::error::body_limit)
                        co_await reject(core::ErrorCode::kPayloadTooLarge, too_large);
                    break;
                }
            }
            unsigned version = parser.get().version();
            bool keep_alive = parser.get().keep_alive();
            Request request = ToRequest(parser.release(), remote);
            request.context.request_id = RequestIdFrom(request.Header("x-request-id"));
            request.context.trace_id = TraceIdFrom(request.Header("traceparent"));
            request.context.deadline = start + options.request_timeout;
            // A caller serving a request of its own passes on the time it has left.
            if (auto remaining = ParseRemainingTime(request.Header(kRemainingTimeHeader)))
                request.context.deadline = std::min(request.context.deadline, start + *remaining);

            const Route* route = nullptr;
            Response response;
            try {
                response = co_await Handle(request, route, stream);
                for (auto& [name, value] : request.response_headers) response.SetHeader(name, std::move(value));
                ApplyConditionalGet(request, response);
            } catch (const std::exception& e) {
                response = Problem(core::ErrorCode::kInternal, "", request.path);
                response.internal_error = std::string("exception: ") + e.what();
            }
            keep_alive = keep_alive && !draining.load();
            int status = response.status;
            std::size_t bytes = response.body.size();
            bool written = co_await Write(stream, response, request.context.request_id, version, keep_alive,
                                          request.method == Method::kHead);
            Record(route, request, status, bytes, start, response.internal_error);
            registration.EndRequest();
            if (!written) break;
            if (!keep_alive) {
                beast::error_code ignored;
                stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
                break;
            }
        }
    }

    asio::awaitable<void> AcceptLoop(Worker& worker) {
        for (;;) {
            auto [ec, socket] = co_await worker.acceptor->async_accept(kTuple);
            if (ec) {
                if (draining.load() || ec == asio::error::operation_aborted) co_return;
                continue;  // e.g. EMFILE: keep serving the connections we have
            }
            beast::error_code ignored;
            connections_accepted.Add();
            auto endpoint = socket.remote_endpoint(ignored);
            std::string remote = ignored ? std::string() : endpoint.address().to_string();
            auto slot = connection_limits.TryAcquire(remote);
            if (!slot) {
                // Over a cap: closed at once, before reading anything (docs/API.md).
                connections_refused.Add();
                socket.close(ignored);
                continue;
            }
            socket.set_option(tcp::no_delay(true), ignored);
            asio::co_spawn(worker.io, Session(std::move(socket), worker, std::move(remote), std::move(slot)),
                           LogUnexpectedException("session"));
        }
    }

    // --- shutdown ---------------------------------------------------------------------

    void BeginShutdown() {
        if (draining.exchange(true)) return;
        observability::LogInfo("shutdown_started", [&](core::JsonWriter& json) {
            json.Field("in_flight", in_flight.load())
                .Field("grace_ms", static_cast<int64_t>(options.shutdown_grace.count()));
        });
        for (auto& worker : workers) {
            asio::post(worker->io, [w = worker.get()] {
                beast::error_code ignored;
                if (w->acceptor) w->acceptor->close(ignored);
                for (SessionState* session : w->sessions)
                    if (!session->busy) session->stream->socket().close(ignored);
            });
        }
        asio::co_spawn(workers.front()->io, WaitForDrain(), LogUnexpectedException("shutdown"));
    }

    asio::awaitable<void> WaitForDrain() {
        auto deadline = Clock::now() + options.shutdown_grace;
        asio::steady_timer timer(co_await asio::this_coro::executor);
        while (in_flight.load() > 0 && Clock::now() < deadline) {
            timer.expires_after(std::chrono::milliseconds(10));
            co_await timer.async_wait(kTuple);
        }
        int64_t abandoned = in_flight.load();
        observability::LogInfo("shutdown_drained", [&](core::JsonWriter& json) { json.Field("abandoned", abandoned); });
        for (auto& worker : workers) worker->io.stop();
    }

    void RenderMetrics(std::string& out) const {
        using observability::AppendFamilyHeader;
        using observability::AppendSample;
        AppendFamilyHeader(out, "emporium_http_requests_total", "counter",
                           "HTTP requests answered, by route and status.");
        auto each_route = [&](auto&& fn) {
            for (const auto& route : router.routes()) fn(MethodName(route->method), route->pattern, route->metrics);
            fn(std::string_view("ANY"), std::string_view("unmatched"), unmatched_metrics);
        };
        each_route([&](std::string_view method, std::string_view pattern, const RouteMetrics& metrics) {
            for (int status = 100; status < 600; ++status) {
                uint64_t count = metrics.by_status[static_cast<std::size_t>(status)].Value();
                if (count == 0) continue;
                AppendSample(out, "emporium_http_requests_total",
                             "method=\"" + std::string(method) + "\",route=\"" + observability::EscapeLabel(pattern) +
                                 "\",status=\"" + std::to_string(status) + "\"",
                             static_cast<int64_t>(count));
            }
        });
        AppendFamilyHeader(out, "emporium_http_request_duration_seconds", "histogram",
                           "Time from a complete request header to the response written, by route.");
        each_route([&](std::string_view method, std::string_view pattern, const RouteMetrics& metrics) {
            if (metrics.latency.Count() == 0) return;
            metrics.latency.Render(
                out, "emporium_http_request_duration_seconds",
                "method=\"" + std::string(method) + "\",route=\"" + observability::EscapeLabel(pattern) + "\"");
        });
        AppendFamilyHeader(out, "emporium_http_requests_in_flight", "gauge", "Requests read and not yet answered.");
        AppendSample(out, "emporium_http_requests_in_flight", "", in_flight.load());
        AppendFamilyHeader(out, "emporium_http_connections_open", "gauge", "Open client connections.");
        AppendSample(out, "emporium_http_connections_open", "", connections_open.Value());
        AppendFamilyHeader(out, "emporium_http_connections_accepted_total", "counter", "Client connections accepted.");
        AppendSample(out, "emporium_http_connections_accepted_total", "",
                     static_cast<int64_t>(connections_accepted.Value()));
        AppendFamilyHeader(out, "emporium_http_connections_refused_total", "counter",
                           "Client connections closed at once because they would pass a connection cap.");
        AppendSample(out, "emporium_http_connections_refused_total", "",
                     static_cast<int64_t>(connections_refused.Value()));
        auto stats = pool.Stats();
        AppendFamilyHeader(out, "emporium_blocking_pool_threads", "gauge",
                           "Threads of the blocking pool (database work, hashing).");
        AppendSample(out, "emporium_blocking_pool_threads", "", stats.threads);
        AppendFamilyHeader(out, "emporium_blocking_pool_busy_threads", "gauge", "Blocking pool threads running a job.");
        AppendSample(out, "emporium_blocking_pool_busy_threads", "", stats.busy);
        AppendFamilyHeader(out, "emporium_blocking_pool_queued_jobs", "gauge",
                           "Jobs waiting for a blocking pool thread.");
        AppendSample(out, "emporium_blocking_pool_queued_jobs", "", stats.queued);
        AppendFamilyHeader(out, "emporium_blocking_pool_rejected_total", "counter",
                           "Jobs refused because the blocking pool queue was full (answered 503).");
        AppendSample(out, "emporium_blocking_pool_rejected_total", "", stats.rejected);
    }
};

Server::Server(ServerOptions options, const Router& router, Authenticator authenticator,
               observability::MetricsRegistry& metrics, RequestPolicy* policy)
    : impl_(std::make_unique<Impl>(std::move(options), router, std::move(authenticator), policy)) {
    metrics.Add([impl = impl_.get()](std::string& out) { impl->RenderMetrics(out); });
}

Server::~Server() = default;

core::Result<int> Server::Listen() {
    beast::error_code ec;
    auto address = asio::ip::make_address(impl_->options.host, ec);
    if (ec) return core::Error::Invalid("server.host", "not an IP address: " + impl_->options.host);
    int port = impl_->options.port;
    if (port != 0) {
        // SO_REUSEPORT would let a second server bind the same port and silently take half of
        // its connections; a plain bind first proves that nobody else is listening there.
        tcp::acceptor probe(impl_->workers.front()->io);
        tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
        probe.open(endpoint.protocol(), ec);
        if (!ec) probe.set_option(asio::socket_base::reuse_address(true), ec);
        if (!ec) probe.bind(endpoint, ec);
        if (ec)
            return core::Error::Unavailable("cannot listen on " + impl_->options.host + ":" + std::to_string(port) +
                                            ": " + ec.message());
    }
    for (auto& worker : impl_->workers) {
        tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
        auto& acceptor = worker->acceptor.emplace(worker->io);
        acceptor.open(endpoint.protocol(), ec);
        if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
        if (!ec) {
            int one = 1;
            if (::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
                ec = beast::error_code(errno, boost::system::system_category());
        }
        if (!ec) acceptor.bind(endpoint, ec);
        if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
        if (ec)
            return core::Error::Unavailable("cannot listen on " + impl_->options.host + ":" + std::to_string(port) +
                                            ": " + ec.message());
        port = acceptor.local_endpoint().port();  // the first acceptor resolves port 0 for the others
    }
    return port;
}

void Server::Run() {
    Impl& impl = *impl_;
    asio::signal_set signals(impl.workers.front()->io, SIGINT, SIGTERM);
    signals.async_wait([&impl](const beast::error_code& ec, int) {
        if (!ec) impl.BeginShutdown();
    });
    for (std::size_t i = 0; i < impl.workers.size(); ++i) {
        auto& worker = impl.workers[i];
        asio::co_spawn(worker->io, impl.AcceptLoop(*worker), LogUnexpectedException("accept"));
        worker->thread = std::thread([w = worker.get(), i] {
            runtime::NameThisThread("http-" + std::to_string(i));
            w->io.run();
        });
    }
    for (auto& worker : impl.workers) worker->thread.join();
    observability::LogInfo("server_stopped");
}

void Server::Shutdown() {
    asio::post(impl_->workers.front()->io, [impl = impl_.get()] { impl->BeginShutdown(); });
}

runtime::BlockingPoolStats Server::PoolStats() const { return impl_->pool.Stats(); }

}  // namespace emporium::http

// The event loops: the only file of the load generator that includes Asio.
#include "loadgen/runner.hpp"

#include <algorithm>
#include <atomic>
#include <barrier>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>

namespace emporium::loadgen {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr int64_t kBackoffNs = 50'000'000;  // after a failed connect, before the next attempt
constexpr std::size_t kReadChunk = 8192;

asio::steady_timer::time_point TimePointOf(int64_t ns) {
    return asio::steady_timer::time_point(
        std::chrono::duration_cast<asio::steady_timer::duration>(std::chrono::nanoseconds(ns)));
}

class Worker;

// One keep-alive connection and the script that drives it.
class Connection {
  public:
    Connection(Worker& worker, asio::io_context& context, std::unique_ptr<Script> script)
        : worker_(worker), script_(std::move(script)), socket_(context), timer_(context) {}

    // Opens the socket ahead of the run; a failure is left for the first request to retry.
    template <typename Done>
    void Connect(const tcp::endpoint& endpoint, Done done) {
        socket_.async_connect(endpoint, [this, done](error_code ec) {
            if (ec) {
                error_code ignored;
                socket_.close(ignored);
            } else {
                socket_.set_option(tcp::no_delay(true));
            }
            done();
        });
    }

    // Sends `request`, whose latency counts from `start_ns`, and reads the answer.
    void Begin(Request request, int64_t start_ns);

    void Close() {
        error_code ignored;
        socket_.close(ignored);
        timer_.cancel();
    }

    // Aborts the request in flight if it has waited longer than `timeout_ns`.
    void CheckTimeout(int64_t now, int64_t timeout_ns) {
        if (io_pending_ && now - sent_ns_ > timeout_ns) {
            timed_out_ = true;
            error_code ignored;
            socket_.close(ignored);
        }
    }

    Script& script() { return *script_; }
    const Request& request() const { return request_; }
    Response& response() { return response_; }
    bool in_flight() const { return in_flight_; }

  private:
    void Transmit();
    void Write();
    void Read();
    void OnIoError(const error_code& ec, const char* what);
    void Fail(std::string message, bool backoff = false);
    void Complete();

    Worker& worker_;
    std::unique_ptr<Script> script_;
    tcp::socket socket_;
    asio::steady_timer timer_;
    ResponseParser parser_;
    std::string out_;
    std::string in_;
    Request request_;
    Response response_;
    int64_t start_ns_ = 0;
    int64_t sent_ns_ = 0;
    bool in_flight_ = false;
    bool io_pending_ = false;
    bool reused_ = false;
    bool retried_ = false;
    bool timed_out_ = false;
    bool backoff_ = false;
};

// One thread: an io_context, its share of the connections, its own Stats.
class Worker {
  public:
    Worker(const RunOptions& options, tcp::endpoint endpoint, int index)
        : options_(options), endpoint_(endpoint), index_(index), sweep_(context_), end_(context_), arrival_(context_) {}

    void Add(std::unique_ptr<Script> script) {
        connections_.push_back(std::make_unique<Connection>(*this, context_, std::move(script)));
    }

    // Opens every connection; returns when all attempts finished.
    void ConnectAll() {
        for (auto& c : connections_) c->Connect(endpoint_, [] {});
        context_.run();
        context_.restart();
    }

    // Runs from `start_ns` until `end_ns` (or, when end_ns is max, until every script is done).
    void Go(int64_t start_ns, int64_t window_start, int64_t end_ns) {
        window_start_ = window_start;
        end_ns_ = end_ns;
        active_ = static_cast<int>(connections_.size());
        if (options_.rate > 0) {
            // Every thread offers its share of the rate; the threads' schedules interleave.
            interval_ns_ = 1e9 * options_.threads / options_.rate;
            first_arrival_ns_ = start_ns + static_cast<int64_t>(interval_ns_ * index_ / options_.threads);
        }
        if (end_ns != std::numeric_limits<int64_t>::max()) {
            end_.expires_at(TimePointOf(end_ns));
            end_.async_wait([this](error_code ec) {
                if (ec) return;
                stopped_ = true;
                context_.stop();
            });
        }
        ArmSweep();
        if (options_.rate > 0) {
            for (auto& c : connections_) idle_.push_back(c.get());
            Dispatch();
        } else {
            for (auto& c : connections_) Advance(*c, NowNs());
        }
        if (active_ > 0) context_.run();
        int64_t now = std::min(NowNs(), end_ns_);
        for (auto& c : connections_) {
            if (c->in_flight()) ++unfinished_;
        }
        if (options_.rate > 0 && end_ns_ != std::numeric_limits<int64_t>::max()) {
            unfinished_ += std::max<int64_t>(0, DueBy(now) - next_arrival_);
        }
        for (auto& c : connections_) c->Close();
    }

    // Called by a connection when its request completed (answered or failed).
    void OnComplete(Connection& c) {
        Response& response = c.response();
        bool in_window = response.end_ns >= window_start_ && response.end_ns <= end_ns_;
        if (in_window) stats_.RecordResponse(c.request(), response);
        stats_.recording = in_window;
        c.script().OnResponse(c.request(), response, stats_);
        stats_.recording = true;
        if (stopped_) return;
        if (options_.rate > 0) {
            idle_.push_back(&c);
            Dispatch();
        } else {
            Advance(c, NowNs());
        }
    }

    void CountReconnect() { ++reconnects_; }
    const tcp::endpoint& endpoint() const { return endpoint_; }
    const std::string& host_header() const { return options_.target.host_header; }
    Stats& stats() { return stats_; }
    int64_t unfinished() const { return unfinished_; }
    int64_t max_backlog() const { return max_backlog_; }
    int64_t reconnects() const { return reconnects_; }

  private:
    // Closed loop: the connection's next request, at once.
    void Advance(Connection& c, int64_t now) {
        auto next = c.script().Next();
        if (!next) {
            Retire(c);
            return;
        }
        c.Begin(std::move(*next), now);
    }

    void Retire(Connection& c) {
        c.Close();
        if (--active_ == 0) {
            sweep_.cancel();
            end_.cancel();
            arrival_.cancel();
        }
    }

    int64_t Intended(int64_t i) const {
        return first_arrival_ns_ + std::llround(static_cast<double>(i) * interval_ns_);
    }

    // How many requests are due by `now` (intended start <= now, and before the end).
    int64_t DueBy(int64_t now) const {
        int64_t until = std::min(now, end_ns_);
        if (until < first_arrival_ns_) return 0;
        return static_cast<int64_t>(std::floor(static_cast<double>(until - first_arrival_ns_) / interval_ns_)) + 1;
    }

    // Open loop: gives due requests to free connections; arms the arrival timer for the next one.
    void Dispatch() {
        int64_t due = DueBy(NowNs());
        max_backlog_ = std::max(max_backlog_, due - next_arrival_);
        while (!idle_.empty() && next_arrival_ < due) {
            Connection* c = idle_.back();
            idle_.pop_back();
            auto next = c->script().Next();
            if (!next) {
                Retire(*c);
                continue;
            }
            c->Begin(std::move(*next), Intended(next_arrival_++));
        }
        if (!idle_.empty() && !arrival_armed_ && active_ > 0) {
            arrival_armed_ = true;
            arrival_.expires_at(TimePointOf(Intended(next_arrival_)));
            arrival_.async_wait([this](error_code ec) {
                arrival_armed_ = false;
                if (!ec && !stopped_) Dispatch();
            });
        }
    }

    void ArmSweep() {
        sweep_.expires_after(std::chrono::milliseconds(100));
        sweep_.async_wait([this](error_code ec) {
            if (ec || active_ == 0) return;
            int64_t now = NowNs();
            for (auto& c : connections_) c->CheckTimeout(now, options_.timeout_ns);
            ArmSweep();
        });
    }

    const RunOptions& options_;
    tcp::endpoint endpoint_;
    int index_;
    asio::io_context context_{1};
    std::vector<std::unique_ptr<Connection>> connections_;
    asio::steady_timer sweep_;
    asio::steady_timer end_;
    asio::steady_timer arrival_;
    Stats stats_;
    std::vector<Connection*> idle_;
    int64_t window_start_ = 0;
    int64_t end_ns_ = 0;
    double interval_ns_ = 0;
    int64_t first_arrival_ns_ = 0;
    int64_t next_arrival_ = 0;
    int64_t max_backlog_ = 0;
    int64_t unfinished_ = 0;
    int64_t reconnects_ = 0;
    int active_ = 0;
    bool arrival_armed_ = false;
    bool stopped_ = false;
};

void Connection::Begin(Request request, int64_t start_ns) {
    request_ = std::move(request);
    start_ns_ = start_ns;
    in_flight_ = true;
    retried_ = false;
    timed_out_ = false;
    int64_t delay = request_.delay_ns + (backoff_ ? kBackoffNs : 0);
    backoff_ = false;
    if (delay <= 0) {
        Transmit();
        return;
    }
    timer_.expires_after(std::chrono::nanoseconds(delay));
    timer_.async_wait([this](error_code ec) {
        if (ec) return;  // closed at the end of the run
        Transmit();
    });
}

void Connection::Transmit() {
    sent_ns_ = NowNs();
    io_pending_ = true;
    if (socket_.is_open()) {
        reused_ = true;
        Write();
        return;
    }
    reused_ = false;
    worker_.CountReconnect();
    socket_.async_connect(worker_.endpoint(), [this](error_code ec) {
        if (ec) {
            error_code ignored;
            socket_.close(ignored);
            Fail(timed_out_ ? "timeout" : "connect: " + ec.message(), true);
            return;
        }
        error_code ignored;
        socket_.set_option(tcp::no_delay(true), ignored);
        Write();
    });
}

void Connection::Write() {
    out_ = Serialize(request_, worker_.host_header());
    in_.clear();
    parser_.Reset();
    asio::async_write(socket_, asio::buffer(out_), [this](error_code ec, std::size_t) {
        if (ec) {
            OnIoError(ec, "write");
            return;
        }
        Read();
    });
}

void Connection::Read() {
    std::size_t old = in_.size();
    in_.resize(old + kReadChunk);
    socket_.async_read_some(asio::buffer(in_.data() + old, kReadChunk), [this, old](error_code ec, std::size_t n) {
        in_.resize(old + (ec ? 0 : n));
        if (ec == asio::error::eof) {
            if (parser_.Finish(in_, response_) == ResponseParser::State::kDone) {
                error_code ignored;
                socket_.close(ignored);
                Complete();
            } else {
                OnIoError(ec, "read");
            }
            return;
        }
        if (ec) {
            OnIoError(ec, "read");
            return;
        }
        switch (parser_.Parse(in_, response_)) {
            case ResponseParser::State::kNeedMore:
                Read();
                return;
            case ResponseParser::State::kDone:
                if (!parser_.keep_alive()) {
                    error_code ignored;
                    socket_.close(ignored);
                }
                Complete();
                return;
            case ResponseParser::State::kError: {
                error_code ignored;
                socket_.close(ignored);
                Fail("bad response: " + parser_.error());
                return;
            }
        }
    });
}

void Connection::OnIoError(const error_code& ec, const char* what) {
    error_code ignored;
    socket_.close(ignored);
    if (timed_out_) {
        Fail("timeout");
        return;
    }
    // A kept-alive connection the server closed while idle: send once more on a new one.
    bool closed_by_peer =
        ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
    if (reused_ && !retried_ && closed_by_peer && in_.empty()) {
        retried_ = true;
        Transmit();
        return;
    }
    Fail(std::string(what) + ": " + ec.message());
}

void Connection::Fail(std::string message, bool backoff) {
    response_ = Response{};
    response_.error = std::move(message);
    backoff_ = backoff;
    Complete();
}

void Connection::Complete() {
    io_pending_ = false;
    in_flight_ = false;
    response_.start_ns = start_ns_;
    response_.end_ns = NowNs();
    worker_.OnComplete(*this);
}

// Sets the common start time once every thread has connected.
struct StartClock {
    std::atomic<int64_t>* start;
    void operator()() noexcept { start->store(NowNs()); }
};

// A script of one request whose response is kept.
class OneShot : public Script {
  public:
    OneShot(Request request, Response* out) : request_(std::move(request)), out_(out) {}
    std::optional<Request> Next() override {
        if (sent_) return std::nullopt;
        sent_ = true;
        return request_;
    }
    void OnResponse(const Request&, const Response& response, Stats&) override { *out_ = response; }

  private:
    Request request_;
    Response* out_;
    bool sent_ = false;
};

}  // namespace

int64_t NowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

std::optional<Target> ParseUrl(const std::string& url) {
    std::string_view rest(url);
    if (rest.substr(0, 7) != "http://") return std::nullopt;
    rest.remove_prefix(7);
    rest = rest.substr(0, rest.find('/'));
    Target target;
    auto colon = rest.rfind(':');
    if (colon == std::string_view::npos) {
        target.host = std::string(rest);
        target.port = 80;
    } else {
        target.host = std::string(rest.substr(0, colon));
        std::string_view port = rest.substr(colon + 1);
        if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos) {
            return std::nullopt;
        }
        int value = std::stoi(std::string(port));
        if (value < 1 || value > 65535) return std::nullopt;
        target.port = static_cast<uint16_t>(value);
    }
    if (target.host.empty()) return std::nullopt;
    target.host_header = std::string(rest);
    return target;
}

RunResult Run(const RunOptions& options, const ScriptFactory& factory) {
    if (options.connections < 1 || options.threads < 1) throw std::invalid_argument("connections and threads >= 1");
    tcp::endpoint endpoint;
    {
        asio::io_context resolve_context;
        tcp::resolver resolver(resolve_context);
        error_code ec;
        auto results = resolver.resolve(options.target.host, std::to_string(options.target.port), ec);
        if (ec || results.empty()) {
            throw std::runtime_error("cannot resolve " + options.target.host + ": " + ec.message());
        }
        endpoint = *results.begin();
    }
    int threads = std::min(options.threads, options.connections);
    RunOptions effective = options;
    effective.threads = threads;
    std::vector<std::unique_ptr<Worker>> workers;
    for (int t = 0; t < threads; ++t) workers.push_back(std::make_unique<Worker>(effective, endpoint, t));
    for (int c = 0; c < options.connections; ++c) workers[static_cast<std::size_t>(c % threads)]->Add(factory(c));

    std::atomic<int64_t> start{0};
    std::barrier connected(threads, StartClock{&start});
    bool until_done = options.duration_ns <= 0;
    auto body = [&](Worker& worker) {
        worker.ConnectAll();
        connected.arrive_and_wait();
        int64_t s = start.load();
        int64_t window_start = until_done ? s : s + options.warmup_ns;
        int64_t end = until_done ? std::numeric_limits<int64_t>::max() : window_start + options.duration_ns;
        worker.Go(s, window_start, end);
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(body, std::ref(*workers[static_cast<std::size_t>(t)]));
    body(*workers[0]);
    for (auto& thread : pool) thread.join();
    int64_t finished = NowNs();

    RunResult result;
    for (auto& worker : workers) {
        result.stats.Merge(worker->stats());
        result.unfinished += worker->unfinished();
        result.max_backlog += worker->max_backlog();
        result.reconnects += worker->reconnects();
    }
    result.measured_ns = until_done ? finished - start.load() : options.duration_ns;
    return result;
}

Response Fetch(const Target& target, Request request, int64_t timeout_ns) {
    Response response;
    RunOptions options;
    options.target = target;
    options.timeout_ns = timeout_ns;
    Run(options, [&](int) { return std::make_unique<OneShot>(std::move(request), &response); });
    return response;
}

}  // namespace emporium::loadgen

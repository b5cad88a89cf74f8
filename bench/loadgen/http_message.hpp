#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace emporium::loadgen {

// One HTTP/1.1 request as a script asks for it. The runner adds Host, Content-Length and
// (for a non-empty body) Content-Type: application/json.
struct Request {
    std::string method = "GET";
    std::string target;  // origin form: "/api/v1/products?limit=20"
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Authorization, ...)
    // The name this request is counted under in the per-operation table ("product", "order").
    // Must point to storage that outlives the run (a string literal).
    std::string_view operation;
    // Wait this long before sending (a set-up step retrying after a 503). 0 = at once.
    int64_t delay_ns = 0;
    // A status >= 400 that is an expected outcome here, not an error (409 for a flash-sale
    // order that finds the stock gone). 0 = none.
    int accepted_status = 0;

    Request& Bearer(std::string_view token);
    Request& Header(std::string name, std::string value);
};

Request Get(std::string target, std::string_view operation);
Request Post(std::string target, std::string body, std::string_view operation);
Request Delete(std::string target, std::string_view operation);

// What came back. status 0 means no response at all (connect/read/write error, timeout, or a
// response that could not be parsed); `error` then says why.
struct Response {
    int status = 0;
    std::string header_block;  // the raw header lines after the status line
    std::string body;
    std::string error;
    int64_t start_ns = 0;  // the intended start (open loop) or the send time (closed loop)
    int64_t end_ns = 0;    // when the last byte arrived

    // The first header named `name` (case-insensitive), trimmed; empty when absent.
    std::string_view Header(std::string_view name) const;
    int64_t latency_ns() const { return end_ns - start_ns; }
};

// The bytes to write for `request`; `host` is the Host header value ("127.0.0.1:8080").
std::string Serialize(const Request& request, std::string_view host);

// Incremental HTTP/1.1 response parser for one connection without pipelining: bytes are
// appended to a buffer and Parse() is called after every read. Handles Content-Length,
// chunked transfer coding, bodiless statuses (1xx, 204, 304) and bodies delimited by the
// server closing the connection.
class ResponseParser {
  public:
    enum class State { kNeedMore, kDone, kError };

    // Parses what `buffer` holds; on kDone fills `out` (status, header_block, body), erases the
    // consumed bytes from `buffer` and resets itself for the next response. On kError,
    // error() says why.
    State Parse(std::string& buffer, Response& out);

    // The peer closed the connection: completes a close-delimited body (kDone), else kError.
    State Finish(std::string& buffer, Response& out);

    // Whether the last complete response allows reusing the connection.
    bool keep_alive() const { return keep_alive_; }
    const std::string& error() const { return error_; }
    void Reset();

  private:
    State Fail(std::string message);
    State ParseHead(std::string& buffer);
    State ParseChunked(std::string& buffer);
    State Complete(std::string& buffer, std::size_t consumed, Response& out);

    enum class Body { kNone, kLength, kChunked, kUntilClose };
    bool have_head_ = false;
    std::size_t head_size_ = 0;  // status line + headers + blank line
    int status_ = 0;
    std::string header_block_;
    Body body_kind_ = Body::kNone;
    std::size_t content_length_ = 0;
    bool keep_alive_ = true;
    // Chunked decoding state: where the next chunk header starts in the buffer, and the body so far.
    std::size_t chunk_pos_ = 0;
    std::string chunked_body_;
    std::string error_;
};

}  // namespace emporium::loadgen

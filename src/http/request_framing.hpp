#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "http/message.hpp"

namespace emporium::http {

// From the bytes of a request to our Request: the checks the server makes between Beast's
// parser and routing. Kept apart from the server's connection loop so that unit tests and
// the fuzz target (fuzz/http_request_fuzzer.cpp) run exactly the code the server runs.
// Includes Beast's message headers: only server.cpp and these callers include this file.

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;

// Why a request whose framing or identity two readers could take differently is refused
// ("" when it is not). RFC 9112 §6: a Transfer-Encoding whose final coding is not chunked,
// or one beside Content-Length, leaves the body's end to interpretation — its bytes would
// be read as a second request here while a proxy in front forwarded them as a body
// (request smuggling). An HTTP/1.1 request needs exactly one Host, and two Authorization
// fields would leave the caller's identity to whichever we read.
std::string AmbiguousFraming(const BeastRequest& request);

// Why a request target is refused ("" when it is not): a byte outside visible ASCII (RFC
// 3986 has the client percent-encode everything else), or a percent-encoded path or query
// that decodes to text that is not UTF-8 or holds a control character (U+0000–U+001F,
// U+007F) — bytes no link or form produces, which would otherwise reach handlers, logs and
// the problem documents that echo them.
std::string TargetProblem(std::string_view target);

// The `instance` a problem document echoes for a raw request target: its path, with every
// byte outside visible ASCII (and '%' itself when it starts no valid escape) percent-encoded,
// so that the response stays valid UTF-8 JSON whatever the client sent.
std::string InstanceFor(std::string_view target);

// Our Request from Beast's (method, path and query split, header names lower-cased).
Request ToRequest(BeastRequest&& in, const std::string& remote_address);

// One request read from `bytes` as the server reads it: Beast's parser with the server's
// limits, then AmbiguousFraming and TargetProblem. Either a request, or the error the
// server would answer (kMalformed, kPayloadTooLarge, kHeadersTooLarge) — or neither when
// the bytes end before a whole request (the server would wait for more).
struct RequestReading {
    std::optional<Request> request;
    std::optional<core::Error> refusal;
    std::size_t consumed = 0;  // bytes of `bytes` the request took
};
RequestReading ReadRequest(std::string_view bytes, std::size_t max_header_bytes, std::size_t max_body_bytes);

}  // namespace emporium::http

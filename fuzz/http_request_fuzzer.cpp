// Bytes → Request as the server reads them (Beast's parser with the server's limits, the
// framing and target checks, ToRequest), then what the server and handlers do with the
// result: query parameters, and the problem document a refusal is answered with, which
// must be valid JSON (UTF-8) whatever the bytes were.
#include <boost/json/parse.hpp>
#include <string>
#include <string_view>

#include "core/text.hpp"
#include "fuzz_targets.hpp"
#include "http/problem.hpp"
#include "http/request_framing.hpp"

namespace emporium::fuzz {

namespace {

void CheckProblemIsJson(const core::Error& error, std::string_view instance) {
    http::Response problem = http::ProblemResponse(error, instance);
    boost::system::error_code ec;
    boost::json::parse(problem.body, ec);
    Check(!ec, "a problem document is valid JSON");
}

}  // namespace

int HttpRequest(const std::uint8_t* data, std::size_t size) {
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    // The server's limits, smaller so that the fuzzer reaches them.
    http::RequestReading reading = http::ReadRequest(bytes, 2048, 4096);
    Check(reading.consumed <= bytes.size(), "a reading consumes no more than it was given");
    Check(!(reading.request && reading.refusal), "a reading is a request or a refusal, not both");
    if (reading.refusal) CheckProblemIsJson(*reading.refusal, http::InstanceFor(bytes));
    if (reading.request) {
        const http::Request& request = *reading.request;
        Check(http::TargetProblem(request.path).empty(), "an accepted request's path passes the target check");
        for (char c : request.path) Check(c >= '!' && c <= '~', "an accepted path is visible ASCII");
        for (const auto& [name, value] : request.QueryParams()) {
            Check(core::Utf8Length(name) != std::string_view::npos, "a query name decodes to UTF-8");
            Check(core::Utf8Length(value) != std::string_view::npos, "a query value decodes to UTF-8");
        }
        CheckProblemIsJson(core::Error::NotFound("No resource at this path."), request.path);
    }
    // Whatever the target, its echo is visible ASCII.
    std::string instance = http::InstanceFor(bytes);
    for (char c : instance) Check(c >= '!' && c <= '~', "an instance is visible ASCII");
    return 0;
}

}  // namespace emporium::fuzz

EMPORIUM_FUZZ_ENTRY(HttpRequest)

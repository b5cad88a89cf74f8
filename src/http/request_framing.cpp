#include "http/request_framing.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>

#include "core/text.hpp"

namespace emporium::http {

namespace bhttp = boost::beast::http;

std::string AmbiguousFraming(const BeastRequest& request) {
    std::string codings;
    auto [first, last_field] = request.base().equal_range(bhttp::field::transfer_encoding);
    for (auto field = first; field != last_field; ++field) {
        if (!codings.empty()) codings += ',';
        codings += std::string(field->value());
    }
    if (request.base().count(bhttp::field::transfer_encoding) > 0) {
        if (request.base().count(bhttp::field::content_length) > 0)
            return "Transfer-Encoding and Content-Length together are refused.";
        std::string_view last = codings;
        if (auto comma = last.rfind(','); comma != std::string_view::npos) last.remove_prefix(comma + 1);
        if (!boost::beast::iequals(core::Trim(last), "chunked"))
            return "A Transfer-Encoding whose final coding is not chunked is refused.";
    }
    if (request.version() >= 11 && request.base().count(bhttp::field::host) != 1)
        return "An HTTP/1.1 request needs exactly one Host header.";
    if (request.base().count(bhttp::field::authorization) > 1) return "Two Authorization headers are refused.";
    return "";
}

namespace {

bool IsVisibleAsciiByte(char c) { return c >= '!' && c <= '~'; }

bool IsHexDigit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// True when `encoded` decodes to text a person could have meant: UTF-8 without control
// characters. Decoded leniently — a '%' that starts no escape stays itself — so that the
// answer holds for every piece a handler decodes on its own (a query parameter's name or
// value, a path segment): pieces are cut at ASCII '&', '=' and '/', which never split a
// UTF-8 sequence.
bool DecodesToText(std::string_view encoded, bool plus_as_space) {
    if (encoded.find('%') == std::string_view::npos) return true;  // visible ASCII already
    std::string decoded;
    decoded.reserve(encoded.size());
    for (std::size_t i = 0; i < encoded.size(); ++i) {
        char c = encoded[i];
        int high = c == '%' && i + 2 < encoded.size() ? HexValue(encoded[i + 1]) : -1;
        int low = high >= 0 ? HexValue(encoded[i + 2]) : -1;
        if (low >= 0) {
            decoded.push_back(static_cast<char>(high * 16 + low));
            i += 2;
        } else {
            decoded.push_back(plus_as_space && c == '+' ? ' ' : c);
        }
    }
    return core::Utf8Length(decoded) != std::string_view::npos && !core::HasControlCharacters(decoded) &&
           decoded.find_first_of("\t\n\r") == std::string::npos;
}

}  // namespace

std::string TargetProblem(std::string_view target) {
    for (char c : target)
        if (!IsVisibleAsciiByte(c))
            return "The request target holds a byte outside visible ASCII; percent-encode it (RFC 3986).";
    auto question = target.find('?');
    if (!DecodesToText(target.substr(0, question), false) ||
        (question != std::string_view::npos && !DecodesToText(target.substr(question + 1), true)))
        return "The request target's percent-encoded bytes are not UTF-8 text without control characters.";
    return "";
}

std::string InstanceFor(std::string_view target) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string_view path = target.substr(0, target.find('?'));
    std::string instance;
    instance.reserve(path.size());
    for (std::size_t i = 0; i < path.size(); ++i) {
        char c = path[i];
        bool escape_start = c == '%' && i + 2 < path.size() && IsHexDigit(path[i + 1]) && IsHexDigit(path[i + 2]);
        if (IsVisibleAsciiByte(c) && (c != '%' || escape_start)) {
            instance.push_back(c);
        } else {
            auto byte = static_cast<unsigned char>(c);
            instance += '%';
            instance += kHex[byte >> 4];
            instance += kHex[byte & 0xF];
        }
    }
    return instance;
}

Request ToRequest(BeastRequest&& in, const std::string& remote_address) {
    Request request;
    request.method = ParseMethod(in.method_string());
    std::string_view target = in.target();
    auto question = target.find('?');
    request.path = std::string(target.substr(0, question));
    if (question != std::string_view::npos) request.query = std::string(target.substr(question + 1));
    request.headers.reserve(8);
    for (const auto& field : in) {
        request.headers.emplace_back(core::ToLowerAscii(field.name_string()), std::string(field.value()));
    }
    request.body = std::move(in.body());
    request.remote_address = remote_address;
    return request;
}

RequestReading ReadRequest(std::string_view bytes, std::size_t max_header_bytes, std::size_t max_body_bytes) {
    RequestReading reading;
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(max_header_bytes));
    parser.body_limit(max_body_bytes);
    boost::beast::error_code ec;
    // Feeds the parser until `done`; false when the bytes end first or the parser fails (ec).
    auto put_until = [&](auto done) {
        while (!done() && reading.consumed < bytes.size()) {
            std::string_view rest = bytes.substr(reading.consumed);
            std::size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
            reading.consumed += used;
            if (ec == bhttp::error::need_more) {
                ec = {};
                return false;
            }
            if (ec || used == 0) return false;
        }
        return done();
    };
    auto refuse = [&](const boost::beast::error_code& error) {
        if (error == bhttp::error::body_limit) {
            reading.refusal = core::Error{core::ErrorCode::kPayloadTooLarge, "The request body is too large.", {}};
        } else if (error == bhttp::error::header_limit) {
            reading.refusal = core::Error{core::ErrorCode::kHeadersTooLarge, "The request headers are too large.", {}};
        } else {
            reading.refusal = core::Error::Malformed("The request is not valid HTTP/1.1.");
        }
    };
    bool header_read = put_until([&] { return parser.is_header_done(); });
    if (ec) refuse(ec);
    if (!header_read) return reading;
    if (auto ambiguity = AmbiguousFraming(parser.get()); !ambiguity.empty()) {
        reading.refusal = core::Error::Malformed(std::move(ambiguity));
        return reading;
    }
    if (auto problem = TargetProblem(parser.get().target()); !problem.empty()) {
        reading.refusal = core::Error::Malformed(std::move(problem));
        return reading;
    }
    bool whole = put_until([&] { return parser.is_done(); });
    if (ec) refuse(ec);
    if (whole) reading.request = ToRequest(parser.release(), "");
    return reading;
}

}  // namespace emporium::http

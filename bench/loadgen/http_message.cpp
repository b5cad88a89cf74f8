#include "loadgen/http_message.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace emporium::loadgen {
namespace {

constexpr std::size_t kMaxHeadBytes = 64 * 1024;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

bool ContainsTokenIgnoreCase(std::string_view list, std::string_view token) {
    while (!list.empty()) {
        auto comma = list.find(',');
        std::string_view item = list.substr(0, comma);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (EqualsIgnoreCase(item, token)) return true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

std::string_view Trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// Calls visit(name, value) for each "Name: value" line of a header block.
template <typename Visit>
void ForEachHeader(std::string_view block, Visit visit) {
    while (!block.empty()) {
        auto eol = block.find("\r\n");
        std::string_view line = block.substr(0, eol);
        auto colon = line.find(':');
        if (colon != std::string_view::npos) {
            if (!visit(Trim(line.substr(0, colon)), Trim(line.substr(colon + 1)))) return;
        }
        if (eol == std::string_view::npos) break;
        block.remove_prefix(eol + 2);
    }
}

Request Make(std::string method, std::string target, std::string body, std::string_view operation) {
    Request r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = std::move(body);
    r.operation = operation;
    return r;
}

}  // namespace

Request& Request::Bearer(std::string_view token) {
    headers.emplace_back("Authorization", "Bearer " + std::string(token));
    return *this;
}

Request& Request::Header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
}

Request Get(std::string target, std::string_view operation) { return Make("GET", std::move(target), {}, operation); }
Request Post(std::string target, std::string body, std::string_view operation) {
    return Make("POST", std::move(target), std::move(body), operation);
}
Request Delete(std::string target, std::string_view operation) {
    return Make("DELETE", std::move(target), {}, operation);
}

std::string_view Response::Header(std::string_view name) const {
    std::string_view found;
    ForEachHeader(header_block, [&](std::string_view n, std::string_view v) {
        if (!EqualsIgnoreCase(n, name)) return true;
        found = v;
        return false;
    });
    return found;
}

std::string Serialize(const Request& request, std::string_view host) {
    std::string out;
    out.reserve(128 + request.target.size() + request.body.size());
    out.append(request.method).append(" ").append(request.target).append(" HTTP/1.1\r\nHost: ").append(host);
    out.append("\r\nUser-Agent: emporium-bench\r\nAccept: application/json\r\n");
    for (const auto& [name, value] : request.headers) out.append(name).append(": ").append(value).append("\r\n");
    if (!request.body.empty()) out.append("Content-Type: application/json\r\n");
    if (!request.body.empty() || request.method != "GET") {
        out.append("Content-Length: ").append(std::to_string(request.body.size())).append("\r\n");
    }
    out.append("\r\n").append(request.body);
    return out;
}

void ResponseParser::Reset() {
    have_head_ = false;
    head_size_ = 0;
    status_ = 0;
    header_block_.clear();
    body_kind_ = Body::kNone;
    content_length_ = 0;
    chunk_pos_ = 0;
    chunked_body_.clear();
    error_.clear();
}

ResponseParser::State ResponseParser::Fail(std::string message) {
    error_ = std::move(message);
    keep_alive_ = false;
    return State::kError;
}

ResponseParser::State ResponseParser::ParseHead(std::string& buffer) {
    auto end = buffer.find("\r\n\r\n");
    if (end == std::string::npos) {
        if (buffer.size() > kMaxHeadBytes) return Fail("response head larger than 64 KiB");
        return State::kNeedMore;
    }
    head_size_ = end + 4;
    std::string_view head(buffer.data(), end + 2);  // keeps the last header's CRLF
    auto eol = head.find("\r\n");
    std::string_view status_line = head.substr(0, eol);
    // "HTTP/1.1 200 OK"
    if (status_line.size() < 12 || status_line.substr(0, 5) != "HTTP/") return Fail("malformed status line");
    bool http10 = status_line.substr(5, 3) == "1.0";
    auto [ptr, ec] = std::from_chars(status_line.data() + 9, status_line.data() + 12, status_);
    if (ec != std::errc() || ptr != status_line.data() + 12 || status_ < 100 || status_ > 999) {
        return Fail("malformed status code");
    }
    header_block_.assign(head.substr(eol + 2));
    keep_alive_ = !http10;
    bool chunked = false;
    bool has_length = false;
    bool bad_length = false;
    ForEachHeader(header_block_, [&](std::string_view name, std::string_view value) {
        if (EqualsIgnoreCase(name, "content-length")) {
            auto [p, e] = std::from_chars(value.data(), value.data() + value.size(), content_length_);
            bad_length = e != std::errc() || p != value.data() + value.size();
            has_length = true;
        } else if (EqualsIgnoreCase(name, "transfer-encoding")) {
            chunked = ContainsTokenIgnoreCase(value, "chunked");
        } else if (EqualsIgnoreCase(name, "connection")) {
            if (ContainsTokenIgnoreCase(value, "close")) keep_alive_ = false;
            if (ContainsTokenIgnoreCase(value, "keep-alive")) keep_alive_ = true;
        }
        return true;
    });
    if (bad_length) return Fail("malformed Content-Length");
    if (status_ < 200 || status_ == 204 || status_ == 304) {
        body_kind_ = Body::kNone;
    } else if (chunked) {
        body_kind_ = Body::kChunked;
        chunk_pos_ = head_size_;
    } else if (has_length) {
        body_kind_ = Body::kLength;
    } else {
        body_kind_ = Body::kUntilClose;
        keep_alive_ = false;
    }
    have_head_ = true;
    return State::kNeedMore;
}

ResponseParser::State ResponseParser::ParseChunked(std::string& buffer) {
    for (;;) {
        auto eol = buffer.find("\r\n", chunk_pos_);
        if (eol == std::string::npos) return State::kNeedMore;
        std::string_view size_text(buffer.data() + chunk_pos_, eol - chunk_pos_);
        size_text = size_text.substr(0, size_text.find(';'));
        size_text = Trim(size_text);
        std::size_t size = 0;
        auto [p, e] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
        if (size_text.empty() || e != std::errc() || p != size_text.data() + size_text.size()) {
            return Fail("malformed chunk size");
        }
        if (size == 0) {
            // Last chunk, then optional trailers, then an empty line.
            if (buffer.size() < eol + 4) return State::kNeedMore;
            if (buffer.compare(eol + 2, 2, "\r\n") == 0) {
                content_length_ = eol + 4;  // reused: bytes consumed
                return State::kDone;
            }
            auto trailer_end = buffer.find("\r\n\r\n", eol + 2);
            if (trailer_end == std::string::npos) return State::kNeedMore;
            content_length_ = trailer_end + 4;
            return State::kDone;
        }
        std::size_t data = eol + 2;
        if (buffer.size() < data + size + 2) return State::kNeedMore;
        if (buffer.compare(data + size, 2, "\r\n") != 0) return Fail("chunk not followed by CRLF");
        chunked_body_.append(buffer, data, size);
        chunk_pos_ = data + size + 2;
    }
}

ResponseParser::State ResponseParser::Complete(std::string& buffer, std::size_t consumed, Response& out) {
    out.status = status_;
    out.header_block = std::move(header_block_);
    if (body_kind_ == Body::kChunked) {
        out.body = std::move(chunked_body_);
    } else if (body_kind_ == Body::kNone) {
        out.body.clear();
    } else {
        out.body.assign(buffer, head_size_, consumed - head_size_);
    }
    buffer.erase(0, consumed);
    bool keep_alive = keep_alive_;
    Reset();
    keep_alive_ = keep_alive;
    return State::kDone;
}

ResponseParser::State ResponseParser::Parse(std::string& buffer, Response& out) {
    if (!have_head_) {
        State s = ParseHead(buffer);
        if (s == State::kError || !have_head_) return s;
        if (status_ < 200) {  // an interim response (100 Continue): skip it, wait for the real one
            buffer.erase(0, head_size_);
            Reset();
            return Parse(buffer, out);
        }
    }
    switch (body_kind_) {
        case Body::kNone:
            return Complete(buffer, head_size_, out);
        case Body::kLength:
            if (buffer.size() < head_size_ + content_length_) return State::kNeedMore;
            return Complete(buffer, head_size_ + content_length_, out);
        case Body::kChunked: {
            State s = ParseChunked(buffer);
            if (s != State::kDone) return s;
            return Complete(buffer, content_length_, out);
        }
        case Body::kUntilClose:
            return State::kNeedMore;
    }
    return State::kNeedMore;
}

ResponseParser::State ResponseParser::Finish(std::string& buffer, Response& out) {
    if (have_head_ && body_kind_ == Body::kUntilClose) return Complete(buffer, buffer.size(), out);
    return Fail(buffer.empty() && !have_head_ ? "connection closed by the server" : "connection closed mid-response");
}

}  // namespace emporium::loadgen

#include "http/message.hpp"

#include <strings.h>

namespace emporium::http {

std::string_view MethodName(Method method) {
    switch (method) {
        case Method::kGet:
            return "GET";
        case Method::kHead:
            return "HEAD";
        case Method::kPost:
            return "POST";
        case Method::kPut:
            return "PUT";
        case Method::kPatch:
            return "PATCH";
        case Method::kDelete:
            return "DELETE";
        case Method::kOptions:
            return "OPTIONS";
        case Method::kOther:
            return "OTHER";
    }
    return "OTHER";
}

Method ParseMethod(std::string_view text) {
    for (Method m :
         {Method::kGet, Method::kHead, Method::kPost, Method::kPut, Method::kPatch, Method::kDelete, Method::kOptions})
        if (text == MethodName(m)) return m;
    return Method::kOther;
}

std::string_view Request::Header(std::string_view lower_case_name) const {
    return FindHeader(lower_case_name).value_or(std::string_view());
}

std::optional<std::string_view> Request::FindHeader(std::string_view lower_case_name) const {
    for (const auto& [name, value] : headers)
        if (name == lower_case_name) return std::string_view(value);
    return std::nullopt;
}

std::string_view Request::PathParam(std::string_view name) const {
    for (const auto& [key, value] : path_params)
        if (key == name) return value;
    return {};
}

namespace {
int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

bool PercentDecode(std::string_view text, std::string& out, bool plus_as_space) {
    out.clear();
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) return false;
            int high = HexValue(text[i + 1]);
            int low = HexValue(text[i + 2]);
            if (high < 0 || low < 0) return false;
            out.push_back(static_cast<char>(high * 16 + low));
            i += 2;
        } else if (c == '+' && plus_as_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return true;
}

std::vector<std::pair<std::string, std::string>> Request::QueryParams() const {
    std::vector<std::pair<std::string, std::string>> params;
    std::string_view rest = query;
    while (!rest.empty()) {
        auto amp = rest.find('&');
        std::string_view part = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        if (part.empty()) continue;
        auto eq = part.find('=');
        std::string key, value;
        if (!PercentDecode(part.substr(0, eq), key, true)) key = std::string(part.substr(0, eq));
        if (eq != std::string_view::npos && !PercentDecode(part.substr(eq + 1), value, true))
            value = "\x7f";  // undecodable: keep a value no validator accepts
        params.emplace_back(std::move(key), std::move(value));
    }
    return params;
}

std::optional<std::string> Request::QueryParam(std::string_view name) const {
    for (auto& [key, value] : QueryParams())
        if (key == name) return value;
    return std::nullopt;
}

void Response::SetHeader(std::string name, std::string value) {
    for (auto& [key, existing] : headers) {
        if (strcasecmp(key.c_str(), name.c_str()) == 0) {
            existing = std::move(value);
            return;
        }
    }
    headers.emplace_back(std::move(name), std::move(value));
}

void Response::AddHeader(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
}

std::string_view Response::Header(std::string_view name) const {
    for (const auto& [key, value] : headers)
        if (key.size() == name.size() && strncasecmp(key.data(), name.data(), name.size()) == 0) return value;
    return {};
}

Response Response::Json(int status, std::string body) {
    Response response;
    response.status = status;
    response.body = std::move(body);
    return response;
}

Response Response::NoContent() {
    Response response;
    response.status = 204;
    response.content_type.clear();
    return response;
}

}  // namespace emporium::http

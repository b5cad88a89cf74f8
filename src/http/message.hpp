#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/request_context.hpp"

namespace emporium::http {

// Our own request/response types: handlers and services never see Beast, which keeps
// heavy Boost headers inside src/http/server.cpp alone.

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

std::string_view MethodName(Method method);
Method ParseMethod(std::string_view text);

struct Request {
    Method method = Method::kGet;
    std::string path;                                          // percent-encoded as received, without the query
    std::string query;                                         // raw text after '?'
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
    std::string body;
    std::string remote_address;
    core::RequestContext context;
    std::vector<std::pair<std::string_view, std::string>> path_params;  // filled by the router
    // Fields the gateway adds to whatever response this request gets (RateLimit).
    std::vector<std::pair<std::string, std::string>> response_headers;
    bool rate_check_pending = false;  // the gateway's rate limit is still to be decided

    // Empty when absent.
    std::string_view Header(std::string_view lower_case_name) const;
    // nullopt when absent; an empty value when sent empty.
    std::optional<std::string_view> FindHeader(std::string_view lower_case_name) const;
    std::string_view PathParam(std::string_view name) const;
    // Decoded query parameter values; nullopt when absent. Repeated keys: the first wins.
    std::optional<std::string> QueryParam(std::string_view name) const;
    // Every decoded query parameter, in order.
    std::vector<std::pair<std::string, std::string>> QueryParams() const;
};

struct Response {
    int status = 200;
    std::string content_type = "application/json; charset=utf-8";
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    // Never sent: why a 5xx happened, logged with the request id by the server.
    std::string internal_error;
    // Never sent: the server had no capacity for the request (a full blocking pool, a
    // deadline that passed in its queue) — the load shedder's strongest signal.
    bool capacity_refusal = false;

    void SetHeader(std::string name, std::string value);
    // Adds a field that may repeat (Set-Cookie), keeping any of the same name.
    void AddHeader(std::string name, std::string value);
    std::string_view Header(std::string_view name) const;

    static Response Json(int status, std::string body);
    static Response NoContent();
};

// Percent-decoding ('+' as space in queries); false on a malformed escape.
bool PercentDecode(std::string_view text, std::string& out, bool plus_as_space);

}  // namespace emporium::http

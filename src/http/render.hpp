#pragma once

#include <initializer_list>
#include <optional>
#include <string>

#include "core/json_writer.hpp"
#include "core/result.hpp"
#include "http/message.hpp"
#include "http/problem.hpp"

namespace emporium::http {

// Cache-Control of answers that belong to one user (or operator): never shared, always revalidated.
inline const std::string kPrivateNoCache = "private, no-cache";

// The `limit` query parameter of a list: 1..max, `fallback` when absent. kMalformed (400)
// naming "limit" otherwise.
core::Result<int> LimitParam(const Request& request, int fallback = 20, int max = 100);

// kMalformed (400) naming the first query parameter given more than once: a repeated
// parameter has no single meaning, and a cache keyed by one of its values must never store
// an answer computed from another.
core::Result<void> CheckNoRepeatedParams(const Request& request);

// kMalformed (400) naming the first query parameter that is repeated or not one of `known`:
// a typo such as ?limt=5 must not silently give the default answer.
core::Result<void> CheckQueryParams(const Request& request, std::initializer_list<std::string_view> known);

// The parameters of a plain list: `limit` (LimitParam) and the opaque `cursor`, nothing else.
struct PageParams {
    int limit = 20;
    std::string cursor;
};
core::Result<PageParams> ReadPageParams(const Request& request);

// The Idempotency-Key header: nullopt when absent; kMalformed (400) unless 1-255 visible
// ASCII characters.
core::Result<std::optional<std::string>> IdempotencyKeyHeader(const Request& request);

// The fields of a list answer (API conventions) into an open JSON object: "items", each
// written by `write_item(json, item)`, and "next_cursor" (null on the last page).
template <typename Items, typename WriteItem>
core::JsonWriter& WriteListFields(core::JsonWriter& json, const Items& items,
                                  const std::optional<std::string>& next_cursor, WriteItem write_item) {
    json.Key("items").BeginArray();
    for (const auto& item : items) write_item(json, item);
    json.EndArray().Key("next_cursor");
    if (next_cursor)
        json.String(*next_cursor);
    else
        json.Null();
    return json;
}

// A whole list answer: {"items": [...], "next_cursor": ...}.
template <typename Items, typename WriteItem>
void WriteList(core::JsonWriter& json, const Items& items, const std::optional<std::string>& next_cursor,
               WriteItem write_item) {
    json.BeginObject();
    WriteListFields(json, items, next_cursor, write_item);
    json.EndObject();
}

// The usual end of a handler: a successful result is written as JSON by `write(json, value)`
// with `status`; an error becomes its problem response. `cache_control` is set when not empty.
template <typename T, typename Writer>
Response RenderJson(const core::Result<T>& result, const Request& request, int status, Writer write,
                    const std::string& cache_control) {
    if (!result.ok()) return ProblemResponse(result.error(), request.path);
    Response response;
    response.status = status;
    core::JsonWriter json(response.body);
    write(json, *result);
    if (!cache_control.empty()) response.SetHeader("Cache-Control", cache_control);
    return response;
}

}  // namespace emporium::http

#include "http/render.hpp"

#include <algorithm>

#include "core/text.hpp"

namespace emporium::http {

core::Result<void> CheckNoRepeatedParams(const Request& request) {
    auto params = request.QueryParams();
    for (std::size_t i = 0; i < params.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (params[i].first == params[j].first)
                return core::Error{core::ErrorCode::kMalformed,
                                   "Invalid query parameters.",
                                   {{params[i].first, "is given more than once"}}};
    return core::Ok();
}

core::Result<void> CheckQueryParams(const Request& request, std::initializer_list<std::string_view> known) {
    EMPORIUM_TRY(CheckNoRepeatedParams(request));
    for (const auto& [name, value] : request.QueryParams())
        if (std::find(known.begin(), known.end(), name) == known.end())
            return core::Error{
                core::ErrorCode::kMalformed, "Invalid query parameters.", {{name, "is not a parameter of this list"}}};
    return core::Ok();
}

core::Result<PageParams> ReadPageParams(const Request& request) {
    EMPORIUM_TRY(CheckQueryParams(request, {"limit", "cursor"}));
    EMPORIUM_ASSIGN_OR_RETURN(int limit, LimitParam(request));
    return PageParams{limit, request.QueryParam("cursor").value_or("")};
}

core::Result<int> LimitParam(const Request& request, int fallback, int max) {
    auto text = request.QueryParam("limit");
    if (!text) return fallback;
    auto limit = core::ParseInteger(*text);
    if (!limit || *limit < 1 || *limit > max)
        return core::Error{core::ErrorCode::kMalformed,
                           "Invalid query parameters.",
                           {{"limit", "must be between 1 and " + std::to_string(max)}}};
    return static_cast<int>(*limit);
}

core::Result<std::optional<std::string>> IdempotencyKeyHeader(const Request& request) {
    auto header = request.FindHeader("idempotency-key");
    if (!header) return std::optional<std::string>();
    std::string_view key = *header;
    if (!core::IsVisibleAscii(key, 255))  // also when sent empty: a client bug, not "no key"
        return core::Error{core::ErrorCode::kMalformed,
                           "The Idempotency-Key header is not valid.",
                           {{"Idempotency-Key", "must be 1-255 visible ASCII characters"}}};
    return std::optional<std::string>(std::string(key));
}

}  // namespace emporium::http

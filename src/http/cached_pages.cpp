#include "http/cached_pages.hpp"

#include <algorithm>

#include "http/problem.hpp"
#include "http/render.hpp"

namespace emporium::http {

std::string PageKey(const Request& request) {
    auto params = request.QueryParams();
    std::sort(params.begin(), params.end());
    std::string key = request.path;
    key += '?';
    for (const auto& [name, value] : params) {
        key += std::to_string(name.size());
        key += ':';
        key += name;
        key += std::to_string(value.size());
        key += ':';
        key += value;
    }
    return key;
}

Response CachedPages::FromItem(const cache::CachedItem& item) const {
    Response response = Response::Json(200, item.body);
    response.SetHeader("ETag", item.etag);
    response.SetHeader("Cache-Control", cache_control_);
    return response;
}

std::optional<Response> CachedPages::Fresh(std::string_view ns, std::string_view key, const Request& request) const {
    if (!CheckNoRepeatedParams(request).ok()) return std::nullopt;
    // An uncounted look at this process's memory, never waiting (this is the event loop):
    // on a miss, Load counts it and asks every level of the cache.
    auto found = pages_.cache().Peek(pages_.cache().LocalKey(ns, key));
    if (!found.fresh) return std::nullopt;
    return FromItem(*found.item);
}

Response CachedPages::Load(const Request& request, std::string_view ns, std::string_view key,
                           const cache::CacheAside::Loader& load) const {
    auto item = pages_.GetOrLoad(request.context, ns, key, load);
    if (!item.ok()) return ProblemResponse(item.error(), request.path);
    return FromItem(**item);
}

}  // namespace emporium::http

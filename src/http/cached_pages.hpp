#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cache/cache_aside.hpp"
#include "core/json_writer.hpp"
#include "http/message.hpp"

namespace emporium::http {

// A successful result written as a JSON body by `write(json, value)`; the error otherwise.
// What a CacheAside loader returns.
template <typename T, typename Writer>
core::Result<std::string> JsonBody(const core::Result<T>& result, Writer write) {
    if (!result.ok()) return result.error();
    std::string body;
    core::JsonWriter json(body);
    write(json, *result);
    return body;
}

// The cache key of a GET: its path and every query parameter in name order (reordered
// parameters share an entry), each value prefixed with its length so that no value can
// spell out further parameters (?category=a%1Fsort%3Dx is not ?category=a&sort=x).
std::string PageKey(const Request& request);

// Public GETs answered from the page cache, one per route family (product pages, search,
// home): a fresh hit on the event-loop thread (Fresh), a miss through CacheAside on the
// blocking pool (Load: one load per key at a time, stale on failure). Answers carry the
// page's ETag and `cache_control`.
class CachedPages {
  public:
    CachedPages(cache::CacheAside& pages, std::string cache_control)
        : pages_(pages), cache_control_(std::move(cache_control)) {}

    Response FromItem(const cache::CachedItem& item) const;
    // nullopt: not fresh in the cache, or a request the slow path must refuse (a repeated
    // query parameter: 400 there).
    std::optional<Response> Fresh(std::string_view ns, std::string_view key, const Request& request) const;
    Response Load(const Request& request, std::string_view ns, std::string_view key,
                  const cache::CacheAside::Loader& load) const;
    cache::Cache& cache() const { return pages_.cache(); }

  private:
    cache::CacheAside& pages_;
    std::string cache_control_;
};

}  // namespace emporium::http

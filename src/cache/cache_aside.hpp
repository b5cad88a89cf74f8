#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "cache/cache.hpp"
#include "core/result.hpp"
#include "observability/metrics.hpp"

namespace emporium::cache {

// Cache-aside reads over the Cache port:
// - a fresh entry is returned as is;
// - otherwise one caller per key loads (single flight): concurrent callers for the same
//   key wait for that load and share its outcome, so a miss storm makes one load;
// - when the load fails for a reason of the infrastructure (kUnavailable, kInternal) and
//   a stale entry is still kept, the stale entry is served;
//   answers such as kNotFound are passed on and never cached;
// - a cache that fails (its server is down) counts as a miss, and a failed store is only
//   counted: the answer still comes from the loader.
// Thread-safe; blocking (callers wait for the load), so call from the blocking pool.
class CacheAside {
  public:
    using Loader = std::function<core::Result<std::string>()>;  // the body to cache

    explicit CacheAside(Cache& cache, std::chrono::milliseconds wait_limit = std::chrono::seconds(10))
        : cache_(cache), wait_limit_(wait_limit) {}

    Cache& cache() { return cache_; }

    // `key` from Cache::Key(), made before loading (so a namespace bump during the load
    // leaves this load's result where nobody looks).
    core::Result<std::shared_ptr<const CachedItem>> GetOrLoad(const core::RequestContext& ctx, const std::string& key,
                                                              const Loader& load);
    // GetOrLoad under Cache::Key(ns, rest); when the cache cannot make the key (its server
    // is down), the loader answers uncached.
    core::Result<std::shared_ptr<const CachedItem>> GetOrLoad(const core::RequestContext& ctx, std::string_view ns,
                                                              std::string_view rest, const Loader& load);

    // Appends the cache's metric families, labelled cache="<label>".
    void RenderMetrics(std::string& out, std::string_view label) const;

  private:
    struct Flight {
        std::mutex mutex;
        std::condition_variable done_signal;
        bool done = false;
        core::Result<std::shared_ptr<const CachedItem>> outcome = core::Error::Internal("not loaded");
    };

    Cache& cache_;
    std::chrono::milliseconds wait_limit_;
    std::mutex flights_mutex_;
    std::unordered_map<std::string, std::shared_ptr<Flight>> flights_;
    observability::Counter loads_, coalesced_, stale_served_, load_failures_, cache_failures_;
};

}  // namespace emporium::cache

#include "cache/cache_aside.hpp"

#include "core/text.hpp"

namespace emporium::cache {

using core::Result;

namespace {

bool IsInfrastructureFailure(const core::Error& error) {
    return error.code == core::ErrorCode::kUnavailable || error.code == core::ErrorCode::kInternal;
}

}  // namespace

namespace {

Result<std::shared_ptr<const CachedItem>> LoadUncached(const CacheAside::Loader& load) {
    Result<std::string> loaded = load();
    if (!loaded.ok()) return loaded.error();
    auto item = std::make_shared<CachedItem>();
    item->etag = core::EtagFor(*loaded);
    item->body = std::move(*loaded);
    return std::shared_ptr<const CachedItem>(std::move(item));
}

}  // namespace

Result<std::shared_ptr<const CachedItem>> CacheAside::GetOrLoad(const core::RequestContext& ctx, std::string_view ns,
                                                                std::string_view rest, const Loader& load) {
    auto key = cache_.Key(ctx, ns, rest);
    if (key.ok()) return GetOrLoad(ctx, *key, load);
    cache_failures_.Add();
    return LoadUncached(load);
}

Result<std::shared_ptr<const CachedItem>> CacheAside::GetOrLoad(const core::RequestContext& ctx, const std::string& key,
                                                                const Loader& load) {
    CacheLookup found;
    if (auto looked = cache_.Get(ctx, key); looked.ok()) {
        found = std::move(*looked);
    } else {
        cache_failures_.Add();  // a miss: the loader answers
    }
    if (found.fresh) return found.item;

    std::shared_ptr<Flight> flight;
    bool leader = false;
    {
        std::lock_guard lock(flights_mutex_);
        auto [it, added] = flights_.try_emplace(key);
        if (added) it->second = std::make_shared<Flight>();
        flight = it->second;
        leader = added;
    }
    if (!leader) {
        coalesced_.Add();
        std::unique_lock lock(flight->mutex);
        if (!flight->done_signal.wait_for(lock, wait_limit_, [&] { return flight->done; }))
            return core::Error::Unavailable("the page is still being loaded; try again");
        return flight->outcome;
    }

    auto finish = [&](Result<std::shared_ptr<const CachedItem>> outcome) {
        {
            std::lock_guard lock(flight->mutex);
            flight->outcome = outcome;
            flight->done = true;
        }
        flight->done_signal.notify_all();
        {
            std::lock_guard lock(flights_mutex_);
            flights_.erase(key);
        }
        return outcome;
    };
    // The previous flight for this key may have stored its page and ended between the
    // lookup above and this one's start: then there is nothing to load. (Peek: the miss
    // was counted already.)
    if (CacheLookup again = cache_.Peek(key); again.fresh) return finish(again.item);

    loads_.Add();
    Result<std::shared_ptr<const CachedItem>> outcome = core::Error::Internal("not loaded");
    Result<std::string> loaded = core::Error::Internal("not loaded");
    try {
        loaded = load();
    } catch (const std::exception& e) {  // the flight must end, or this key would stay blocked
        loaded = core::Error::Internal(std::string("page loader threw: ") + e.what());
    } catch (...) {
        loaded = core::Error::Internal("page loader threw an exception of an unknown type");
    }
    if (loaded.ok()) {
        auto item = std::make_shared<CachedItem>();
        item->etag = core::EtagFor(*loaded);
        item->body = std::move(*loaded);
        if (!cache_.Put(ctx, key, item).ok()) cache_failures_.Add();
        outcome = std::shared_ptr<const CachedItem>(std::move(item));
    } else if (IsInfrastructureFailure(loaded.error()) && found.item) {
        load_failures_.Add();
        stale_served_.Add();
        outcome = found.item;
    } else {
        if (IsInfrastructureFailure(loaded.error())) load_failures_.Add();
        outcome = loaded.error();
    }
    return finish(std::move(outcome));
}

void CacheAside::RenderMetrics(std::string& out, std::string_view label) const {
    using observability::AppendFamilyHeader;
    using observability::AppendSample;
    std::string labels = "cache=\"" + std::string(label) + "\"";
    auto stats = cache_.Stats();
    struct Family {
        const char* name;
        const char* type;
        const char* help;
        int64_t value;
    };
    const Family families[] = {
        {"emporium_cache_hits_total", "counter", "Cache lookups that found a fresh entry.",
         static_cast<int64_t>(stats.hits)},
        {"emporium_cache_misses_total", "counter", "Cache lookups that found nothing fresh.",
         static_cast<int64_t>(stats.misses)},
        {"emporium_cache_evictions_total", "counter", "Entries evicted to stay within the memory bound.",
         static_cast<int64_t>(stats.evictions)},
        {"emporium_cache_bytes", "gauge", "Bytes held by the cache.", stats.bytes},
        {"emporium_cache_entries", "gauge", "Entries held by the cache.", stats.entries},
        {"emporium_cache_loads_total", "counter", "Loads after a miss (one per key at a time).",
         static_cast<int64_t>(loads_.Value())},
        {"emporium_cache_coalesced_total", "counter", "Misses that waited for another caller's load.",
         static_cast<int64_t>(coalesced_.Value())},
        {"emporium_cache_stale_served_total", "counter", "Expired entries served because their reload failed.",
         static_cast<int64_t>(stale_served_.Value())},
        {"emporium_cache_load_failures_total", "counter", "Loads that failed for a reason of the infrastructure.",
         static_cast<int64_t>(load_failures_.Value())},
        {"emporium_cache_failures_total", "counter", "Cache calls that failed (counted as misses; loaded instead).",
         static_cast<int64_t>(cache_failures_.Value())},
    };
    for (const auto& family : families) {
        AppendFamilyHeader(out, family.name, family.type, family.help);
        AppendSample(out, family.name, labels, family.value);
    }
}

}  // namespace emporium::cache

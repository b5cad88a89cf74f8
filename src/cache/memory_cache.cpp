#include "cache/memory_cache.hpp"

namespace emporium::cache {

MemoryCache::MemoryCache(MemoryCacheSettings settings, std::vector<std::string> namespaces)
    : lru_(settings.max_bytes, settings.ttl, settings.stale_for) {
    for (auto& name : namespaces) {
        auto ns = std::make_unique<Namespace>();
        ns->name = std::move(name);
        namespaces_.push_back(std::move(ns));
    }
}

MemoryCache::Namespace* MemoryCache::Find(std::string_view ns) {
    for (auto& candidate : namespaces_)
        if (candidate->name == ns) return candidate.get();
    return nullptr;
}

CacheLookup MemoryCache::Peek(std::string_view key) {
    auto found = lru_.Lookup(key, false);
    return CacheLookup{std::move(found.value), found.fresh};
}

core::Result<CacheLookup> MemoryCache::Get(const core::RequestContext&, std::string_view key) {
    auto found = lru_.Lookup(key, true);
    return CacheLookup{std::move(found.value), found.fresh};
}

core::Result<void> MemoryCache::Put(const core::RequestContext&, std::string key,
                                    std::shared_ptr<const CachedItem> item) {
    std::size_t bytes = item->body.size() + item->etag.size() + sizeof(CachedItem);
    lru_.Put(std::move(key), std::move(item), bytes, lru_.Generation());
    return core::Ok();
}

uint64_t MemoryCache::LocalNamespaceVersion(std::string_view ns) {
    Namespace* found = Find(ns);
    return found ? found->version.load(std::memory_order_acquire) : 0;
}

core::Result<void> MemoryCache::InvalidateNamespace(const core::RequestContext&, std::string_view ns) {
    if (Namespace* found = Find(ns)) found->version.fetch_add(1, std::memory_order_acq_rel);
    return core::Ok();
}

core::Result<void> MemoryCache::InvalidateAll(const core::RequestContext&) {
    for (auto& ns : namespaces_) ns->version.fetch_add(1, std::memory_order_acq_rel);
    return core::Ok();
}

CacheStats MemoryCache::Stats() const { return lru_.Stats(); }

}  // namespace emporium::cache

#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "cache/cache.hpp"
#include "cache/lru_cache.hpp"

namespace emporium::cache {

struct MemoryCacheSettings {
    std::size_t max_bytes = 64 << 20;  // 0 disables caching
    std::chrono::milliseconds ttl{5000};
    std::chrono::milliseconds stale_for{300'000};  // kept past ttl, served only when a reload fails
};

// The in-process Cache adapter: a sharded LRU bounded in bytes. Namespaces are fixed at
// construction (their versions are plain atomics, read on the event loop for every hit).
class MemoryCache final : public Cache {
  public:
    MemoryCache(MemoryCacheSettings settings, std::vector<std::string> namespaces);

    bool enabled() const { return lru_.enabled(); }
    CacheLookup Peek(std::string_view key) override;
    // Memory never waits: the context is not needed.
    core::Result<CacheLookup> Get(const core::RequestContext& ctx, std::string_view key) override;
    core::Result<void> Put(const core::RequestContext& ctx, std::string key,
                           std::shared_ptr<const CachedItem> item) override;
    uint64_t LocalNamespaceVersion(std::string_view ns) override;
    core::Result<uint64_t> NamespaceVersion(const core::RequestContext&, std::string_view ns) override {
        return LocalNamespaceVersion(ns);
    }
    core::Result<void> InvalidateNamespace(const core::RequestContext& ctx, std::string_view ns) override;
    core::Result<void> InvalidateAll(const core::RequestContext& ctx) override;
    CacheStats Stats() const override;

  private:
    struct Namespace {
        std::string name;
        std::atomic<uint64_t> version{0};
    };
    Namespace* Find(std::string_view ns);

    LruCache<CachedItem> lru_;
    std::vector<std::unique_ptr<Namespace>> namespaces_;
};

}  // namespace emporium::cache

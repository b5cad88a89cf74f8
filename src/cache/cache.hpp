#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace emporium::cache {

// A ready-to-send answer: the serialised body and its ETag.
struct CachedItem {
    std::string body;
    std::string etag;
};

struct CacheLookup {
    std::shared_ptr<const CachedItem> item;  // null: nothing usable
    bool fresh = false;                      // false: expired, kept only to serve when reloading fails
};

struct CacheStats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t evictions = 0;
    int64_t bytes = 0;
    int64_t entries = 0;
};

// The cache port. Keys live in namespaces ("product", "list", "search", "home", …):
// invalidating a namespace bumps its version, which is part of every key made with
// Key(), so older entries can no longer be found (they age out of the LRU) and a load
// that started before the bump stores under the old version, where nobody looks — no
// stale resurrection. The same scheme works over Redis (INCR of a version key).
// Adapters: in-process (MemoryCache); Redis later. Thread-safe.
class Cache {
  public:
    virtual ~Cache() = default;

    // Counts a hit or a miss; `count_miss` false leaves a miss uncounted, for a quick first
    // look (on the event loop) that is followed by a counted one when it misses.
    virtual CacheLookup Get(std::string_view key, bool count_miss = true) = 0;
    virtual void Put(std::string key, std::shared_ptr<const CachedItem> item) = 0;
    virtual uint64_t NamespaceVersion(std::string_view ns) = 0;
    virtual void InvalidateNamespace(std::string_view ns) = 0;
    // Every namespace (a change whose reach is not worth tracing, e.g. a category rename
    // shown in search facets and product pages alike).
    virtual void InvalidateAll() = 0;
    virtual CacheStats Stats() const = 0;

    // "<ns>#<version>#<rest>" with the namespace's current version.
    std::string Key(std::string_view ns, std::string_view rest) {
        std::string key(ns);
        key += '#';
        key += std::to_string(NamespaceVersion(ns));
        key += '#';
        key += rest;
        return key;
    }
};

}  // namespace emporium::cache

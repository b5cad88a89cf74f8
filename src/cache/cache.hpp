#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/request_context.hpp"
#include "core/result.hpp"

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
//
// Two kinds of calls, so that a networked adapter never blocks an event loop:
// - Peek and LocalKey only consult what this process holds (the first level: memory and
//   the namespace versions it has heard of) and never wait. The event-loop threads call
//   only these, for the hit path.
// - The rest may do I/O (a Redis round trip): they are blocking and fallible, and are
//   called from the blocking pool. An error (kUnavailable: the cache server is down) means
//   "no cache", never "no data": callers load from the source instead.
// Adapters: in-process (MemoryCache); Redis later. Thread-safe.
class Cache {
  public:
    virtual ~Cache() = default;

    // A look at this process's own memory; an entry only a remote level holds is a miss
    // here. Counts nothing (the counted lookup that follows a miss is Get).
    virtual CacheLookup Peek(std::string_view key) = 0;
    // The calls below may wait for a remote level, never past `ctx`'s deadline
    // (kUnavailable then).
    // Counts a hit or a miss.
    virtual core::Result<CacheLookup> Get(const core::RequestContext& ctx, std::string_view key) = 0;
    virtual core::Result<void> Put(const core::RequestContext& ctx, std::string key,
                                   std::shared_ptr<const CachedItem> item) = 0;
    // The version of `ns` this process knows (never waits).
    virtual uint64_t LocalNamespaceVersion(std::string_view ns) = 0;
    // The current version of `ns` (a remote adapter asks the shared level).
    virtual core::Result<uint64_t> NamespaceVersion(const core::RequestContext& ctx, std::string_view ns) = 0;
    virtual core::Result<void> InvalidateNamespace(const core::RequestContext& ctx, std::string_view ns) = 0;
    // Every namespace (a change whose reach is not worth tracing, e.g. a category rename
    // shown in search facets and product pages alike).
    virtual core::Result<void> InvalidateAll(const core::RequestContext& ctx) = 0;
    virtual CacheStats Stats() const = 0;

    // "<ns>#<version>#<rest>" with the namespace's current version.
    core::Result<std::string> Key(const core::RequestContext& ctx, std::string_view ns, std::string_view rest) {
        EMPORIUM_ASSIGN_OR_RETURN(uint64_t version, NamespaceVersion(ctx, ns));
        return MakeKey(ns, version, rest);
    }
    // Key with the version this process knows, for Peek.
    std::string LocalKey(std::string_view ns, std::string_view rest) {
        return MakeKey(ns, LocalNamespaceVersion(ns), rest);
    }

  private:
    static std::string MakeKey(std::string_view ns, uint64_t version, std::string_view rest) {
        std::string key(ns);
        key += '#';
        key += std::to_string(version);
        key += '#';
        key += rest;
        return key;
    }
};

}  // namespace emporium::cache

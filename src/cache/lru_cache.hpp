#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cache/cache.hpp"

namespace emporium::cache {

template <typename Value>
struct LruLookup {
    std::shared_ptr<const Value> value;  // null: nothing usable
    bool fresh = false;                  // false: past its ttl but kept for serve-stale
};

// In-process cache: keys spread over shards (each its own mutex and LRU list) so
// event-loop threads rarely contend; bounded in bytes; entries are fresh for `ttl`, then
// kept `stale_for` longer as a fallback for when reloading fails.
// Values are immutable and shared: a lookup copies a pointer under the shard lock, never
// the bytes (the HTTP layer copies them once, into the response).
//
// Invalidation race: a loader that read the database before a write, but stores after
// the write's Clear(), would resurrect stale data. Callers take Generation() before
// loading and Put only if it is unchanged. Thread-safe.
template <typename Value>
class LruCache {
  public:
    using Clock = std::chrono::steady_clock;

    LruCache(std::size_t max_bytes, std::chrono::milliseconds ttl, std::chrono::milliseconds stale_for = {},
             std::size_t shards = 16)
        : shards_(shards), max_bytes_per_shard_(max_bytes / shards), ttl_(ttl), stale_for_(stale_for) {}

    bool enabled() const { return max_bytes_per_shard_ > 0; }

    // A fresh entry counts as a hit; a stale one (returned with fresh = false) or none as a
    // miss, unless `count_miss` is false (a first look whose miss is counted by the next).
    LruLookup<Value> Lookup(std::string_view key, bool count_miss = true) {
        if (!enabled()) return {};
        Shard& shard = ShardFor(key);
        std::lock_guard lock(shard.mutex);
        auto found = shard.index.find(key);
        auto now = Clock::now();
        if (found == shard.index.end() || found->second->expires_at + stale_for_ <= now) {
            if (count_miss) misses_.fetch_add(1, std::memory_order_relaxed);
            return {};
        }
        shard.lru.splice(shard.lru.begin(), shard.lru, found->second);
        bool fresh = found->second->expires_at > now;
        if (fresh || count_miss) (fresh ? hits_ : misses_).fetch_add(1, std::memory_order_relaxed);
        return {found->second->value, fresh};
    }

    // Fresh entries only.
    std::shared_ptr<const Value> Get(std::string_view key) {
        auto found = Lookup(key);
        return found.fresh ? found.value : nullptr;
    }

    uint64_t Generation() const { return generation_.load(std::memory_order_acquire); }

    // Stores unless the cache was cleared since `generation` was read.
    void Put(std::string key, std::shared_ptr<const Value> value, std::size_t bytes, uint64_t generation) {
        if (!enabled() || bytes > max_bytes_per_shard_) return;
        Shard& shard = ShardFor(key);
        std::lock_guard lock(shard.mutex);
        if (generation != Generation()) return;
        if (auto found = shard.index.find(key); found != shard.index.end()) Erase(shard, found->second);
        shard.lru.push_front(Entry{key, std::move(value), bytes + key.size(), Clock::now() + ttl_});
        shard.index.emplace(std::string_view(shard.lru.front().key), shard.lru.begin());
        shard.bytes += bytes + key.size();
        while (shard.bytes > max_bytes_per_shard_ && !shard.lru.empty()) {
            Erase(shard, std::prev(shard.lru.end()));
            evictions_.fetch_add(1, std::memory_order_relaxed);
        }
    }

    // Drops one entry. Like Clear, it fails the Put of any load begun before it, so a load
    // that read the old value cannot bring the entry back.
    void Erase(std::string_view key) {
        generation_.fetch_add(1, std::memory_order_acq_rel);
        if (!enabled()) return;
        Shard& shard = ShardFor(key);
        std::lock_guard lock(shard.mutex);
        if (auto found = shard.index.find(key); found != shard.index.end()) Erase(shard, found->second);
    }

    void Clear() {
        generation_.fetch_add(1, std::memory_order_acq_rel);
        for (auto& shard : shards_) {
            std::lock_guard lock(shard.mutex);
            shard.index.clear();
            shard.lru.clear();
            shard.bytes = 0;
        }
    }

    CacheStats Stats() const {
        CacheStats stats;
        stats.hits = hits_.load(std::memory_order_relaxed);
        stats.misses = misses_.load(std::memory_order_relaxed);
        stats.evictions = evictions_.load(std::memory_order_relaxed);
        for (auto& shard : shards_) {
            std::lock_guard lock(shard.mutex);
            stats.bytes += static_cast<int64_t>(shard.bytes);
            stats.entries += static_cast<int64_t>(shard.lru.size());
        }
        return stats;
    }

  private:
    struct Entry {
        std::string key;
        std::shared_ptr<const Value> value;
        std::size_t bytes;
        Clock::time_point expires_at;
    };
    struct Shard {
        mutable std::mutex mutex;
        std::list<Entry> lru;                                                             // front: most recently used
        std::unordered_map<std::string_view, typename std::list<Entry>::iterator> index;  // views into lru keys
        std::size_t bytes = 0;
    };

    Shard& ShardFor(std::string_view key) { return shards_[std::hash<std::string_view>{}(key) % shards_.size()]; }

    static void Erase(Shard& shard, typename std::list<Entry>::iterator it) {
        shard.bytes -= it->bytes;
        shard.index.erase(std::string_view(it->key));
        shard.lru.erase(it);
    }

    std::vector<Shard> shards_;
    std::size_t max_bytes_per_shard_;
    std::chrono::milliseconds ttl_;
    std::chrono::milliseconds stale_for_;
    std::atomic<uint64_t> generation_{0};
    std::atomic<uint64_t> hits_{0}, misses_{0}, evictions_{0};
};

}  // namespace emporium::cache

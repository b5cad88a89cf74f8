#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cache/cache.hpp"
#include "cache/memory_cache.hpp"
#include "infra/redis/client.hpp"
#include "infra/redis/subscriber.hpp"

namespace emporium::cache {

struct RedisCacheSettings {
    std::string prefix = "emporium:";  // of every key this cache writes in Redis
    std::chrono::milliseconds ttl{5000};
    std::chrono::milliseconds stale_for{300'000};
    // The most one call to Redis may take of its caller's time: the second level is an
    // optimisation, and a Redis that stalls must not hold a page request for its whole deadline.
    std::chrono::milliseconds call_budget{250};
};

// The Cache adapter of a deployment of several processes: this process's MemoryCache is the
// first level (the event loop's Peek never leaves it) and a Redis server shared by every
// process the second. Namespace versions live in Redis ("<prefix>cache-ns:<ns>"): an
// invalidation raises the namespace's version there and publishes the new version on
// "<prefix>cache-invalidations" in one script, and every process raises its own version
// when it hears it — so a change made anywhere reaches every process's next read as soon as
// the message has arrived (on one machine, well under a millisecond), and a load that
// started before it stores under the old key, where nobody looks.
//
// Versions only ever go up in every process; a process that was cut off from the messages
// (its subscription broke) raises all its versions once when it is back, since it cannot
// know what it missed. A process uses the second level only under versions Redis gave out:
// when its own invalidation did not reach Redis, or it hears a change given a version it
// had already reached (two invalidations racing), it steps past on its own and stays off
// the second level until it has caught up with Redis (the next lookup, at most once a
// second), so what it stores there is never taken for newer than it is. While Redis is away the first level goes on
// alone: reads are served from it and from the source, invalidations in this process still take effect here at once,
// and changes made in other processes reach this one within the first level's TTL.
class RedisCache final : public Cache {
  public:
    RedisCache(RedisCacheSettings settings, std::unique_ptr<MemoryCache> first_level, infra::redis::Client& redis,
               std::vector<std::string> namespaces);
    ~RedisCache() override;

    // Runs on hearing another process's invalidation, before this process raises its
    // versions: whatever must happen before its next read may reload the page — e.g. reads
    // catching up with the write behind the invalidation (a replica lagging behind it would
    // otherwise reload the old row and store it under the new version). Call before Start.
    void SetBeforeRemoteInvalidation(std::function<void()> hook) { before_remote_invalidation_ = std::move(hook); }
    // Starts listening for other processes' invalidations (and fetches the versions).
    void Start();
    void Stop();
    // The subscription is up and the versions caught up: the second level is in use.
    bool in_sync() const { return in_sync_.load(std::memory_order_acquire) && subscriber_->subscribed(); }

    CacheLookup Peek(std::string_view key) override;
    core::Result<CacheLookup> Get(const core::RequestContext& ctx, std::string_view key) override;
    core::Result<void> Put(const core::RequestContext& ctx, std::string key,
                           std::shared_ptr<const CachedItem> item) override;
    uint64_t LocalNamespaceVersion(std::string_view ns) override;
    // The version this process knows: kept current by the published invalidations, so it
    // costs no round trip.
    core::Result<uint64_t> NamespaceVersion(const core::RequestContext&, std::string_view ns) override {
        return LocalNamespaceVersion(ns);
    }
    core::Result<void> InvalidateNamespace(const core::RequestContext& ctx, std::string_view ns) override;
    core::Result<void> InvalidateAll(const core::RequestContext& ctx) override;
    CacheStats Stats() const override;
    // The second level's hits, misses and failures.
    void RenderMetrics(std::string& out) const;

  private:
    struct Namespace {
        std::string name;
        std::atomic<uint64_t> version{0};
    };
    Namespace* Find(std::string_view ns);
    static void RaiseTo(Namespace& ns, uint64_t version);
    // Raises the versions of `names` here and in Redis, and tells the other processes.
    core::Result<void> Invalidate(const core::RequestContext& ctx, const std::vector<Namespace*>& names);
    void OnSubscribed(bool first);
    // Out of step (an invalidation Redis did not take, a version heard that this process had
    // passed): catches up from a request's thread, at most once a second.
    void MaybeCatchUp();
    // Takes Redis's versions where they are ahead and gives it this process's where they are
    // (first raising every version once after a break); then the second level is in use.
    bool CatchUp(const core::RequestContext& ctx, bool after_break);
    core::RequestContext Budgeted(const core::RequestContext& ctx) const;
    void OnMessage(std::string_view message);
    std::string RemoteKey(std::string_view key) const { return settings_.prefix + "cache:" + std::string(key); }
    std::string VersionKey(std::string_view ns) const { return settings_.prefix + "cache-ns:" + std::string(ns); }

    RedisCacheSettings settings_;
    std::unique_ptr<MemoryCache> first_level_;
    infra::redis::Client& redis_;
    std::vector<std::unique_ptr<Namespace>> namespaces_;
    std::string channel_;
    std::string origin_;  // this process, in its messages (it does not act on its own)
    std::atomic<bool> in_sync_{false};
    std::mutex catch_up_mutex_;
    std::atomic<int64_t> next_catch_up_ms_{0};
    // hits_: fresh entries found in the second level only (the first counts its own).
    std::atomic<uint64_t> hits_{0}, misses_{0}, remote_hits_{0}, remote_misses_{0}, remote_failures_{0};
    std::function<void()> before_remote_invalidation_;
    std::unique_ptr<infra::redis::Subscriber> subscriber_;
};

}  // namespace emporium::cache

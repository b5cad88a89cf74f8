#include "cache/redis_cache.hpp"

#include "core/clock.hpp"
#include "core/random.hpp"
#include "core/text.hpp"
#include "observability/log.hpp"
#include "observability/metrics.hpp"

namespace emporium::cache {

using core::Result;

namespace {

// KEYS: the version keys of the namespaces to raise. ARGV: the channel, the origin, then
// one floor per key (the version this process just moved to). Each version becomes
// max(stored + 1, floor) and is published as "<origin> <namespace key> <version>".
infra::redis::Script kInvalidate(R"lua(
local raised = {}
for i, key in ipairs(KEYS) do
  local stored = tonumber(redis.call('GET', key)) or 0
  local version = math.max(stored + 1, tonumber(ARGV[i + 2]))
  redis.call('SET', key, version)
  redis.call('PUBLISH', ARGV[1], ARGV[2] .. ' ' .. key .. ' ' .. version)
  raised[i] = version
end
return raised
)lua");

// KEYS: version keys. ARGV: one floor each. Raises each stored version to its floor
// (a Redis that lost its data learns the versions back from the processes).
infra::redis::Script kRaiseTo(R"lua(
for i, key in ipairs(KEYS) do
  local stored = tonumber(redis.call('GET', key)) or 0
  if stored < tonumber(ARGV[i]) then redis.call('SET', key, ARGV[i]) end
end
return 1
)lua");

// The bound of the calls the cache makes on its own (catching up after subscribing).
constexpr std::chrono::seconds kOwnCallBudget{2};
// How often a process out of step with Redis's versions tries to catch up from a request.
constexpr std::chrono::milliseconds kCatchUpInterval{1000};

// "<stored at ms>\n<etag>\n<body>".
std::string Encode(const CachedItem& item, int64_t now_ms) {
    std::string value = std::to_string(now_ms);
    value += '\n';
    value += item.etag;
    value += '\n';
    value += item.body;
    return value;
}

bool Decode(const std::string& value, CachedItem& item, int64_t& stored_at_ms) {
    auto first = value.find('\n');
    if (first == std::string::npos) return false;
    auto second = value.find('\n', first + 1);
    if (second == std::string::npos) return false;
    auto stored_at = core::ParseInteger(std::string_view(value).substr(0, first));
    if (!stored_at) return false;
    stored_at_ms = *stored_at;
    item.etag = value.substr(first + 1, second - first - 1);
    item.body = value.substr(second + 1);
    return true;
}

}  // namespace

RedisCache::RedisCache(RedisCacheSettings settings, std::unique_ptr<MemoryCache> first_level,
                       infra::redis::Client& redis, std::vector<std::string> namespaces)
    : settings_(std::move(settings)),
      first_level_(std::move(first_level)),
      redis_(redis),
      channel_(settings_.prefix + "cache-invalidations"),
      origin_(core::RandomToken(9)) {
    for (auto& name : namespaces) {
        auto ns = std::make_unique<Namespace>();
        ns->name = std::move(name);
        namespaces_.push_back(std::move(ns));
    }
    subscriber_ = std::make_unique<infra::redis::Subscriber>(
        redis_, std::vector<std::string>{channel_}, [this](bool first) { OnSubscribed(first); },
        [this](std::string_view, std::string_view message) { OnMessage(message); });
}

RedisCache::~RedisCache() { Stop(); }

void RedisCache::Start() { subscriber_->Start(); }

void RedisCache::Stop() {
    subscriber_->Stop();
    in_sync_ = false;
}

RedisCache::Namespace* RedisCache::Find(std::string_view ns) {
    for (auto& candidate : namespaces_)
        if (candidate->name == ns) return candidate.get();
    return nullptr;
}

void RedisCache::RaiseTo(Namespace& ns, uint64_t version) {
    uint64_t current = ns.version.load(std::memory_order_acquire);
    while (current < version && !ns.version.compare_exchange_weak(current, version, std::memory_order_acq_rel)) {
    }
}

core::RequestContext RedisCache::Budgeted(const core::RequestContext& ctx) const {
    core::RequestContext bounded = ctx;
    bounded.deadline = std::min(ctx.deadline, std::chrono::steady_clock::now() + settings_.call_budget);
    return bounded;
}

CacheLookup RedisCache::Peek(std::string_view key) { return first_level_->Peek(key); }

Result<CacheLookup> RedisCache::Get(const core::RequestContext& ctx, std::string_view key) {
    // The first level counts its own fresh hits (as it does for Peek); this counts the rest.
    CacheLookup local = first_level_->Peek(key);
    if (local.item && local.fresh) return local;
    // Out of sync, the second level may hold what an invalidation this process missed
    // should have hidden: it is not asked.
    MaybeCatchUp();
    if (in_sync() && first_level_->enabled()) {
        auto remote = redis_.Run(Budgeted(ctx), {"GET", RemoteKey(key)});
        if (!remote.ok()) {
            remote_failures_.fetch_add(1, std::memory_order_relaxed);
        } else if (!remote->is_nil()) {
            auto item = std::make_shared<CachedItem>();
            int64_t stored_at_ms = 0;
            if (Decode(remote->text, *item, stored_at_ms)) {
                remote_hits_.fetch_add(1, std::memory_order_relaxed);
                bool fresh = core::UnixMillisNow() - stored_at_ms < settings_.ttl.count();
                if (fresh) {
                    hits_.fetch_add(1, std::memory_order_relaxed);
                    (void)first_level_->Put(ctx, std::string(key), item);
                    return CacheLookup{std::move(item), true};
                }
                if (!local.item) local = CacheLookup{std::move(item), false};
            }
        } else {
            remote_misses_.fetch_add(1, std::memory_order_relaxed);
        }
    }
    misses_.fetch_add(1, std::memory_order_relaxed);
    return local;
}

Result<void> RedisCache::Put(const core::RequestContext& ctx, std::string key, std::shared_ptr<const CachedItem> item) {
    std::string remote_key = RemoteKey(key);
    std::string value = Encode(*item, core::UnixMillisNow());
    EMPORIUM_TRY(first_level_->Put(ctx, std::move(key), std::move(item)));
    if (!in_sync() || !first_level_->enabled()) return core::Ok();  // a cache sized 0 is off at both levels
    auto keep = settings_.ttl + settings_.stale_for;
    auto stored =
        redis_.Run(Budgeted(ctx), {"SET", remote_key, value, "PX", std::to_string(std::max<int64_t>(keep.count(), 1))});
    if (!stored.ok()) {
        remote_failures_.fetch_add(1, std::memory_order_relaxed);
        return stored.error();
    }
    return core::Ok();
}

uint64_t RedisCache::LocalNamespaceVersion(std::string_view ns) {
    Namespace* found = Find(ns);
    return found ? found->version.load(std::memory_order_acquire) : 0;
}

Result<void> RedisCache::Invalidate(const core::RequestContext& ctx, const std::vector<Namespace*>& names) {
    // Here first, and whatever becomes of the call: this process's next read must not see
    // the old entries even while Redis is away.
    std::vector<std::string> keys;
    std::vector<std::string> args{channel_, origin_};
    for (Namespace* ns : names) {
        uint64_t raised = ns->version.fetch_add(1, std::memory_order_acq_rel) + 1;
        keys.push_back(VersionKey(ns->name));
        args.push_back(std::to_string(raised));
    }
    auto reply = redis_.Eval(Budgeted(ctx), kInvalidate, keys, args);
    if (!reply.ok()) {
        // This process's versions are now ahead of Redis's, and the others never heard of
        // the change: the second level is left alone until this process has caught up
        // (which also gives Redis its versions back).
        in_sync_.store(false, std::memory_order_release);
        remote_failures_.fetch_add(1, std::memory_order_relaxed);
        return reply.error();
    }
    for (std::size_t i = 0; i < names.size() && i < reply->elements.size(); ++i)
        RaiseTo(*names[i], static_cast<uint64_t>(reply->elements[i].integer));
    return core::Ok();
}

Result<void> RedisCache::InvalidateNamespace(const core::RequestContext& ctx, std::string_view ns) {
    Namespace* found = Find(ns);
    if (!found) return core::Ok();
    return Invalidate(ctx, {found});
}

Result<void> RedisCache::InvalidateAll(const core::RequestContext& ctx) {
    std::vector<Namespace*> all;
    for (auto& ns : namespaces_) all.push_back(ns.get());
    return Invalidate(ctx, all);
}

void RedisCache::OnSubscribed(bool first) {
    in_sync_.store(false, std::memory_order_release);
    core::RequestContext ctx;
    ctx.deadline = std::chrono::steady_clock::now() + kOwnCallBudget;
    ctx.request_id = "cache-sync";
    std::lock_guard lock(catch_up_mutex_);
    CatchUp(ctx, !first);
}

void RedisCache::MaybeCatchUp() {
    if (in_sync_.load(std::memory_order_acquire) || !subscriber_->subscribed()) return;
    int64_t now = core::UnixMillisNow();
    if (now < next_catch_up_ms_.load(std::memory_order_relaxed)) return;
    std::unique_lock lock(catch_up_mutex_, std::try_to_lock);
    if (!lock.owns_lock() || in_sync_.load(std::memory_order_acquire)) return;
    next_catch_up_ms_.store(now + kCatchUpInterval.count(), std::memory_order_relaxed);
    core::RequestContext ctx;
    ctx.deadline = std::chrono::steady_clock::now() + settings_.call_budget;
    ctx.request_id = "cache-sync";
    CatchUp(ctx, false);
}

bool RedisCache::CatchUp(const core::RequestContext& ctx, bool after_break) {
    infra::redis::Command get{"MGET"};
    for (auto& ns : namespaces_) get.push_back(VersionKey(ns->name));
    auto stored = redis_.Run(ctx, get);
    if (!stored.ok() || stored->elements.size() != namespaces_.size()) {
        // Not caught up: the second level stays out of use until a later try.
        observability::LogWarn("cache_sync_failed", [&](core::JsonWriter& json) {
            json.Field("error", stored.ok() ? "odd reply" : stored.error().message);
        });
        return false;
    }
    std::vector<std::string> keys, floors;
    for (std::size_t i = 0; i < namespaces_.size(); ++i) {
        Namespace& ns = *namespaces_[i];
        auto remote = core::ParseInteger(stored->elements[i].text).value_or(0);
        // After a break, any invalidation may have been missed: move on past all of them.
        uint64_t local = ns.version.load(std::memory_order_acquire) + (after_break ? 1 : 0);
        RaiseTo(ns, std::max<uint64_t>(local, static_cast<uint64_t>(std::max<int64_t>(remote, 0))));
        keys.push_back(VersionKey(ns.name));
        floors.push_back(std::to_string(ns.version.load(std::memory_order_acquire)));
    }
    // Redis learns the versions this process moved to: the next invalidation anywhere goes
    // past them, so nothing this process stores under them is ever taken for newer.
    auto raised = redis_.Eval(ctx, kRaiseTo, keys, floors);
    if (!raised.ok()) return false;
    in_sync_.store(true, std::memory_order_release);
    observability::LogInfo("cache_in_sync", [&](core::JsonWriter& json) { json.Field("after_break", after_break); });
    return true;
}

void RedisCache::OnMessage(std::string_view message) {
    // "<origin> <version key> <version>"
    auto first_space = message.find(' ');
    auto last_space = message.rfind(' ');
    if (first_space == std::string_view::npos || last_space <= first_space) return;
    if (message.substr(0, first_space) == origin_) return;
    std::string_view key = message.substr(first_space + 1, last_space - first_space - 1);
    auto version = core::ParseInteger(message.substr(last_space + 1));
    if (!version || *version < 0) return;
    if (before_remote_invalidation_) before_remote_invalidation_();
    for (auto& ns : namespaces_) {
        if (VersionKey(ns->name) != key) continue;
        auto heard = static_cast<uint64_t>(*version);
        uint64_t local = ns->version.load(std::memory_order_acquire);
        if (heard > local) {
            RaiseTo(*ns, heard);  // the usual case: the version Redis gave the change
        } else {
            // This process is at or past the version the change got (its own invalidation
            // raced this one, or it ran ahead of Redis): what it holds under its version may
            // predate the change. Step past it here, and leave the second level alone until
            // Redis knows this version too, so that nobody takes what this process stores
            // for newer than it is.
            RaiseTo(*ns, local + 1);
            in_sync_.store(false, std::memory_order_release);
        }
    }
}

CacheStats RedisCache::Stats() const {
    CacheStats stats = first_level_->Stats();
    stats.hits += hits_.load(std::memory_order_relaxed);
    stats.misses = misses_.load(std::memory_order_relaxed);
    return stats;
}

void RedisCache::RenderMetrics(std::string& out) const {
    using observability::AppendFamilyHeader;
    using observability::AppendSample;
    AppendFamilyHeader(out, "emporium_cache_remote_lookups_total", "counter",
                       "Lookups in the shared (Redis) second level, by outcome.");
    AppendSample(out, "emporium_cache_remote_lookups_total", "outcome=\"hit\"",
                 static_cast<int64_t>(remote_hits_.load(std::memory_order_relaxed)));
    AppendSample(out, "emporium_cache_remote_lookups_total", "outcome=\"miss\"",
                 static_cast<int64_t>(remote_misses_.load(std::memory_order_relaxed)));
    AppendFamilyHeader(out, "emporium_cache_remote_failures_total", "counter",
                       "Calls to the second level that failed (Redis down or slow).");
    AppendSample(out, "emporium_cache_remote_failures_total", "",
                 static_cast<int64_t>(remote_failures_.load(std::memory_order_relaxed)));
    AppendFamilyHeader(out, "emporium_cache_remote_in_sync", "gauge",
                       "Whether this process hears other processes' invalidations (the second level is in use).");
    AppendSample(out, "emporium_cache_remote_in_sync", "", int64_t{in_sync() ? 1 : 0});
}

}  // namespace emporium::cache

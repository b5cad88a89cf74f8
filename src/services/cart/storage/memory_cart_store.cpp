#include "services/cart/storage/memory_cart_store.hpp"

#include <algorithm>

#include "observability/metrics.hpp"

namespace emporium::cart {

MemoryCartStore::Shard& MemoryCartStore::ShardFor(std::string_view key) {
    return shards_[std::hash<std::string_view>{}(key) % shards_.size()];
}

core::Result<std::optional<StoredCart>> MemoryCartStore::Load(const core::RequestContext&, std::string_view key,
                                                              int64_t now) {
    Shard& shard = ShardFor(key);
    std::lock_guard lock(shard.mutex);
    auto found = shard.carts.find(std::string(key));
    if (found == shard.carts.end() || found->second.expires_at <= now) return std::optional<StoredCart>();
    return std::optional<StoredCart>(found->second);
}

core::Result<StoredCart> MemoryCartStore::CompareAndSwap(const core::RequestContext&, std::string_view key, int64_t now,
                                                         const StoredCart& cart, std::string_view change_id) {
    Shard& shard = ShardFor(key);
    std::lock_guard lock(shard.mutex);
    auto [found, added] = shard.carts.try_emplace(std::string(key));
    StoredCart& stored = found->second;
    bool live = !added && stored.expires_at > now;
    if (live && stored.Remembers(change_id)) return stored;
    // An expired cart counts as none; versions are never reused, so a load from before it
    // expired (or was deleted) cannot match the new cart.
    int64_t current = live ? stored.version : 0;
    if (cart.version != current) {
        if (added) shard.carts.erase(found);
        return core::Error::Conflict("the cart changed meanwhile");
    }
    int64_t next_version = last_version_.fetch_add(1, std::memory_order_relaxed) + 1;
    std::vector<std::string> changes = live ? std::move(stored.recent_changes) : std::vector<std::string>{};
    stored = cart;
    stored.version = next_version;
    stored.recent_changes = std::move(changes);
    stored.recent_changes.emplace_back(change_id);
    if (stored.recent_changes.size() > kRememberedChanges) stored.recent_changes.erase(stored.recent_changes.begin());
    return stored;
}

core::Result<void> MemoryCartStore::Delete(const core::RequestContext&, std::string_view key) {
    Shard& shard = ShardFor(key);
    std::lock_guard lock(shard.mutex);
    shard.carts.erase(std::string(key));
    return core::Ok();
}

int64_t MemoryCartStore::Sweep(int64_t now) {
    int64_t removed = 0;
    for (auto& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        removed += static_cast<int64_t>(
            std::erase_if(shard.carts, [now](const auto& entry) { return entry.second.expires_at <= now; }));
    }
    return removed;
}

void MemoryCartStore::RenderMetrics(std::string& out) const {
    observability::AppendFamilyHeader(out, "emporium_carts", "gauge", "Carts held in memory.");
    observability::AppendSample(out, "emporium_carts", "", Size());
}

int64_t MemoryCartStore::Size() const {
    int64_t size = 0;
    for (const auto& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        size += static_cast<int64_t>(shard.carts.size());
    }
    return size;
}

}  // namespace emporium::cart

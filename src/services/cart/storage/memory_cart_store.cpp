#include "services/cart/storage/memory_cart_store.hpp"

namespace emporium::cart {

MemoryCartStore::Shard& MemoryCartStore::ShardFor(std::string_view key) {
    return shards_[std::hash<std::string_view>{}(key) % shards_.size()];
}

core::Result<std::optional<StoredCart>> MemoryCartStore::Load(std::string_view key, int64_t now) {
    Shard& shard = ShardFor(key);
    std::lock_guard lock(shard.mutex);
    auto found = shard.carts.find(std::string(key));
    if (found == shard.carts.end() || found->second.expires_at <= now) return std::optional<StoredCart>();
    return std::optional<StoredCart>(found->second);
}

core::Result<StoredCart> MemoryCartStore::Update(std::string_view key, int64_t now, int64_t expires_at,
                                                 const std::function<core::Result<void>(StoredCart&, bool)>& change) {
    Shard& shard = ShardFor(key);
    std::lock_guard lock(shard.mutex);
    auto found = shard.carts.find(std::string(key));
    bool exists = found != shard.carts.end() && found->second.expires_at > now;
    StoredCart cart = exists ? found->second : StoredCart{};
    EMPORIUM_TRY(change(cart, exists));
    cart.updated_at = now;
    cart.expires_at = expires_at;
    shard.carts[std::string(key)] = cart;
    return cart;
}

core::Result<void> MemoryCartStore::Delete(std::string_view key) {
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

int64_t MemoryCartStore::Size() const {
    int64_t size = 0;
    for (const auto& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        size += static_cast<int64_t>(shard.carts.size());
    }
    return size;
}

}  // namespace emporium::cart

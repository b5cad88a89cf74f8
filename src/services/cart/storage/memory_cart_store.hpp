#pragma once

#include <array>
#include <atomic>
#include <mutex>
#include <string>
#include <unordered_map>

#include "services/cart/cart_store.hpp"

namespace emporium::cart {

// CartStore in this process's memory (the embedded deployment): carts are lost on
// restart, as with a cache. Sharded by key so concurrent carts rarely share a lock; the
// lock is held only inside one call.
class MemoryCartStore final : public CartStore {
  public:
    core::Result<std::optional<StoredCart>> Load(const core::RequestContext& ctx, std::string_view key,
                                                 int64_t now) override;
    core::Result<StoredCart> CompareAndSwap(const core::RequestContext& ctx, std::string_view key, int64_t now,
                                            const StoredCart& cart, std::string_view change_id) override;
    core::Result<void> Delete(const core::RequestContext& ctx, std::string_view key) override;

    // Drops expired carts; returns how many.
    int64_t Sweep(int64_t now);
    int64_t Size() const;
    // Appends the emporium_carts gauge (carts held in memory).
    void RenderMetrics(std::string& out) const;

  private:
    struct Shard {
        mutable std::mutex mutex;
        std::unordered_map<std::string, StoredCart> carts;
    };
    Shard& ShardFor(std::string_view key);
    std::array<Shard, 16> shards_;
    std::atomic<int64_t> last_version_{0};  // versions are never reused, across keys and deletes
};

}  // namespace emporium::cart

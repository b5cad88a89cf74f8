#pragma once

#include <array>
#include <mutex>
#include <string>
#include <unordered_map>

#include "services/cart/cart_store.hpp"

namespace emporium::cart {

// CartStore in this process's memory (the embedded deployment): carts are lost on
// restart, as with a cache. Sharded by key so concurrent carts rarely share a lock.
class MemoryCartStore final : public CartStore {
  public:
    core::Result<std::optional<StoredCart>> Load(std::string_view key, int64_t now) override;
    core::Result<StoredCart> Update(std::string_view key, int64_t now, int64_t expires_at,
                                    const std::function<core::Result<void>(StoredCart&, bool)>& change) override;
    core::Result<void> Delete(std::string_view key) override;

    // Drops expired carts; returns how many.
    int64_t Sweep(int64_t now);
    int64_t Size() const;

  private:
    struct Shard {
        mutable std::mutex mutex;
        std::unordered_map<std::string, StoredCart> carts;
    };
    Shard& ShardFor(std::string_view key);
    std::array<Shard, 16> shards_;
};

}  // namespace emporium::cart

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/request_context.hpp"
#include "core/result.hpp"

namespace emporium::cart {

struct StoredLine {
    std::string sku;
    int64_t quantity = 0;
};

struct StoredCart {
    std::vector<StoredLine> lines;  // in the order they were added
    int64_t updated_at = 0;
    int64_t expires_at = 0;
    // 0: not stored yet (or expired); every stored change gives the cart a version never
    // used before, under any key (a cart deleted and made again does not repeat one).
    int64_t version = 0;
    // The ids of the last changes stored (at most kRememberedChanges, oldest first): a
    // change whose id is here is never applied again.
    std::vector<std::string> recent_changes;

    bool Remembers(std::string_view change_id) const;
};

inline constexpr std::size_t kRememberedChanges = 16;

// Storage port for carts: key → cart with an expiry. Updates are optimistic and carry the
// id of the change they store, so that they need no lock held across calls and are safe
// to retry (a Redis adapter does the compare-and-swap in one Lua script). Adapters:
// in-process memory (embedded) and, later, Redis. Thread-safe.
class CartStore {
  public:
    virtual ~CartStore() = default;

    // nullopt when absent or expired.
    virtual core::Result<std::optional<StoredCart>> Load(const core::RequestContext& ctx, std::string_view key,
                                                         int64_t now) = 0;
    // Stores `cart` under `key` as the change `change_id` if the stored cart is still at
    // `cart.version` (0: none, or an expired one): the stored cart gets a new version and
    // remembers `change_id` (its updated_at and expires_at are `cart`'s). Returns the
    // stored cart. A change whose id the stored cart remembers is not applied again: the
    // stored cart is returned as it is (a retried call, or the same change made twice).
    // kConflict when another change was stored first: load again, apply the change again.
    virtual core::Result<StoredCart> CompareAndSwap(const core::RequestContext& ctx, std::string_view key, int64_t now,
                                                    const StoredCart& cart, std::string_view change_id) = 0;
    // Idempotent.
    virtual core::Result<void> Delete(const core::RequestContext& ctx, std::string_view key) = 0;
};

}  // namespace emporium::cart

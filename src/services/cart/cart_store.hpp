#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
};

// Storage port for carts: key → cart with an expiry. Adapters: in-process memory
// (embedded) and, later, Redis. Thread-safe.
class CartStore {
  public:
    virtual ~CartStore() = default;

    // nullopt when absent or expired.
    virtual core::Result<std::optional<StoredCart>> Load(std::string_view key, int64_t now) = 0;
    // Atomically applies `change` to the cart under `key` (an empty cart if absent or
    // expired; `exists` tells which), then stores it with `expires_at` (an emptied cart
    // stays, so a guest's token keeps working). `change` must be quick: it runs under the
    // store's lock.
    virtual core::Result<StoredCart> Update(
        std::string_view key, int64_t now, int64_t expires_at,
        const std::function<core::Result<void>(StoredCart& cart, bool exists)>& change) = 0;
    virtual core::Result<void> Delete(std::string_view key) = 0;
};

}  // namespace emporium::cart

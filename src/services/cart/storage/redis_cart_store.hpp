#pragma once

#include <string>

#include "infra/redis/client.hpp"
#include "services/cart/cart_store.hpp"

namespace emporium::cart {

// CartStore on a Redis server, shared by every process of the deployment. A cart is one
// JSON value under "<prefix>cart:<key>"; a change is one Lua script (the compare, the
// remembered-change check and the write happen in one step on the server), and versions
// come from one counter, "<prefix>cart-version", so they are never reused under any key.
// Redis expires a cart a minute after its own expiry (the minute covers clocks of processes
// that differ a little; the cart's expiry itself is checked against the caller's `now`).
// Redis down: every call answers kUnavailable.
class RedisCartStore final : public CartStore {
  public:
    RedisCartStore(infra::redis::Client& redis, std::string prefix);

    core::Result<std::optional<StoredCart>> Load(const core::RequestContext& ctx, std::string_view key,
                                                 int64_t now) override;
    core::Result<StoredCart> CompareAndSwap(const core::RequestContext& ctx, std::string_view key, int64_t now,
                                            const StoredCart& cart, std::string_view change_id) override;
    core::Result<void> Delete(const core::RequestContext& ctx, std::string_view key) override;

  private:
    std::string KeyOf(std::string_view key) const;

    infra::redis::Client& redis_;
    std::string prefix_;
};

}  // namespace emporium::cart

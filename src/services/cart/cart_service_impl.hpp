#pragma once

#include <functional>

#include "core/clock.hpp"
#include "services/cart/cart_service.hpp"
#include "services/cart/cart_store.hpp"
#include "services/inventory/inventory_service.hpp"

namespace emporium::cart {

struct CartSettings {
    int64_t guest_ttl_seconds = 7 * 24 * 3600;
    int64_t user_ttl_seconds = 30 * 24 * 3600;
};

class CartServiceImpl final : public CartService {
  public:
    // A change that keeps losing the race to others (many tabs at once) gives up after this
    // many loads with kUnavailable.
    static constexpr int kMaxStoreAttempts = 8;

    CartServiceImpl(CartStore& store, catalog::CatalogService& catalog, inventory::InventoryService& inventory,
                    const core::Clock& clock, CartSettings settings)
        : store_(store), catalog_(catalog), inventory_(inventory), clock_(clock), settings_(settings) {}

    core::Result<Cart> GetCart(const core::RequestContext& ctx, const CartOwner& owner) override;
    core::Result<std::vector<ChosenItem>> GetChosenItems(const core::RequestContext& ctx,
                                                         const CartOwner& owner) override;
    core::Result<Cart> AddItem(const core::RequestContext& ctx, const CartOwner& owner, std::string_view sku,
                               int64_t quantity) override;
    core::Result<Cart> SetQuantity(const core::RequestContext& ctx, const CartOwner& owner, std::string_view sku,
                                   int64_t quantity) override;
    core::Result<Cart> RemoveItem(const core::RequestContext& ctx, const CartOwner& owner,
                                  std::string_view sku) override;
    core::Result<void> Clear(const core::RequestContext& ctx, const CartOwner& owner) override;
    core::Result<void> MergeGuestCart(const core::RequestContext& ctx, std::string_view guest_token,
                                      std::string_view user_id) override;

  private:
    // Where the owner's cart lives: "user:<id>" or "guest:<sha256 of token>" (the store
    // never holds a usable token). kNotFound for a malformed token.
    static core::Result<std::string> KeyFor(const CartOwner& owner);
    int64_t ExpiryFor(const CartOwner& owner, int64_t now) const;
    // The stored cart; nullopt when there is none (or it expired, or a guest has no token).
    core::Result<std::optional<StoredCart>> Load(const core::RequestContext& ctx, const CartOwner& owner);
    // Applies `change` to the cart under `key` (an empty one when there is none; `exists`
    // tells which) and stores it as the change `change_id`, again from a fresh load when
    // another change got there first.
    core::Result<StoredCart> Store(const core::RequestContext& ctx, std::string_view key, int64_t expires_at,
                                   std::string_view change_id,
                                   const std::function<core::Result<void>(StoredCart&, bool exists)>& change);
    core::Result<Cart> View(const core::RequestContext& ctx, const CartOwner& owner, const StoredCart& stored);
    core::Result<Cart> Change(const core::RequestContext& ctx, const CartOwner& owner, bool must_exist,
                              const std::function<core::Result<void>(StoredCart&)>& change);

    CartStore& store_;
    catalog::CatalogService& catalog_;
    inventory::InventoryService& inventory_;
    const core::Clock& clock_;
    CartSettings settings_;
};

}  // namespace emporium::cart

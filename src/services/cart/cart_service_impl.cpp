#include "services/cart/cart_service_impl.hpp"

#include <algorithm>

#include "core/random.hpp"
#include "core/text.hpp"

namespace emporium::cart {

using core::Error;
using core::Result;

namespace {

bool IsWellFormedToken(std::string_view token) {
    return token.size() == 43 && std::all_of(token.begin(), token.end(),
                                             [](char c) { return core::IsAsciiAlnum(c) || c == '-' || c == '_'; });
}

Error QuantityError(const std::string& message) { return Error::Invalid("quantity", message); }

}  // namespace

Result<std::string> CartServiceImpl::KeyFor(const CartOwner& owner) {
    if (owner.user_id) return "user:" + *owner.user_id;
    if (owner.guest_token && IsWellFormedToken(*owner.guest_token))
        return "guest:" + core::Sha256Hex(*owner.guest_token);
    return Error::NotFound("No such cart.");
}

int64_t CartServiceImpl::ExpiryFor(const CartOwner& owner, int64_t now) const {
    return now + (owner.user_id ? settings_.user_ttl_seconds : settings_.guest_ttl_seconds);
}

Result<Cart> CartServiceImpl::View(const core::RequestContext& ctx, const CartOwner& owner, const StoredCart& stored) {
    Cart cart;
    if (!owner.user_id) cart.guest_token = owner.guest_token;
    cart.updated_at = stored.updated_at;
    cart.expires_at = stored.expires_at;
    // Two reads for the whole cart (prices and stock), however many lines it has.
    std::vector<std::string> skus;
    for (const auto& line : stored.lines) skus.push_back(line.sku);
    EMPORIUM_ASSIGN_OR_RETURN(auto variants, catalog_.GetVariants(ctx, skus));
    EMPORIUM_ASSIGN_OR_RETURN(auto stocks, inventory_.GetStocks(ctx, skus));
    auto variant_of = catalog::IndexBySku(variants);
    for (std::size_t i = 0; i < stored.lines.size(); ++i) {
        const auto& line = stored.lines[i];
        auto found = variant_of.find(line.sku);
        if (found == variant_of.end()) continue;  // no longer sold at all
        const catalog::VariantInfo* variant = found->second;
        const inventory::Stock& stock = stocks[i];
        CartLine out;
        out.sku = line.sku;
        out.product_id = variant->product_id;
        out.product_name = variant->product_name;
        out.variant_name = variant->variant_name;
        out.quantity = line.quantity;
        out.unit_price = variant->price;
        out.line_total = catalog::Money{variant->price.amount * line.quantity, variant->price.currency};
        out.available = variant->status == catalog::ProductStatus::kActive && stock.available >= line.quantity;
        cart.item_count += line.quantity;
        if (cart.items.empty()) {
            cart.subtotal = out.line_total;
        } else if (cart.subtotal && cart.subtotal->currency == out.line_total.currency) {
            cart.subtotal->amount += out.line_total.amount;
        } else {
            cart.subtotal.reset();  // mixed currencies have no single total
        }
        cart.items.push_back(std::move(out));
    }
    return cart;
}

Result<std::optional<StoredCart>> CartServiceImpl::Load(const core::RequestContext& ctx, const CartOwner& owner) {
    if (!owner.user_id && !owner.guest_token) return std::optional<StoredCart>();  // a guest with no cart yet
    EMPORIUM_ASSIGN_OR_RETURN(std::string key, KeyFor(owner));
    return store_.Load(ctx, key, clock_.NowSeconds());
}

Result<StoredCart> CartServiceImpl::Store(const core::RequestContext& ctx, std::string_view key, int64_t expires_at,
                                          std::string_view change_id,
                                          const std::function<Result<void>(StoredCart&, bool exists)>& change) {
    // Optimistic: load, change, store if nobody stored meanwhile, else again. The change id
    // makes a store that went through but whose answer was lost harmless to repeat.
    for (int attempt = 0; attempt < kMaxStoreAttempts; ++attempt) {
        int64_t now = clock_.NowSeconds();
        EMPORIUM_ASSIGN_OR_RETURN(auto stored, store_.Load(ctx, key, now));
        if (stored && stored->Remembers(change_id)) return *stored;
        StoredCart cart = stored ? std::move(*stored) : StoredCart{};
        EMPORIUM_TRY(change(cart, stored.has_value()));
        cart.updated_at = now;
        cart.expires_at = expires_at;
        auto swapped = store_.CompareAndSwap(ctx, key, now, cart, change_id);
        if (swapped.ok()) return swapped;
        // Another change came first (kConflict), or the store did not answer (kUnavailable:
        // the swap may have happened or not — the change id makes trying again safe).
        bool again = swapped.error().code == core::ErrorCode::kConflict ||
                     (swapped.error().code == core::ErrorCode::kUnavailable && !ctx.Expired());
        if (!again) return swapped;
    }
    return Error::Unavailable("The cart is changing too often at once; try again.");
}

Result<Cart> CartServiceImpl::GetCart(const core::RequestContext& ctx, const CartOwner& owner) {
    if (!owner.user_id && !owner.guest_token) return Cart{};
    EMPORIUM_ASSIGN_OR_RETURN(auto stored, Load(ctx, owner));
    if (!stored) {
        if (!owner.user_id) return Error::NotFound("No such cart.");
        return Cart{};
    }
    return View(ctx, owner, *stored);
}

Result<std::vector<ChosenItem>> CartServiceImpl::GetChosenItems(const core::RequestContext& ctx,
                                                                const CartOwner& owner) {
    EMPORIUM_ASSIGN_OR_RETURN(auto stored, Load(ctx, owner));
    std::vector<ChosenItem> items;
    if (!stored) return items;
    items.reserve(stored->lines.size());
    for (const auto& line : stored->lines) items.push_back({line.sku, line.quantity});
    return items;
}

Result<Cart> CartServiceImpl::Change(const core::RequestContext& ctx, const CartOwner& owner, bool must_exist,
                                     const std::function<Result<void>(StoredCart&)>& change) {
    EMPORIUM_ASSIGN_OR_RETURN(std::string key, KeyFor(owner));
    std::string change_id = core::NewId("chg");
    EMPORIUM_ASSIGN_OR_RETURN(StoredCart stored, Store(ctx, key, ExpiryFor(owner, clock_.NowSeconds()), change_id,
                                                       [&](StoredCart& cart, bool exists) -> Result<void> {
                                                           if (must_exist && !exists && !owner.user_id)
                                                               return Error::NotFound("No such cart.");
                                                           return change(cart);
                                                       }));
    return View(ctx, owner, stored);
}

Result<Cart> CartServiceImpl::AddItem(const core::RequestContext& ctx, const CartOwner& owner, std::string_view sku,
                                      int64_t quantity) {
    if (quantity < 1 || quantity > kMaxQuantity) return QuantityError("must be between 1 and 99");
    auto variant = catalog_.GetVariant(ctx, sku);
    if (!variant.ok() && variant.error().code != core::ErrorCode::kNotFound) return variant.error();
    if (!variant.ok() || variant->status != catalog::ProductStatus::kActive)
        return Error::Invalid("sku", "is not a SKU that can be bought");
    CartOwner target = owner;
    bool new_guest_cart = !owner.user_id && !owner.guest_token;
    if (new_guest_cart) target.guest_token = core::RandomToken(32);
    return Change(ctx, target, !new_guest_cart, [&](StoredCart& cart) -> Result<void> {
        auto line =
            std::find_if(cart.lines.begin(), cart.lines.end(), [&](const StoredLine& l) { return l.sku == sku; });
        if (line == cart.lines.end()) {
            if (cart.lines.size() >= kMaxLines) return Error::Invalid("sku", "a cart holds at most 50 different items");
            cart.lines.push_back({std::string(sku), quantity});
            return core::Ok();
        }
        if (line->quantity + quantity > kMaxQuantity) return QuantityError("a line holds at most 99 units");
        line->quantity += quantity;
        return core::Ok();
    });
}

Result<Cart> CartServiceImpl::SetQuantity(const core::RequestContext& ctx, const CartOwner& owner, std::string_view sku,
                                          int64_t quantity) {
    if (quantity < 0 || quantity > kMaxQuantity) return QuantityError("must be between 0 and 99");
    return Change(ctx, owner, true, [&](StoredCart& cart) -> Result<void> {
        auto line =
            std::find_if(cart.lines.begin(), cart.lines.end(), [&](const StoredLine& l) { return l.sku == sku; });
        if (line == cart.lines.end()) return Error::NotFound("This item is not in the cart.");
        if (quantity == 0)
            cart.lines.erase(line);
        else
            line->quantity = quantity;
        return core::Ok();
    });
}

Result<Cart> CartServiceImpl::RemoveItem(const core::RequestContext& ctx, const CartOwner& owner,
                                         std::string_view sku) {
    return SetQuantity(ctx, owner, sku, 0);
}

Result<void> CartServiceImpl::Clear(const core::RequestContext& ctx, const CartOwner& owner) {
    if (!owner.user_id && !owner.guest_token) return core::Ok();
    EMPORIUM_TRY(Change(ctx, owner, true, [](StoredCart& cart) -> Result<void> {
        cart.lines.clear();
        return core::Ok();
    }));
    return core::Ok();
}

Result<void> CartServiceImpl::MergeGuestCart(const core::RequestContext& ctx, std::string_view guest_token,
                                             std::string_view user_id) {
    CartOwner guest{std::nullopt, std::string(guest_token)};
    auto guest_key = KeyFor(guest);
    if (!guest_key.ok()) return core::Ok();  // a malformed token has no cart to merge
    int64_t now = clock_.NowSeconds();
    EMPORIUM_ASSIGN_OR_RETURN(auto stored, store_.Load(ctx, *guest_key, now));
    if (!stored) return core::Ok();
    CartOwner user{std::string(user_id), std::nullopt};
    // Named after the guest cart's version: two logins at once with the same guest cart
    // make the same change, and it is merged once.
    std::string change_id = "merge:" + *guest_key + ":" + std::to_string(stored->version);
    EMPORIUM_TRY(Store(ctx, "user:" + std::string(user_id), ExpiryFor(user, now), change_id,
                       [&](StoredCart& cart, bool) -> Result<void> {
                           for (const auto& incoming : stored->lines) {
                               auto line = std::find_if(cart.lines.begin(), cart.lines.end(),
                                                        [&](const StoredLine& l) { return l.sku == incoming.sku; });
                               if (line != cart.lines.end()) {
                                   line->quantity = std::min(kMaxQuantity, line->quantity + incoming.quantity);
                               } else if (cart.lines.size() < kMaxLines) {
                                   cart.lines.push_back(incoming);
                               }
                           }
                           return core::Ok();
                       }));
    return store_.Delete(ctx, *guest_key);
}

}  // namespace emporium::cart

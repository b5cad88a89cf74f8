#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/request_context.hpp"
#include "core/result.hpp"
#include "services/catalog/catalog_service.hpp"

namespace emporium::cart {

// Whose cart: a signed-in user's (ctx.principal) or a guest's, by token.
struct CartOwner {
    std::optional<std::string> user_id;
    std::optional<std::string> guest_token;
};

struct CartLine {
    std::string sku;
    std::string product_id;
    std::string product_name;
    std::string variant_name;
    int64_t quantity = 0;
    catalog::Money unit_price;  // the catalog's current price
    catalog::Money line_total;
    bool available = false;  // enough stock right now (checked again at checkout)
};

// A line as the shopper chose it: what and how many, without price or stock.
struct ChosenItem {
    std::string sku;
    int64_t quantity = 0;
};

struct Cart {
    std::optional<std::string> guest_token;  // set for guest carts
    std::vector<CartLine> items;
    int64_t item_count = 0;
    std::optional<catalog::Money> subtotal;  // none when empty (or mixed currencies)
    int64_t updated_at = 0;                  // 0: never stored
    int64_t expires_at = 0;
};

inline constexpr int64_t kMaxQuantity = 99;
inline constexpr std::size_t kMaxLines = 50;

// The cart service: carts of users and guests with a time to live; prices and
// availability come from the catalog and inventory at read time. Blocking; thread-safe.
// Errors: kNotFound for an unknown guest token or a line not in the cart;
// kInvalidArgument for quantities, limits and SKUs that cannot be bought.
class CartService {
  public:
    virtual ~CartService() = default;

    virtual core::Result<Cart> GetCart(const core::RequestContext& ctx, const CartOwner& owner) = 0;
    // The cart's lines in the order they were added, without reading prices or stock: for
    // checkout, which prices the order from the catalog itself. Empty for no cart.
    virtual core::Result<std::vector<ChosenItem>> GetChosenItems(const core::RequestContext& ctx,
                                                                 const CartOwner& owner) = 0;
    // Adds `quantity` of `sku`; a guest without a token gets a new cart (its token is in
    // the result).
    virtual core::Result<Cart> AddItem(const core::RequestContext& ctx, const CartOwner& owner, std::string_view sku,
                                       int64_t quantity) = 0;
    // 0 removes the line.
    virtual core::Result<Cart> SetQuantity(const core::RequestContext& ctx, const CartOwner& owner,
                                           std::string_view sku, int64_t quantity) = 0;
    virtual core::Result<Cart> RemoveItem(const core::RequestContext& ctx, const CartOwner& owner,
                                          std::string_view sku) = 0;
    virtual core::Result<void> Clear(const core::RequestContext& ctx, const CartOwner& owner) = 0;
    // Moves a guest cart's lines into the user's cart (quantities add up, capped) and
    // deletes the guest cart. An unknown token is not an error.
    virtual core::Result<void> MergeGuestCart(const core::RequestContext& ctx, std::string_view guest_token,
                                              std::string_view user_id) = 0;
};

}  // namespace emporium::cart

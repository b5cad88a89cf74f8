import {ApiError, cart as loadCart, request, session} from "./api.js";
import {h, money, replace} from "./dom.js";
import {notice, title} from "./components.js";

export async function render(ctx) {
  const {main, current} = ctx;
  const cart = await loadCart();
  if (!current) return;
  title("Your cart");
  draw(ctx, cart, null);
}

function draw(ctx, cart, message) {
  const {main} = ctx;
  const update = async (method, sku, body) => {
    try {
      const {data} = await request(method, `/api/v1/cart/items/${encodeURIComponent(sku)}`, {body});
      draw(ctx, data, null);
    } catch (error) {
      draw(ctx, await loadCart(), error instanceof ApiError ? Object.values(error.fields)[0] || error.message
        : "Could not reach the shop; try again.");
    }
    ctx.refreshCart();
  };
  if (!cart.items.length) {
    replace(main, h("h1", {}, "Your cart"), message ? notice(message, "error") : null,
      h("p", {}, "Your cart is empty. ", h("a", {href: "/"}, "Continue shopping")));
    return;
  }
  const unavailable = cart.items.some((item) => !item.available);
  replace(main,
    h("h1", {}, "Your cart"),
    message ? notice(message, "error") : null,
    h("table", {class: "cart-table"},
      h("caption", {class: "visually-hidden"}, "Items in your cart"),
      h("thead", {}, h("tr", {},
        h("th", {scope: "col"}, "Product"), h("th", {scope: "col"}, "Price"), h("th", {scope: "col"}, "Quantity"),
        h("th", {scope: "col"}, "Total"), h("th", {scope: "col"}, h("span", {class: "visually-hidden"}, "Actions")))),
      h("tbody", {}, cart.items.map((item, i) => {
        const quantity = h("input", {type: "number", min: "0", max: "99", value: String(item.quantity),
          id: `qty-${i}`, inputmode: "numeric", class: "qty",
          on: {change: () => update("PATCH", item.sku, {quantity: Number(quantity.value) || 0})}});
        return h("tr", {},
          h("td", {"data-label": "Product"},
            h("a", {href: `/products/${encodeURIComponent(item.product_id)}`}, item.product_name),
            item.variant_name ? h("span", {class: "variant-name"}, ` — ${item.variant_name}`) : null,
            item.available ? null : h("span", {class: "stock out"}, " Out of stock")),
          h("td", {"data-label": "Price"}, money(item.unit_price)),
          h("td", {"data-label": "Quantity"},
            h("label", {for: `qty-${i}`, class: "visually-hidden"}, `Quantity of ${item.product_name}`), quantity),
          h("td", {"data-label": "Total"}, money(item.line_total)),
          h("td", {}, h("button", {type: "button", class: "link-button",
            "aria-label": `Remove ${item.product_name}`, on: {click: () => update("DELETE", item.sku)}}, "Remove")));
      }))),
    h("p", {class: "subtotal"}, "Subtotal: ", h("strong", {id: "cart-subtotal"}, money(cart.subtotal))),
    unavailable ? notice("Some items are out of stock; remove them to check out.", "error") : null,
    h("p", {}, h("a", {class: "button primary", href: session.user ? "/checkout" : "/signin?next=/checkout"},
      session.user ? "Check out" : "Sign in to check out")));
}

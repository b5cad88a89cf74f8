import {ApiError, addToCart, get, query, request} from "./api.js";
import {h, money, replace} from "./dom.js";
import {notice, productGrid, title} from "./components.js";

export async function render(ctx) {
  const {main, params: [idOrSlug], current} = ctx;
  let product;
  try {
    product = await get(`/api/v1/products/${encodeURIComponent(idOrSlug)}`);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    if (!current) return;
    title("Product not found");
    replace(main, h("h1", {}, "Product not found"),
      h("p", {}, "This product does not exist or is no longer sold. ", h("a", {href: "/"}, "Back to the home page")));
    return;
  }
  if (!current) return;
  title(product.name);

  const multiple = product.variants.length > 1;
  let chosen = product.variants[0];
  const price = h("p", {class: "price big", id: "product-price"}, money(chosen.price));
  const stock = h("p", {class: "stock", id: "stock-state", role: "status"});
  const message = h("div", {id: "add-message"});
  const quantity = h("input", {type: "number", id: "quantity", name: "quantity", min: "1", max: "99", value: "1",
    inputmode: "numeric"});
  const variants = multiple
    ? h("fieldset", {class: "variants"}, h("legend", {}, "Choose an option"),
      product.variants.map((variant, i) => h("div", {class: "variant"},
        h("input", {type: "radio", name: "variant", id: `variant-${i}`, value: variant.sku, checked: i === 0,
          on: {change: () => { chosen = variant; price.textContent = money(variant.price); }}}),
        h("label", {for: `variant-${i}`}, variant.name || variant.sku, " — ", money(variant.price)))))
    : null;
  const form = h("form", {class: "buy", on: {submit: async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    replace(message);
    try {
      const cart = await addToCart(chosen.sku, Number(quantity.value) || 1);
      const line = cart.items.find((item) => item.sku === chosen.sku);
      replace(message, h("p", {class: "notice success", role: "status"}, "Added to your cart. ",
        h("a", {href: "/cart"}, "View cart"),
        line && !line.available ? " (this item is currently out of stock)" : ""));
      ctx.refreshCart();
    } catch (error) {
      replace(message, notice(error instanceof ApiError ? Object.values(error.fields)[0] || error.message
        : "Could not reach the shop. Check your connection and try again.", "error"));
    } finally {
      button.disabled = false;
    }
  }}},
  variants,
  h("div", {class: "field"}, h("label", {for: "quantity"}, "Quantity"), quantity),
  h("button", {type: "submit", class: "primary"}, "Add to cart"));

  const recommendations = h("div", {id: "recommendations"});
  const attributes = Object.entries(product.attributes || {}).filter(([, v]) => typeof v !== "object");
  replace(main,
    h("article", {class: "product"},
      h("div", {class: "product-art", "aria-hidden": "true"}, product.name.trim().charAt(0).toUpperCase()),
      h("div", {class: "product-info"},
        h("h1", {}, product.name),
        price, stock,
        form, message,
        product.description ? h("section", {}, h("h2", {}, "Description"), h("p", {class: "description"},
          product.description)) : null,
        attributes.length ? h("section", {}, h("h2", {}, "Details"), h("dl", {class: "attributes"},
          attributes.map(([key, value]) => [h("dt", {}, key), h("dd", {}, String(value))]))) : null)),
    recommendations);

  // Secondary: drawn when they arrive, never holding up the page.
  showStock(product, stock, ctx);
  showRecommendations(product, recommendations, ctx);
}

// The API tells a product's stock through search (in_stock per product); a product the
// index has not seen yet shows no stock line rather than a guess.
async function showStock(product, element, ctx) {
  try {
    const results = await get(`/api/v1/search${query({q: product.name.slice(0, 200), limit: 20})}`);
    const hit = results.items.find((item) => item.id === product.id);
    if (!hit || !ctx.current) return;
    element.textContent = hit.in_stock ? "In stock" : "Out of stock";
    element.className = hit.in_stock ? "stock in" : "stock out";
  } catch { /* no stock line */ }
}

async function showRecommendations(product, element, ctx) {
  try {
    const {data, headers} = await request("GET",
      `/api/v1/products/${encodeURIComponent(product.id)}/recommendations?limit=8`);
    // Hidden when the recommender is down or has nothing to say.
    if (!ctx.current || headers.get("X-Recommendations") === "unavailable" || !data.items.length) return;
    replace(element, h("section", {"aria-labelledby": "recommendations-heading"},
      h("h2", {id: "recommendations-heading"}, "Customers also bought"),
      productGrid(data.items, "Recommended products")));
  } catch { /* hidden */ }
}

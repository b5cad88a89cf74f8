// Pieces several pages draw.
import {h, money} from "./dom.js";

export function productHref(product) {
  return `/products/${encodeURIComponent(product.slug || product.id)}`;
}

// A product in a list: name and price, the whole card one link.
export function productCard(product, extra = null) {
  return h("li", {class: "card"},
    h("a", {href: productHref(product), class: "card-link"},
      h("span", {class: "card-art", "aria-hidden": "true"}, (product.name || "?").trim().charAt(0).toUpperCase()),
      h("span", {class: "card-name"}, product.name),
      h("span", {class: "price"}, product.price_from ? ["from ", money(product.price_from)] : "")),
    extra);
}

export function productGrid(products, label) {
  return h("ul", {class: "grid", "aria-label": label}, products.map((product) => productCard(product)));
}

export function notice(text, kind = "info") {
  return h("p", {class: `notice ${kind}`, role: kind === "error" ? "alert" : "status"}, text);
}

export function title(text) {
  document.title = text ? `${text} — Emporium` : "Emporium";
}

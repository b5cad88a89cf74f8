// The site header: brand, search with autocomplete, cart and account links.
import {get, query} from "./api.js";
import {h, replace} from "./dom.js";

const header = document.getElementById("site-header");
let cartCount = null;

export function updateCartCount(count) {
  cartCount = count;
  const badge = document.getElementById("cart-count");
  if (badge) badge.textContent = count ? `(${count})` : "";
  const link = document.getElementById("cart-link");
  if (link) link.setAttribute("aria-label", count ? `Cart, ${count} items` : "Cart");
}

export function renderHeader(ctx) {
  const account = ctx.user
    ? [
      h("a", {href: "/account/orders"}, "My orders"),
      h("span", {class: "who"}, "Signed in as ", ctx.user.name || ctx.user.email),
      h("button", {type: "button", class: "link-button", on: {click: () => ctx.signOut()}}, "Sign out"),
    ]
    : [h("a", {href: "/signin"}, "Sign in"), h("a", {href: "/signup"}, "Sign up")];
  replace(header,
    h("div", {class: "header-inner"},
      h("a", {href: "/", class: "brand"}, "Emporium"),
      searchBox(ctx),
      h("nav", {"aria-label": "Account"},
        h("a", {href: "/cart", id: "cart-link"}, "Cart ", h("span", {id: "cart-count"})),
        account)));
  updateCartCount(cartCount);
}

// A combobox (WAI-ARIA 1.2 pattern): suggestions under the field, arrow keys to move,
// Enter to open one, Escape to close; Enter without a choice searches.
function searchBox(ctx) {
  const input = h("input", {
    type: "search", id: "search-input", name: "q", value: ctx.query, autocomplete: "off", role: "combobox",
    "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": "search-suggestions",
    placeholder: "Search products", maxlength: "200",
  });
  const list = h("ul", {id: "search-suggestions", role: "listbox", class: "suggestions", hidden: true,
    "aria-label": "Suggestions"});
  let active = -1;
  let timer = null;
  let asked = 0;

  const options = () => [...list.querySelectorAll("[role=option]")];
  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };
  const highlight = (index) => {
    const all = options();
    all.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    active = index;
    if (index >= 0) input.setAttribute("aria-activedescendant", all[index].id);
    else input.removeAttribute("aria-activedescendant");
  };
  const suggest = async () => {
    const q = input.value.trim();
    const ticket = ++asked;
    if (!q) return close();
    let page;
    try {
      page = await get(`/api/v1/search/suggest${query({q, limit: 8})}`);
    } catch {
      return close();  // suggestions are a help, not the search: the form still works
    }
    if (ticket !== asked) return;
    replace(list, page.items.map((item, i) =>
      h("li", {id: `suggestion-${i}`, role: "option", "aria-selected": "false", "data-slug": item.slug,
        on: {mousedown: (event) => { event.preventDefault(); open(item.slug); }}}, item.text)));
    if (page.items.length) {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    } else {
      close();
    }
    active = -1;
  };
  const open = (slug) => {
    close();
    ctx.navigate(`/products/${encodeURIComponent(slug)}`);
  };

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, 150);
  });
  input.addEventListener("keydown", (event) => {
    const all = options();
    if (event.key === "ArrowDown" && all.length) {
      event.preventDefault();
      if (list.hidden) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
      highlight((active + 1) % all.length);
    } else if (event.key === "ArrowUp" && all.length) {
      event.preventDefault();
      highlight(active <= 0 ? all.length - 1 : active - 1);
    } else if (event.key === "Escape") {
      close();
    } else if (event.key === "Enter" && active >= 0 && !list.hidden) {
      event.preventDefault();
      open(all[active].dataset.slug);
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 100));

  const form = h("form", {role: "search", class: "search-form", action: "/search",
    on: {submit: (event) => {
      event.preventDefault();
      close();
      ctx.navigate(`/search${query({q: input.value.trim()})}`);
    }}},
  h("label", {for: "search-input", class: "visually-hidden"}, "Search products"),
  h("div", {class: "combo"}, input, list),
  h("button", {type: "submit"}, "Search"));
  return form;
}

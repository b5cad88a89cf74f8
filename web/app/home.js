import {request} from "./api.js";
import {h, replace} from "./dom.js";
import {productGrid, title} from "./components.js";

export async function render({main, current}) {
  const {data: home, headers} = await request("GET", "/api/v1/home");
  if (!current) return;
  title("");
  // Trending comes from the recommender: when it is down the section is left out, not shown empty.
  const trending = headers.get("X-Recommendations") === "unavailable" ? [] : home.trending;
  replace(main,
    h("h1", {}, "Welcome to Emporium"),
    home.featured_categories.length ? h("section", {"aria-labelledby": "featured-heading"},
      h("h2", {id: "featured-heading"}, "Shop by category"),
      h("ul", {class: "chips"}, home.featured_categories.map((category) =>
        h("li", {}, h("a", {href: `/categories/${encodeURIComponent(category.slug)}`, class: "chip"},
          category.name, h("span", {class: "count"}, ` ${category.product_count} products`)))))) : null,
    trending.length ? h("section", {"aria-labelledby": "trending-heading"},
      h("h2", {id: "trending-heading"}, "Trending now"), productGrid(trending, "Trending products")) : null,
    h("section", {"aria-labelledby": "new-heading"},
      h("h2", {id: "new-heading"}, "New arrivals"), productGrid(home.new_arrivals, "New arrivals")));
}

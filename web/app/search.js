import {get, query} from "./api.js";
import {h, money, replace, snippet} from "./dom.js";
import {notice, productHref, title} from "./components.js";
import {filterForm, pager} from "./filters.js";

const SORTS = [["relevance", "Relevance"], ["newest", "Newest"], ["price_asc", "Price: low to high"],
  ["price_desc", "Price: high to low"]];
const KEYS = ["q", "category", "price_min", "price_max", "in_stock", "sort", "cursor"];

export async function render(ctx) {
  const {main, url, current} = ctx;
  const params = Object.fromEntries(KEYS.map((key) => [key, url.searchParams.get(key) || ""]));
  const results = await get(`/api/v1/search${query({...params, limit: 20})}`);
  // Nothing found and no spelling the index knows: offer names that start like the words typed.
  let suggestions = [];
  if (!results.total && !results.did_you_mean && params.q) {
    suggestions = (await get(`/api/v1/search/suggest${query({q: params.q.slice(0, 100), limit: 5})}`)
      .catch(() => ({items: []}))).items;
  }
  if (!current) return;
  title(params.q ? `Search: ${params.q}` : "All products");
  const link = (changes) => `/search${query({...params, cursor: "", ...changes})}`;
  const facets = results.facets || {categories: [], price: []};
  replace(main,
    h("h1", {}, params.q ? ["Results for “", params.q, "”"] : "All products"),
    h("p", {class: "result-count", role: "status"}, `${results.total} ${results.total === 1 ? "product" : "products"}`),
    results.did_you_mean ? h("p", {class: "did-you-mean"}, "Did you mean ",
      h("a", {href: link({q: results.did_you_mean})}, results.did_you_mean), "?") : null,
    suggestions.length ? h("div", {class: "did-you-mean"}, h("p", {}, "Did you mean one of these?"),
      h("ul", {}, suggestions.map((s) => h("li", {}, h("a", {href: productHref(s)}, s.text))))) : null,
    h("div", {class: "listing"},
      h("aside", {class: "facets", "aria-label": "Refine"},
        filterForm({url, navigate: ctx.navigate, sorts: SORTS, inStock: true,
          keep: {q: params.q, category: params.category}}),
        facets.categories.length ? h("section", {},
          h("h2", {}, "Category"),
          h("ul", {class: "facet-list"},
            params.category ? h("li", {}, h("a", {href: link({category: ""})}, "Any category")) : null,
            facets.categories.slice(0, 12).map((c) => h("li", {},
              h("a", {href: link({category: c.slug}), "aria-current": params.category === c.slug ? "true" : null},
                c.name, h("span", {class: "count"}, ` (${c.count})`)))))) : null,
        facets.price.some((b) => b.count) ? h("section", {},
          h("h2", {}, "Price"),
          h("ul", {class: "facet-list"}, facets.price.filter((b) => b.count).map((b) => h("li", {},
            h("a", {href: link({price_min: b.min, price_max: b.max === null ? "" : b.max - 1})},
              priceRange(b), h("span", {class: "count"}, ` (${b.count})`)))))) : null),
      h("div", {class: "results"},
        results.items.length ? h("ul", {class: "hits", "aria-label": "Search results"}, results.items.map(hit))
          : notice("No products match. Try fewer words or other filters."),
        pager({url, nextCursor: results.next_cursor}))));
}

function priceRange(bucket) {
  const currency = "USD";
  if (bucket.max === null) return `${money({amount: bucket.min, currency})} and up`;
  return `${money({amount: bucket.min, currency})} – ${money({amount: bucket.max, currency})}`;
}

function hit(item) {
  return h("li", {class: "hit"},
    h("a", {href: productHref(item), class: "hit-name"}, item.name),
    h("span", {class: "price"}, "from ", money(item.price_from)),
    h("span", {class: item.in_stock ? "stock in" : "stock out"}, item.in_stock ? "In stock" : "Out of stock"),
    item.snippet ? h("p", {class: "snippet"}, snippet(item.snippet)) : null);
}

import {get, query} from "./api.js";
import {h, replace} from "./dom.js";
import {notice, productGrid, title} from "./components.js";
import {filterForm, pager} from "./filters.js";

const SORTS = [["newest", "Newest"], ["price_asc", "Price: low to high"], ["price_desc", "Price: high to low"],
  ["name_asc", "Name"]];

export async function render(ctx) {
  const {main, params: [slug], url, current} = ctx;
  const q = url.searchParams;
  const [category, all, page] = await Promise.all([
    get(`/api/v1/categories/${encodeURIComponent(slug)}`),
    get("/api/v1/categories"),
    get(`/api/v1/products${query({category: slug, sort: q.get("sort"), price_min: q.get("price_min"),
      price_max: q.get("price_max"), cursor: q.get("cursor"), limit: 24})}`),
  ]).catch((error) => {
    if (error.status === 404) return [null, null, null];
    throw error;
  });
  if (!current) return;
  if (!category) {
    title("Category not found");
    replace(main, h("h1", {}, "Category not found"),
      h("p", {}, "There is no category called ", h("code", {}, slug), ". ", h("a", {href: "/"}, "Back to the home page")));
    return;
  }
  title(category.name);
  const parent = all.items.find((c) => c.id === category.parent_id);
  const children = all.items.filter((c) => c.parent_id === category.id);
  replace(main,
    parent ? h("nav", {"aria-label": "Breadcrumb", class: "breadcrumb"},
      h("a", {href: `/categories/${encodeURIComponent(parent.slug)}`}, parent.name), " / ", category.name) : null,
    h("h1", {}, category.name),
    children.length ? h("ul", {class: "chips", "aria-label": "Sub-categories"}, children.map((child) =>
      h("li", {}, h("a", {class: "chip", href: `/categories/${encodeURIComponent(child.slug)}`}, child.name)))) : null,
    h("div", {class: "listing"},
      filterForm({url, navigate: ctx.navigate, sorts: SORTS}),
      h("div", {class: "results"},
        page.items.length ? productGrid(page.items, `Products in ${category.name}`)
          : notice("No products match these filters."),
        pager({url, nextCursor: page.next_cursor}))));
}

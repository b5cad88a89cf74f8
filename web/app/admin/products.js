// The catalog as operators see it: every status, filtered by status, a page at a time.
import {get, query} from "../api.js";
import {dateTime, field, h, money, replace, statusLabel} from "../dom.js";
import {title} from "../components.js";
import {formQuery, pager, table} from "./common.js";

const STATUSES = ["", "active", "draft", "archived"];

export async function render(ctx) {
  title("Products — Admin");
  const status = ctx.query.get("status") || "";
  const list = await get(`/api/v1/admin/products${query({status, cursor: ctx.query.get("cursor"), limit: 20})}`);
  if (!ctx.current) return;
  const filter = field("Status", {name: "status"}, {options: STATUSES.map((value) =>
    h("option", {value, selected: value === status}, value ? statusLabel(value) : "Any"))});
  const form = h("form", {class: "filters", role: "search", on: {submit: (event) => {
    event.preventDefault();
    ctx.navigate(`/admin/products${formQuery(form)}`);
  }}}, filter.wrapper, h("button", {type: "submit"}, "Filter"));
  replace(ctx.main,
    h("div", {class: "admin-heading"}, h("h1", {}, "Products"),
      h("a", {href: "/admin/products/new", class: "button primary"}, "New product")),
    form,
    list.items.length
      ? table("Products", ["Name", "Status", "Variants", "Price from", "Updated"], list.items.map((p) => [
        h("a", {href: `/admin/products/${encodeURIComponent(p.id)}`}, p.name),
        h("span", {class: `tag tag-${p.status}`}, statusLabel(p.status)),
        String(p.variants.length), money(p.price_from), dateTime(p.updated_at)]), {id: "products"})
      : h("p", {}, "No products match."),
    pager(ctx.url, list.next_cursor));
}

// The filter form shared by category and search pages: sort, a price range, and (where the
// API can filter on it) in stock only. It navigates to the same page with the new query,
// so a filtered list has its own URL.
import {h, field, majorUnits, minorUnits} from "./dom.js";
import {query} from "./api.js";

export function filterForm({url, navigate, sorts, inStock = false, keep = {}}) {
  const params = url.searchParams;
  const sort = field("Sort by", {name: "sort"}, {
    options: sorts.map(([value, label]) => h("option", {value, selected: params.get("sort") === value}, label)),
  });
  const min = field("Min price", {name: "price_min", type: "number", min: "0", step: "0.01", inputmode: "decimal",
    value: params.get("price_min") ? majorUnits(Number(params.get("price_min"))) : ""});
  const max = field("Max price", {name: "price_max", type: "number", min: "0", step: "0.01", inputmode: "decimal",
    value: params.get("price_max") ? majorUnits(Number(params.get("price_max"))) : ""});
  const stock = inStock
    ? h("div", {class: "field checkbox"},
      h("input", {type: "checkbox", id: "in-stock", name: "in_stock", checked: params.get("in_stock") === "true"}),
      h("label", {for: "in-stock"}, "In stock only"))
    : null;
  const form = h("form", {class: "filters", "aria-label": "Filters", on: {submit: (event) => {
    event.preventDefault();
    const next = {
      ...keep,
      sort: sort.control.value,
      price_min: minorUnits(min.control.value) ?? "",
      price_max: minorUnits(max.control.value) ?? "",
      in_stock: stock && form.querySelector("#in-stock").checked ? "true" : "",
    };
    navigate(`${url.pathname}${query(next)}`);
  }}}, sort.wrapper, min.wrapper, max.wrapper, stock, h("button", {type: "submit"}, "Apply"));
  // Changing the order applies at once; prices wait for the button (typing is not choosing).
  sort.control.addEventListener("change", () => form.requestSubmit());
  return form;
}

export function pager({url, nextCursor, navigateLabel = "Next page"}) {
  const params = new URLSearchParams(url.searchParams);
  const links = [];
  if (params.get("cursor")) {
    const first = new URLSearchParams(params);
    first.delete("cursor");
    const text = first.toString();
    links.push(h("a", {href: `${url.pathname}${text ? `?${text}` : ""}`}, "First page"));
  }
  if (nextCursor) {
    params.set("cursor", nextCursor);
    links.push(h("a", {href: `${url.pathname}?${params}`, rel: "next"}, navigateLabel));
  }
  return links.length ? h("nav", {class: "pager", "aria-label": "Pages"}, links) : null;
}

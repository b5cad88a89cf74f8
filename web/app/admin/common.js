// Pieces the console's pages share: tables, paging, problems as messages, numbers.
import {ApiError} from "../api.js";
import {h} from "../dom.js";
import {notice} from "../components.js";

// A table with a header row; `rows` are arrays of cells (text or nodes).
export function table(caption, headings, rows, attrs = {}) {
  return h("table", {class: "admin-table", ...attrs},
    h("caption", {class: "visually-hidden"}, caption),
    h("thead", {}, h("tr", {}, headings.map((text) => h("th", {scope: "col"}, text)))),
    h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((cell) => h("td", {}, cell))))));
}

// What went wrong, in words an operator can act on; field errors of a problem listed.
export function problem(error, what) {
  if (!(error instanceof ApiError)) return notice(`${what}: the server could not be reached.`, "error");
  const lines = (error.problem.errors || []).map((e) => h("li", {}, `${e.field}: ${e.message}`));
  return h("div", {class: "notice error", role: "alert"},
    h("p", {}, `${what}: ${error.message}`),
    lines.length ? h("ul", {}, lines) : null);
}

// A route another branch of the server may not have yet: a 404 naming no resource.
export function missingRoute(error) {
  return error instanceof ApiError && (error.status === 405 ||
    (error.status === 404 && /No resource at this path/i.test(error.problem.detail || "")));
}

// Links to the first and the next page; the cursor lives in the URL so a reload keeps the page.
export function pager(url, nextCursor) {
  const first = new URL(url);
  first.searchParams.delete("cursor");
  const next = new URL(url);
  if (nextCursor) next.searchParams.set("cursor", nextCursor);
  return h("nav", {class: "pager", "aria-label": "Pages"},
    url.searchParams.get("cursor") ? h("a", {href: first.pathname + first.search}, "First page") : null,
    nextCursor ? h("a", {href: next.pathname + next.search, rel: "next"}, "Next page") : null);
}

// The query of a filter form: its named fields, empties dropped, back to page one.
export function formQuery(form) {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form)) if (String(value).trim()) params.set(name, String(value).trim());
  const text = params.toString();
  return text ? `?${text}` : "";
}

export function number(value, digits = 1) {
  if (value === null || value === undefined) return "—";
  return Number(value).toLocaleString(undefined, {maximumFractionDigits: digits});
}

export function percent(value) {
  if (value === null || value === undefined) return "—";
  return `${(Number(value) * 100).toLocaleString(undefined, {maximumFractionDigits: 1})} %`;
}

// A button that is disabled while its action runs (no double submits).
export async function busy(button, action) {
  button.disabled = true;
  try {
    return await action();
  } finally {
    button.disabled = false;
  }
}

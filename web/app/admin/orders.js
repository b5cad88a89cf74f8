// Every customer's orders, newest first: by status, customer (email) or order id, and dates.
import {get, query} from "../api.js";
import {dateTime, field, h, money, replace, statusLabel} from "../dom.js";
import {notice, title} from "../components.js";
import {formQuery, missingRoute, pager, table} from "./common.js";

const STATUSES = ["", "PENDING_PAYMENT", "PAYMENT_PENDING", "PAID", "FULFILLING", "SHIPPED", "DELIVERED", "CANCELLED",
  "REFUNDED"];

// A day typed in the form as the instants the API filters by (the "to" day included).
function dayStart(day, plus = 0) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day || "")) return undefined;
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + plus);
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export async function render(ctx) {
  title("Orders — Admin");
  const q = ctx.query;
  const status = q.get("status") || "";
  let list;
  try {
    list = await get(`/api/v1/admin/orders${query({status, q: q.get("q"), user_id: q.get("user_id"), created_after: dayStart(q.get("from")),
      created_before: dayStart(q.get("to"), 1), cursor: q.get("cursor"), limit: 20})}`);
  } catch (error) {
    if (!missingRoute(error)) throw error;
    if (!ctx.current) return;
    replace(ctx.main, h("h1", {}, "Orders"), notice("This server does not list orders for operators yet.", "error"));
    return;
  }
  if (!ctx.current) return;
  const statusField = field("Status", {name: "status"}, {options: STATUSES.map((value) =>
    h("option", {value, selected: value === status}, value ? statusLabel(value) : "Any"))});
  const customer = field("Customer email or order id", {name: "q", type: "search", maxlength: "254",
    value: q.get("q") || ""});
  const from = field("Placed from", {name: "from", type: "date", value: q.get("from") || ""});
  const to = field("Placed until", {name: "to", type: "date", value: q.get("to") || ""});
  const form = h("form", {class: "filters", role: "search", on: {submit: (event) => {
    event.preventDefault();
    ctx.navigate(`/admin/orders${formQuery(form)}`);
  }}}, statusField.wrapper, customer.wrapper, from.wrapper, to.wrapper,
  q.get("user_id") ? h("input", {type: "hidden", name: "user_id", value: q.get("user_id")}) : null,
  h("button", {type: "submit"}, "Filter"));
  replace(ctx.main, h("h1", {}, "Orders"), form,
    q.get("user_id") ? h("p", {}, `Orders of customer ${q.get("user_id")}. `, h("a", {href: "/admin/orders"}, "All orders"))
      : null,
    list.items.length
      ? table("Orders", ["Order", "Status", "Items", "Total", "Placed"], list.items.map((o) => [
        h("a", {href: `/admin/orders/${encodeURIComponent(o.id)}`, class: "order-id"}, o.id),
        h("span", {"data-status": o.status}, statusLabel(o.status)), String(o.item_count), money(o.total),
        dateTime(o.created_at)]), {id: "orders"})
      : h("p", {}, "No orders match."),
    pager(ctx.url, list.next_cursor));
}

// A SKU's stock and its audit trail (every adjustment, who made it and why), with the form
// to adjust it.
import {ApiError, get, query, request} from "../api.js";
import {dateTime, field, h, replace, showFieldError} from "../dom.js";
import {notice, title} from "../components.js";
import {busy, pager, problem, table} from "./common.js";

export async function render(ctx) {
  const [sku] = ctx.params;
  const base = `/api/v1/admin/inventory/${encodeURIComponent(sku)}`;
  let stock;
  let adjustments;
  try {
    [stock, adjustments] = await Promise.all([get(base),
      get(`${base}/adjustments${query({limit: 50, cursor: ctx.query.get("cursor")})}`)]);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    if (!ctx.current) return;
    title("Unknown SKU — Admin");
    replace(ctx.main, h("h1", {}, "Unknown SKU"), h("p", {}, `No variant in the catalog has the SKU ${sku}.`));
    return;
  }
  if (!ctx.current) return;
  title(`Stock of ${sku} — Admin`);

  const delta = field("Change", {name: "delta", type: "number", required: true, step: "1", min: "-1000000",
    max: "1000000"}, {hint: "Units to add (e.g. 20) or to remove (e.g. -3)."});
  const reason = field("Reason", {name: "reason", required: true, maxlength: "200"},
    {hint: "Kept in the audit trail, e.g. \"delivery from supplier\" or \"damaged in the warehouse\"."});
  const message = h("div", {id: "adjust-message"});
  const submit = h("button", {type: "submit", class: "primary"}, "Adjust stock");
  const form = h("form", {class: "admin-form narrow", on: {submit: async (event) => {
    event.preventDefault();
    replace(message);
    const value = Number(delta.control.value);
    showFieldError(delta, Number.isInteger(value) && value !== 0 ? "" : "A whole number other than 0.");
    showFieldError(reason, reason.control.value.trim() ? "" : "Say why, for the audit trail.");
    if (!Number.isInteger(value) || value === 0 || !reason.control.value.trim()) return;
    await busy(submit, async () => {
      try {
        await request("POST", `${base}/adjustments`, {body: {delta: value, reason: reason.control.value.trim()}});
        if (!ctx.current) return;
        await render(ctx);
        replace(ctx.main.querySelector("#adjust-message"), notice("Stock adjusted.", "success"));
      } catch (error) {
        replace(message, error instanceof ApiError && error.status === 409
          ? notice("Not adjusted: the available stock would go below zero.", "error")
          : problem(error, "Not adjusted"));
      }
    });
  }}}, delta.wrapper, reason.wrapper, submit);

  replace(ctx.main,
    h("p", {class: "breadcrumb"}, h("a", {href: "/admin/products"}, "Products")),
    h("h1", {}, "Stock of ", h("span", {class: "order-id"}, sku)),
    h("dl", {class: "attributes", id: "stock"},
      h("dt", {}, "Available"), h("dd", {id: "stock-available"}, String(stock.available)),
      h("dt", {}, "Reserved"), h("dd", {}, String(stock.reserved)),
      h("dt", {}, "Sold"), h("dd", {}, String(stock.sold)),
      h("dt", {}, "Updated"), h("dd", {}, dateTime(stock.updated_at))),
    h("h2", {}, "Adjust"), message, form,
    h("h2", {}, "Audit trail"),
    adjustments.items.length ? table("Adjustments, newest first", ["When", "Change", "Available after", "Reason", "By"],
      adjustments.items.map((a) => [dateTime(a.created_at), a.delta > 0 ? `+${a.delta}` : String(a.delta),
        String(a.available_after), a.reason, a.actor_id]), {id: "adjustments"})
      : h("p", {}, "No adjustments yet."),
    pager(ctx.url, adjustments.next_cursor));
}

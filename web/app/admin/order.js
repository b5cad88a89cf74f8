// One order as operators see it: its history (with who made each change), payment and
// shipment, and what may be done to it now: cancel, refund, or record a carrier's scan.
import {ApiError, get, request} from "../api.js";
import {dateTime, field, h, money, replace, statusLabel} from "../dom.js";
import {notice, title} from "../components.js";
import {busy, missingRoute, problem} from "./common.js";

const CANCELLABLE = new Set(["PENDING_PAYMENT", "PAYMENT_PENDING", "PAID", "FULFILLING"]);
const REFUNDABLE = new Set(["PAID", "FULFILLING"]);
const SCANNABLE = new Set(["PAID", "FULFILLING", "SHIPPED"]);

export async function render(ctx, flash = null) {
  const [id] = ctx.params;
  const path = `/api/v1/admin/orders/${encodeURIComponent(id)}`;
  let view;
  try {
    view = await get(path);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    if (!ctx.current) return;
    title("Order not found — Admin");
    replace(ctx.main, h("h1", {}, "Order not found"), missingRoute(error)
      ? notice("This server does not show orders to operators yet.", "error")
      : h("p", {}, `No order has the number ${id}. `, h("a", {href: "/admin/orders"}, "All orders")));
    return;
  }
  if (!ctx.current) return;
  title(`Order ${id} — Admin`);
  const {order, payment, shipment} = view;
  const message = h("div", {id: "order-message"}, flash ? notice(flash, "success") : null);
  const after = (text) => render(ctx, text);
  const address = order.shipping_address;
  replace(ctx.main,
    h("p", {class: "breadcrumb"}, h("a", {href: "/admin/orders"}, "Orders")),
    h("h1", {}, "Order ", h("span", {class: "order-id"}, order.id)),
    h("p", {class: "order-status"}, "Status: ",
      h("strong", {id: "admin-order-status", "data-status": order.status}, statusLabel(order.status)),
      " · customer ", view.user_id ? h("a", {href: `/admin/orders?user_id=${encodeURIComponent(view.user_id)}`, class: "order-id"},
        view.user_id) : "unknown",
      " · placed ", dateTime(order.created_at)),
    message,
    actions(ctx, path, view, message, after),
    h("section", {"aria-labelledby": "items-heading"},
      h("h2", {id: "items-heading"}, "Items"),
      h("ul", {class: "order-items"}, order.items.map((item) => h("li", {},
        `${item.quantity} × ${item.product_name}${item.variant_name ? ` — ${item.variant_name}` : ""} (`,
        h("a", {href: `/admin/inventory/${encodeURIComponent(item.sku)}`}, item.sku), ") ",
        h("span", {class: "price"}, money(item.line_total))))),
      h("p", {class: "subtotal"}, "Total: ", h("strong", {}, money(order.total)))),
    h("section", {"aria-labelledby": "payment-heading"},
      h("h2", {id: "payment-heading"}, "Payment"),
      payment ? h("p", {id: "admin-payment"}, statusLabel(payment.status), " · ", money(payment.amount),
        payment.card ? ` · ${payment.card.brand} ending ${payment.card.last4}` : "",
        payment.failure_code ? ` · ${payment.failure_code}` : "", ` · ${payment.attempts} attempt(s)`)
        : h("p", {}, "No payment yet.")),
    h("section", {"aria-labelledby": "shipment-heading"},
      h("h2", {id: "shipment-heading"}, "Shipment"),
      shipment ? [h("p", {}, `${shipment.carrier} ${shipment.tracking_number}: `, statusLabel(shipment.status)),
        h("ol", {class: "timeline"}, shipment.events.map((event) => h("li", {},
          h("time", {datetime: event.at}, dateTime(event.at)), " ", statusLabel(event.status),
          event.description ? ` — ${event.description}` : "")))] : h("p", {}, "No shipment yet."),
      address ? h("address", {}, [address.name, address.line1, address.line2, `${address.postal_code} ${address.city}`,
        address.region, address.country].filter(Boolean).map((line) => h("div", {}, line))) : null),
    h("section", {"aria-labelledby": "history-heading"},
      h("h2", {id: "history-heading"}, "History"),
      h("ol", {class: "timeline", id: "admin-history"}, view.history.map((entry) => h("li", {},
        h("time", {datetime: entry.at}, dateTime(entry.at)), " ", statusLabel(entry.status),
        entry.reason ? ` — ${entry.reason}` : "", entry.actor ? ` (by ${entry.actor})` : "")))));
}

function actions(ctx, path, {order, shipment}, message, after) {
  const forms = [];
  const status = order.status;
  if (REFUNDABLE.has(status)) forms.push(reasonForm("Refund order", "refund", "Refunded.", path, message, after));
  if (CANCELLABLE.has(status))
    forms.push(reasonForm(REFUNDABLE.has(status) ? "Cancel and refund" : "Cancel order", "cancel", "Cancelled.", path,
      message, after));
  if (shipment && SCANNABLE.has(status) && shipment.status !== "delivered")
    forms.push(scanForm(shipment, message, after));
  return h("section", {"aria-labelledby": "actions-heading"},
    h("h2", {id: "actions-heading"}, "Actions"),
    forms.length ? h("div", {class: "actions"}, forms) : h("p", {}, `Nothing can be done to a ${statusLabel(status)
      .toLowerCase()} order.`));
}

function reasonForm(label, action, done, path, message, after) {
  const reason = field(`Reason (${label.toLowerCase()})`, {name: "reason", maxlength: "200"},
    {hint: "Optional; kept in the order's history."});
  const submit = h("button", {type: "submit", class: "primary"}, label);
  const form = h("form", {class: "admin-form", on: {submit: async (event) => {
    event.preventDefault();
    replace(message);
    await busy(submit, async () => {
      try {
        const text = reason.control.value.trim();
        await request("POST", `${path}/${action}`, {body: text ? {reason: text} : {}});
        await after(done);
      } catch (error) {
        replace(message, problem(error, `${label} failed`));
      }
    });
  }}}, reason.wrapper, submit);
  return form;
}

function scanForm(shipment, message, after) {
  const status = field("Carrier scan", {name: "status"}, {options: [
    h("option", {value: "in_transit", selected: shipment.status !== "in_transit"}, "In transit"),
    h("option", {value: "delivered", selected: shipment.status === "in_transit"}, "Delivered")]});
  const description = field("Description", {name: "description", maxlength: "200"}, {hint: "Optional, e.g. the depot."});
  const submit = h("button", {type: "submit"}, "Record scan");
  const form = h("form", {class: "admin-form", on: {submit: async (event) => {
    event.preventDefault();
    replace(message);
    await busy(submit, async () => {
      try {
        const body = {status: status.control.value};
        if (description.control.value.trim()) body.description = description.control.value.trim();
        await request("POST", `/api/v1/admin/shipments/${encodeURIComponent(shipment.tracking_number)}/events`, {body});
        await after("Scan recorded.");
      } catch (error) {
        replace(message, problem(error, "Scan not recorded"));
      }
    });
  }}}, status.wrapper, description.wrapper, submit);
  return form;
}

import {ApiError, get, session} from "./api.js";
import {dateTime, h, money, replace, statusLabel} from "./dom.js";
import {title} from "./components.js";

const FINAL = new Set(["DELIVERED", "CANCELLED", "REFUNDED"]);
const POLL_MS = 2000;

// The order, its payment and its tracking; while the order can still move, the page asks
// again every few seconds so a shopper watching it sees it paid, shipped, delivered.
export async function render(ctx) {
  const {main, params: [id], url, current} = ctx;
  if (!session.user) {
    ctx.navigate(`/signin?next=${encodeURIComponent(url.pathname)}`, {replaceState: true});
    return;
  }
  const path = `/api/v1/orders/${encodeURIComponent(id)}`;
  let state;
  try {
    state = await load(path);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    if (!current) return;
    title("Order not found");
    replace(main, h("h1", {}, "Order not found"), h("p", {}, "No order of yours has this number. ",
      h("a", {href: "/account/orders"}, "See your orders")));
    return;
  }
  if (!current) return;
  title(`Order ${id}`);
  const placed = url.searchParams.get("placed") === "1";
  const banner = placed ? h("div", {class: "notice success", role: "status"},
    h("p", {}, "Thank you! Your order is placed."),
    url.searchParams.get("processing") === "1"
      ? h("p", {}, "Payment processing: the payment provider has not answered yet. We keep trying; this page " +
        "updates by itself.")
      : null) : null;
  const live = h("div", {id: "order-live"});
  replace(main, h("h1", {}, "Order ", h("span", {class: "order-id"}, id)), banner, live);
  draw(live, state);

  let timer = null;
  const poll = async () => {
    if (!ctx.current) return;
    try {
      const next = await load(path);
      if (!ctx.current) return;
      draw(live, next);
      state = next;
    } catch { /* keep the last view; try again */ }
    if (ctx.current && !FINAL.has(state.order.status)) timer = setTimeout(poll, POLL_MS);
  };
  if (!FINAL.has(state.order.status)) timer = setTimeout(poll, POLL_MS);
  ctx.onLeave(() => clearTimeout(timer));
}

async function load(path) {
  const [order, status] = await Promise.all([get(path), get(`${path}/status`)]);
  const optional = (p) => get(p).catch((error) => {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  });
  const [payment, tracking] = await Promise.all([optional(`${path}/payment`), optional(`${path}/tracking`)]);
  return {order, status, payment, tracking};
}

function draw(live, {order, status, payment, tracking}) {
  const address = order.shipping_address;
  replace(live,
    h("p", {class: "order-status"}, "Status: ",
      h("strong", {id: "order-status", "data-status": order.status, role: "status"}, statusLabel(order.status))),
    payment ? h("p", {id: "payment-state"}, "Payment: ", statusLabel(payment.status),
      payment.card ? ` (${payment.card.brand} ending ${payment.card.last4})` : "",
      payment.status === "processing" ? " — the payment provider has not answered yet; we keep trying." : "") : null,
    h("section", {"aria-labelledby": "items-heading"},
      h("h2", {id: "items-heading"}, "Items"),
      h("ul", {class: "order-items"}, order.items.map((item) => h("li", {},
        `${item.quantity} × ${item.product_name}${item.variant_name ? ` — ${item.variant_name}` : ""} `,
        h("span", {class: "price"}, money(item.line_total))))),
      h("p", {class: "subtotal"}, "Total: ", h("strong", {}, money(order.total)))),
    address ? h("section", {"aria-labelledby": "address-heading"},
      h("h2", {id: "address-heading"}, "Shipping to"),
      h("address", {}, [address.name, address.line1, address.line2, `${address.postal_code} ${address.city}`,
        address.region, address.country].filter(Boolean).map((line) => h("div", {}, line)))) : null,
    tracking ? h("section", {"aria-labelledby": "tracking-heading", id: "tracking"},
      h("h2", {id: "tracking-heading"}, "Tracking"),
      h("p", {}, `${tracking.carrier} ${tracking.tracking_number}: `, statusLabel(tracking.status)),
      h("ol", {class: "timeline"}, tracking.events.map((event) => h("li", {},
        h("time", {datetime: event.at}, dateTime(event.at)), " ", statusLabel(event.status),
        event.description ? ` — ${event.description}` : "")))) : null,
    h("section", {"aria-labelledby": "history-heading"},
      h("h2", {id: "history-heading"}, "History"),
      h("ol", {class: "timeline"}, status.history.map((entry) => h("li", {},
        h("time", {datetime: entry.at}, dateTime(entry.at)), " ", statusLabel(entry.status),
        entry.reason ? ` — ${entry.reason}` : "")))));
}


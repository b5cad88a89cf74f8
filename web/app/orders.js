import {get, query, session} from "./api.js";
import {dateTime, h, money, replace, statusLabel} from "./dom.js";
import {title} from "./components.js";
import {pager} from "./filters.js";

export async function render(ctx) {
  const {main, url, current} = ctx;
  if (!session.user) {
    ctx.navigate("/signin?next=/account/orders", {replaceState: true});
    return;
  }
  const page = await get(`/api/v1/orders${query({limit: 20, cursor: url.searchParams.get("cursor")})}`);
  if (!current) return;
  title("My orders");
  replace(main, h("h1", {}, "My orders"),
    page.items.length
      ? h("ul", {class: "orders"}, page.items.map((order) => h("li", {},
        h("a", {href: `/orders/${encodeURIComponent(order.id)}`}, `Order ${order.id}`),
        ` — ${dateTime(order.created_at)} — ${order.item_count} ${order.item_count === 1 ? "item" : "items"} — `,
        money(order.total), " — ", h("strong", {}, statusLabel(order.status)))))
      : h("p", {}, "No orders yet. ", h("a", {href: "/"}, "Start shopping")),
    pager({url, nextCursor: page.next_cursor}));
}

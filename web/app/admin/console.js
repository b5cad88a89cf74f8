// The console's frame: who may enter (an admin), its own navigation, and which page a path
// under /admin names. Every page gets the frame's context plus the path's parts.
import {ApiError, session} from "../api.js";
import {h, replace} from "../dom.js";
import {title} from "../components.js";
import * as system from "./system.js";
import * as products from "./products.js";
import * as product from "./product.js";
import * as inventory from "./inventory.js";
import * as orders from "./orders.js";
import * as order from "./order.js";
import * as customers from "./customers.js";
import * as deadLetters from "./dead-letters.js";

const pages = [
  [/^$/, system.render, "/admin"],
  [/^\/products$/, products.render, "/admin/products"],
  [/^\/products\/new$/, product.renderNew, "/admin/products"],
  [/^\/products\/([^/]+)$/, product.render, "/admin/products"],
  [/^\/inventory\/([^/]+)$/, inventory.render, "/admin/products"],
  [/^\/orders$/, orders.render, "/admin/orders"],
  [/^\/orders\/([^/]+)$/, order.render, "/admin/orders"],
  [/^\/customers$/, customers.render, "/admin/customers"],
  [/^\/dead-letters$/, deadLetters.render, "/admin/dead-letters"],
];

const NAV = [
  ["/admin", "System"],
  ["/admin/products", "Products"],
  ["/admin/orders", "Orders"],
  ["/admin/customers", "Customers"],
  ["/admin/dead-letters", "Dead letters"],
];

// The console's stylesheet sits beside app.css under the same hashed path; added once.
function loadStyles() {
  if (document.getElementById("admin-css")) return;
  const app = document.querySelector('link[rel="stylesheet"][href$="/app.css"]');
  if (!app) return;
  document.head.append(h("link", {rel: "stylesheet", id: "admin-css",
    href: app.getAttribute("href").replace(/app\.css$/, "admin.css")}));
}

export async function renderConsole(ctx) {
  loadStyles();
  if (!session.user || session.user.role !== "admin") return renderNotOperator(ctx);
  const rest = (ctx.params[0] || "").replace(/\/+$/, "");
  const found = pages.map(([pattern, page, section]) => [rest.match(pattern), page, section])
    .find(([match]) => match);
  const body = h("div", {class: "admin-page"});
  const section = found ? found[2] : "";
  replace(ctx.main, h("div", {class: "admin"}, nav(section), body));
  // main.js decoded the path already.
  const page = {...ctx, main: body, params: found ? found[0].slice(1) : []};
  if (!found) {
    title("Not found — Admin");
    replace(body, h("h1", {}, "Admin page not found"), h("p", {}, h("a", {href: "/admin"}, "Go to the system view")));
    return;
  }
  try {
    await found[1](page);
  } catch (error) {
    // The session ended or lost its admin role while the console was open.
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) return renderNotOperator(ctx);
    throw error;
  }
}

function nav(section) {
  return h("nav", {class: "admin-nav", "aria-label": "Admin"},
    h("ul", {}, NAV.map(([href, label]) => h("li", {},
      h("a", {href, "aria-current": href === section ? "page" : null}, label)))));
}

function renderNotOperator(ctx) {
  title("Admin console");
  const next = encodeURIComponent(ctx.url.pathname + ctx.url.search);
  replace(ctx.main, h("h1", {}, "Admin console"),
    h("div", {class: "notice", role: "status", id: "not-operator"},
      h("p", {}, session.user
        ? "This console is for operators. Your account is not an operator's."
        : "This console is for operators."),
      h("p", {}, h("a", {href: `/signin?next=${next}`}, "Sign in as an operator"))));
}

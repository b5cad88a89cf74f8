// The storefront: a tiny router over the History API. Every page has its own URL; the
// server answers each with this same shell, so a reload or a shared link lands here and
// the router draws the page the URL names.
import {cart, loadSession, session, signOut} from "./api.js";
import {h, replace} from "./dom.js";
import {renderHeader, updateCartCount} from "./header.js";
import * as home from "./home.js";
import * as category from "./category.js";
import * as search from "./search.js";
import * as product from "./product.js";
import * as cartPage from "./cart.js";
import * as checkout from "./checkout.js";
import * as order from "./order.js";
import * as orders from "./orders.js";
import * as auth from "./auth.js";
import * as notFound from "./not-found.js";

// The server answers these URLs with the shell and 200 (gateway::IsPagePath lists them too:
// a new page goes in both), any other with 404.
const routes = [
  [/^\/$/, home.render],
  [/^\/categories\/([^/]+)$/, category.render],
  [/^\/search$/, search.render],
  [/^\/products\/([^/]+)$/, product.render],
  [/^\/cart$/, cartPage.render],
  [/^\/checkout$/, checkout.render],
  [/^\/orders\/([^/]+)$/, order.render],
  [/^\/account\/orders$/, orders.render],
  [/^\/signin$/, auth.renderSignIn],
  [/^\/signup$/, auth.renderSignUp],
  // The console is loaded only by those who open it: shoppers never download its modules.
  [/^\/admin(\/.*)?$/, (ctx) => import("./admin.js").then((admin) => admin.render(ctx))],
];

const main = document.getElementById("main");
let leave = null;  // the current page's clean-up (stops polling)
let generation = 0;
let firstPage = true;

// What pages get: where to draw, the URL's parts, and how to move on.
function context(match, url, current) {
  return {
    main,
    params: match.slice(1).map((part) => (part === undefined ? part : decodeURIComponent(part))),
    query: url.searchParams,
    url,
    navigate,
    refreshCart,
    onLeave(fn) { leave = fn; },
    // False once the shopper has moved on: a late answer must not draw over the next page.
    get current() { return current === generation; },
  };
}

async function show(url, {focus = true} = {}) {
  if (leave) {
    leave();
    leave = null;
  }
  const current = ++generation;
  const path = url.pathname.replace(/\/+$/, "") || "/";
  let render = notFound.render;
  let match = [path];
  for (const [pattern, page] of routes) {
    const found = path.match(pattern);
    if (found) {
      render = page;
      match = found;
      break;
    }
  }
  main.setAttribute("aria-busy", "true");
  try {
    await render(context(match, url, current));
  } catch (error) {
    if (current === generation) {
      replace(main, h("h1", {}, "Something went wrong"),
        h("p", {class: "notice error", role: "alert"}, error.message || String(error)),
        h("p", {}, h("a", {href: url.pathname + url.search}, "Try again")));
    }
  } finally {
    if (current === generation) main.removeAttribute("aria-busy");
  }
  if (current !== generation) return;
  if (firstPage) {
    firstPage = false;
    // The tests read this mark: navigation start to the first page drawn with its data.
    performance.mark("app-ready");
    document.documentElement.dataset.ready = "true";
  } else if (focus) {
    // Moving focus to the new page's heading tells screen-reader users the page changed.
    const heading = main.querySelector("h1");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
    window.scrollTo(0, 0);
  }
}

export function navigate(href, {replaceState = false} = {}) {
  const url = new URL(href, location.href);
  if (url.origin !== location.origin) {
    location.href = url.href;
    return;
  }
  if (replaceState) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  renderHeader(headerContext());
  return show(url);
}

async function refreshCart() {
  try {
    const current = await cart();
    updateCartCount(current.item_count || 0);
  } catch {
    updateCartCount(null);
  }
}

function headerContext() {
  return {
    navigate,
    user: session.user,
    query: location.pathname === "/search" ? new URL(location.href).searchParams.get("q") || "" : "",
    async signOut() {
      await signOut();
      renderHeader(headerContext());
      await refreshCart();
      navigate("/");
    },
  };
}

// Same-origin links are followed by the router; modified clicks and new tabs are left to the browser.
document.addEventListener("click", (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
    return;
  const link = event.target.closest("a[href]");
  if (!link || link.target || link.hasAttribute("download")) return;
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith("/api/")) return;
  if (url.pathname === location.pathname && url.search === location.search && url.hash) return;
  event.preventDefault();
  navigate(url.href);
});

window.addEventListener("popstate", () => {
  renderHeader(headerContext());
  show(new URL(location.href), {focus: false});
});

async function start() {
  try {
    await loadSession();
  } catch {
    session.user = null;  // the page still draws; sign-in will tell what is wrong
  }
  renderHeader(headerContext());
  refreshCart();
  await show(new URL(location.href), {focus: false});
}

start();

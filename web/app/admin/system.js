// The live system view: the architecture as boxes coloured by health, with the numbers the
// server keeps about itself, asked for again every few seconds while the page is open.
import {ApiError, get} from "../api.js";
import {dateTime, h, replace} from "../dom.js";
import {notice, title} from "../components.js";
import {missingRoute, number, percent, table} from "./common.js";

const REFRESH_MS = 3000;
const SERVICES = ["users", "catalog", "search", "cart", "inventory", "orders", "payments", "shipping",
  "notifications", "recommendations"];
const LAYERS = [
  ["Entry", ["gateway"]],
  ["Services", SERVICES],
  ["Infrastructure", ["database", "cache", "bus", "search_index", "payment_provider"]],
];
const LABELS = {ok: "OK", degraded: "Degraded", down: "Down", unknown: "No data"};
const NAMES = {search_index: "Search index", payment_provider: "Payment provider"};

export async function render(ctx) {
  title("System — Admin");
  const live = h("div", {id: "system-live"});
  const stamp = h("p", {class: "hint", id: "system-updated", "aria-live": "off"});
  replace(ctx.main, h("h1", {}, "System"),
    h("p", {class: "hint"}, `Health and traffic of every part of the shop, refreshed every ${REFRESH_MS / 1000} s.`),
    stamp, live);

  let running = false;
  const refresh = async () => {
    if (running || !ctx.current) return;
    running = true;
    try {
      const state = await load();
      if (!ctx.current) return;
      draw(live, state);
      stamp.textContent = `Updated ${dateTime(state.system?.generated_at || new Date().toISOString())}`;
    } catch (error) {
      if (!ctx.current) return;
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) throw error;
      stamp.textContent = `Could not refresh (${error.message}); showing the last numbers.`;
    } finally {
      running = false;
    }
  };
  await refresh();
  const timer = setInterval(() => refresh().catch(() => clearInterval(timer)), REFRESH_MS);
  ctx.onLeave(() => clearInterval(timer));
}

async function load() {
  const [system, resilience] = await Promise.all([
    get("/api/v1/admin/system").catch((error) => {
      if (missingRoute(error)) return null;  // a server without the summary: resilience alone
      throw error;
    }),
    get("/api/v1/admin/resilience"),
  ]);
  return {system, resilience};
}

// Components by name: the summary's, else what resilience alone tells (breakers, fault switches).
function componentsOf({system, resilience}) {
  const byName = new Map();
  for (const component of system?.components || []) {
    // The summary keeps a kind's numbers on the component; an older draft nested them in `metrics`.
    byName.set(component.name, {...(component.metrics || {}), ...component});
  }
  if (!byName.has("payment_provider")) {
    const breaker = breakers(resilience).find((b) => /payment/.test(b.name));
    const fault = (resilience.faults?.targets || []).find((f) => f.target === "payment_provider");
    let status = "ok";
    if ((breaker && breaker.state === "open") || (fault && fault.mode === "down")) status = "down";
    else if ((breaker && breaker.state === "half_open") || (fault && fault.mode !== "off")) status = "degraded";
    byName.set("payment_provider", {name: "payment_provider", kind: "payment_provider", status,
      circuit_breaker: breaker?.state, fault: fault?.mode});
  }
  return byName;
}

function breakers(resilience) {
  return (resilience.components || []).filter((c) => c.kind === "circuit_breaker");
}

function draw(live, state) {
  const byName = componentsOf(state);
  const drawn = new Set();
  const layer = ([label, names]) => {
    names.forEach((name) => drawn.add(name));
    return h("section", {class: "layer", "aria-label": label},
      h("h2", {}, label),
      h("ul", {class: "boxes"}, names.map((name) => box(byName.get(name) || {name, status: "unknown"}))));
  };
  const layers = LAYERS.map(layer);
  // A part the server reports that the drawing does not name (e.g. the admin routes) still shows.
  const others = [...byName.keys()].filter((name) => !drawn.has(name));
  if (others.length) layers.splice(2, 0, layer(["Other", others]));
  replace(live,
    h("div", {class: "architecture"}, layers),
    breakerTable(state),
    queueTable(state.resilience),
    faultTable(state.resilience));
}

function box(component) {
  const status = LABELS[component.status] ? component.status : "unknown";
  const facts = metrics(component);
  return h("li", {class: `box status-${status}`, "data-component": component.name, "data-status": status},
    h("h3", {}, NAMES[component.name] || label(component.name)),
    h("p", {class: "box-status"}, h("span", {class: "dot", "aria-hidden": "true"}), LABELS[status]),
    facts.length ? h("dl", {}, facts.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])) : null);
}

function label(name) {
  return String(name).replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
}

function metrics(c) {
  const out = [];
  const has = (key) => c[key] !== undefined;
  if (has("requests_per_second")) out.push(["Requests", `${number(c.requests_per_second)} /s`]);
  if (has("error_rate")) out.push(["Errors", percent(c.error_rate)]);
  if (has("p99_ms")) out.push(["p99", c.p99_ms === null ? "—" : `${number(c.p99_ms)} ms`]);
  if (has("in_flight")) out.push(["In flight", number(c.in_flight, 0)]);
  if (c.blocking_pool) out.push(["Pool queue", number(c.blocking_pool.queued, 0)]);
  if (has("hit_ratio")) out.push(["Hit ratio", percent(c.hit_ratio)]);
  if (has("backlog")) out.push(["Queue depth", number(c.backlog, 0)]);
  if (has("lag_seconds")) out.push(["Queue lag", c.lag_seconds === null ? "—" : `${number(c.lag_seconds)} s`]);
  if (has("index_lag_seconds"))
    out.push(["Index lag", c.index_lag_seconds === null ? "—" : `${number(c.index_lag_seconds)} s`]);
  if (has("circuit_breaker")) out.push(["Breaker", label(c.circuit_breaker || "—")]);
  if (has("fault") && c.fault && c.fault !== "off") out.push(["Fault", c.fault]);
  return out;
}

function breakerTable({system, resilience}) {
  const detailed = breakers(resilience);
  // failure_ratio is the breaker's threshold (the share of its window that opens it), not a measurement.
  const rows = detailed.length ? detailed.map((b) => [b.name, h("span", {class: `breaker-${b.state}`}, label(b.state)),
    number(b.successes, 0), number(b.failures, 0), number(b.short_circuited, 0), number(b.opened, 0),
    `${percent(b.failure_ratio)} of ${number(b.window, 0)} calls`])
    : (system?.circuit_breakers || []).map((b) => [b.name, label(b.state), "—", "—", "—", "—", "—"]);
  return h("section", {"aria-labelledby": "breakers-heading"},
    h("h2", {id: "breakers-heading"}, "Circuit breakers"),
    rows.length ? table("Circuit breakers", ["Breaker", "State", "Successes", "Failures", "Short-circuited",
      "Times opened", "Opens at"], rows, {id: "breakers"}) : h("p", {}, "No circuit breakers."));
}

function queueTable(resilience) {
  const bulkheads = (resilience.components || []).filter((c) => c.kind === "bulkhead");
  if (!bulkheads.length) return null;
  return h("section", {"aria-labelledby": "bulkheads-heading"},
    h("h2", {id: "bulkheads-heading"}, "Bulkheads and their queues"),
    table("Bulkheads", ["Bulkhead", "In use", "Queued", "Rejected", "Timed out"],
      bulkheads.map((b) => [b.name, `${number(b.in_use, 0)} / ${number(b.max_concurrent, 0)}`,
        `${number(b.queued, 0)} / ${number(b.max_queued, 0)}`, number(b.rejected, 0), number(b.timed_out, 0)])));
}

function faultTable(resilience) {
  const faults = resilience.faults || {enabled: false, targets: []};
  return h("section", {"aria-labelledby": "faults-heading"},
    h("h2", {id: "faults-heading"}, "Fault switches"),
    faults.enabled ? null : notice("Fault injection is off on this server ([admin] fault_injection)."),
    faults.targets.length ? table("Fault switches", ["Target", "Mode", "Latency", "Error ratio", "Delayed", "Failed"],
      faults.targets.map((f) => [f.target, h("span", {class: f.mode === "off" ? "" : "fault-on"}, f.mode),
        `${number(f.latency_ms, 0)} ms`, number(f.error_ratio, 2), number(f.delayed, 0), number(f.failed, 0)]),
      {id: "faults"}) : null);
}

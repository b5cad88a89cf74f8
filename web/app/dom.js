// The one way the storefront builds DOM: text always goes in through text nodes, never
// through innerHTML, so a product named "<img src=x onerror=...>" shows those characters.

// h("a", {href: "/cart", class: "btn", on: {click: fn}}, "Cart ", count)
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "on") {
      for (const [event, handler] of Object.entries(value)) el.addEventListener(event, handler);
    } else if (name === "class") {
      el.className = value;
    } else if (name === "value" || name === "checked" || name === "selected") {
      el[name] = value;
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

// Search snippets come HTML-escaped with the matched words in <mark>…</mark>: split on the
// marks and unescape the rest into text nodes rather than trusting the markup.
export function snippet(escaped) {
  const parts = String(escaped || "").split(/(<mark>|<\/mark>)/);
  const out = [];
  let marked = false;
  for (const part of parts) {
    if (part === "<mark>") marked = true;
    else if (part === "</mark>") marked = false;
    else if (part) out.push(marked ? h("mark", {}, unescape(part)) : unescape(part));
  }
  return out;
}

function unescape(text) {
  return text.replace(/&(lt|gt|amp|quot|#39|#x27);/g, (_, code) =>
    ({lt: "<", gt: ">", amp: "&", quot: "\"", "#39": "'", "#x27": "'"})[code]);
}

const formats = new Map();

// Money is {amount: integer minor units, currency}; the currency says how many digits are minor.
export function money(value) {
  if (!value) return "";
  let format = formats.get(value.currency);
  if (!format) {
    format = new Intl.NumberFormat(undefined, {style: "currency", currency: value.currency});
    formats.set(value.currency, format);
  }
  const digits = format.resolvedOptions().maximumFractionDigits;
  return format.format(value.amount / 10 ** digits);
}

// Minor units of a currency from a typed major amount ("12.50" USD -> 1250), or null.
export function minorUnits(text, currency = "USD") {
  const number = Number(String(text).trim());
  if (String(text).trim() === "" || !Number.isFinite(number) || number < 0) return null;
  const digits = new Intl.NumberFormat(undefined, {style: "currency", currency}).resolvedOptions().maximumFractionDigits;
  return Math.round(number * 10 ** digits);
}

export function majorUnits(amount, currency = "USD") {
  const digits = new Intl.NumberFormat(undefined, {style: "currency", currency}).resolvedOptions().maximumFractionDigits;
  return String(amount / 10 ** digits);
}

export function dateTime(text) {
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? String(text) : date.toLocaleString();
}

export function statusLabel(status) {
  return String(status || "").toLowerCase().replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
}

// A labelled form field: <label for=id>Label</label><input id=id ...>, with a slot for its
// error. `options` (an array of <option>s) makes it a <select>.
let fieldCounter = 0;
export function field(label, attrs = {}, {hint = "", options = null} = {}) {
  const id = attrs.id || `f${++fieldCounter}`;
  const error = h("p", {class: "field-error", id: `${id}-error`, "aria-live": "polite"});
  const hintEl = hint ? h("p", {class: "hint", id: `${id}-hint`}, hint) : null;
  const described = [hint ? `${id}-hint` : "", `${id}-error`].filter(Boolean).join(" ");
  const control = options
    ? h("select", {...attrs, id, "aria-describedby": described}, options)
    : h("input", {...attrs, id, "aria-describedby": described});
  const wrapper = h("div", {class: "field"}, h("label", {for: id}, label), hintEl, control, error);
  return {wrapper, control, error};
}

export function showFieldError(f, message) {
  f.error.textContent = message || "";
  if (message) f.control.setAttribute("aria-invalid", "true");
  else f.control.removeAttribute("aria-invalid");
}

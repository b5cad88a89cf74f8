import {ApiError, cart as loadCart, get, idempotencyKey, request, session} from "./api.js";
import {field, h, money, replace, showFieldError} from "./dom.js";
import {notice, title} from "./components.js";

export async function render(ctx) {
  const {main, current} = ctx;
  if (!session.user) {
    ctx.navigate("/signin?next=/checkout", {replaceState: true});
    return;
  }
  const [cart, addresses] = await Promise.all([loadCart(), get("/api/v1/users/me/addresses")]);
  if (!current) return;
  title("Checkout");
  draw(ctx, cart, addresses.items, null);
}

function draw(ctx, cart, addresses, message) {
  const {main} = ctx;
  if (!cart.items.length) {
    replace(main, h("h1", {}, "Checkout"), message,
      h("p", {}, "Your cart is empty. ", h("a", {href: "/"}, "Continue shopping")));
    return;
  }
  const saved = addresses.map((address, i) => h("div", {class: "choice"},
    h("input", {type: "radio", name: "address", id: `address-${i}`, value: address.id,
      checked: address.is_default || i === 0}),
    h("label", {for: `address-${i}`}, [address.name, address.line1, address.line2, address.city, address.postal_code,
      address.country].filter(Boolean).join(", "))));
  const useNew = h("div", {class: "choice"},
    h("input", {type: "radio", name: "address", id: "address-new", value: "new", checked: !addresses.length}),
    h("label", {for: "address-new"}, "A new address"));
  const a = {
    name: field("Full name", {name: "name", autocomplete: "name", maxlength: "100"}),
    line1: field("Address", {name: "line1", autocomplete: "address-line1", maxlength: "200"}),
    line2: field("Address line 2 (optional)", {name: "line2", autocomplete: "address-line2", maxlength: "200"}),
    city: field("City", {name: "city", autocomplete: "address-level2", maxlength: "100"}),
    region: field("State or region (optional)", {name: "region", autocomplete: "address-level1", maxlength: "100"}),
    postal_code: field("Postal code", {name: "postal_code", autocomplete: "postal-code", maxlength: "20"}),
    country: field("Country code", {name: "country", autocomplete: "country", maxlength: "2", value: "US"},
      {hint: "Two letters, e.g. US, DE, FR."}),
    phone: field("Phone (optional)", {name: "phone", type: "tel", autocomplete: "tel", maxlength: "30"}),
  };
  const saveAddress = h("div", {class: "field checkbox"},
    h("input", {type: "checkbox", id: "save-address", checked: true}),
    h("label", {for: "save-address"}, "Save to my address book"));
  const newAddress = h("fieldset", {class: "new-address"}, h("legend", {}, "New address"),
    Object.values(a).map((f) => f.wrapper), saveAddress);
  const c = {
    number: field("Card number", {name: "card-number", autocomplete: "cc-number", inputmode: "numeric",
      maxlength: "23"}, {hint: "Test cards: 4242 4242 4242 4242 is accepted, 4000 0000 0000 0002 is declined."}),
    exp_month: field("Expiry month", {name: "exp-month", autocomplete: "cc-exp-month", inputmode: "numeric",
      maxlength: "2", placeholder: "MM"}),
    exp_year: field("Expiry year", {name: "exp-year", autocomplete: "cc-exp-year", inputmode: "numeric",
      maxlength: "4", placeholder: "YYYY"}),
    cvc: field("Security code", {name: "cvc", autocomplete: "cc-csc", inputmode: "numeric", maxlength: "4"}),
  };
  const status = h("div", {id: "checkout-message", "aria-live": "assertive"}, message);
  const button = h("button", {type: "submit", class: "primary"}, `Pay ${money(cart.subtotal)}`);

  const form = h("form", {class: "checkout", on: {submit: async (event) => {
    event.preventDefault();
    for (const f of [...Object.values(a), ...Object.values(c)]) showFieldError(f, "");
    replace(status);
    button.disabled = true;
    try {
      await placeAndPay(ctx, {cart, addresses, a, c, form, status});
    } finally {
      button.disabled = false;
    }
  }}},
  h("section", {"aria-labelledby": "ship-heading"},
    h("h2", {id: "ship-heading"}, "Shipping address"),
    h("fieldset", {class: "address-choice"}, h("legend", {class: "visually-hidden"}, "Ship to"), saved, useNew),
    newAddress),
  h("section", {"aria-labelledby": "pay-heading"},
    h("h2", {id: "pay-heading"}, "Payment"),
    Object.values(c).map((f) => f.wrapper)),
  status,
  button);

  const toggle = () => { newAddress.hidden = !form.querySelector("#address-new").checked; };
  form.addEventListener("change", toggle);

  replace(main,
    h("h1", {}, "Checkout"),
    h("section", {class: "summary", "aria-labelledby": "summary-heading"},
      h("h2", {id: "summary-heading"}, "Your order"),
      h("ul", {}, cart.items.map((item) => h("li", {},
        `${item.quantity} × ${item.product_name}${item.variant_name ? ` — ${item.variant_name}` : ""} `,
        h("span", {class: "price"}, money(item.line_total))))),
      h("p", {class: "subtotal"}, "Total: ", h("strong", {}, money(cart.subtotal)))),
    form);
  toggle();
}

async function placeAndPay(ctx, {cart, addresses, a, c, form, status}) {
  const choice = form.querySelector("input[name=address]:checked");
  let body = {};
  if (!choice || choice.value === "new") {
    const address = {};
    for (const [key, f] of Object.entries(a)) if (f.control.value.trim()) address[key] = f.control.value.trim();
    if (address.country) address.country = address.country.toUpperCase();
    try {
      if (form.querySelector("#save-address").checked) {
        const {data} = await request("POST", "/api/v1/users/me/addresses", {body: address});
        body = {address_id: data.id};
      } else {
        body = {shipping_address: address};
      }
    } catch (error) {
      return showErrors(error, a, status, "Please check the address.");
    }
  } else {
    body = {address_id: choice.value};
  }

  let order;
  try {
    ({data: order} = await request("POST", "/api/v1/orders", {body, headers: {"Idempotency-Key": idempotencyKey()}}));
  } catch (error) {
    if (error instanceof ApiError && error.status === 409)
      return replace(status, notice(`Not enough stock: ${Object.values(error.fields)[0] || error.message}`, "error"));
    return showErrors(error, a, status, "Could not place the order.");
  }

  const card = {
    number: c.number.control.value.replace(/[\s-]/g, ""),
    exp_month: Number(c.exp_month.control.value),
    exp_year: Number(c.exp_year.control.value),
    cvc: c.cvc.control.value.trim(),
  };
  let payment;
  try {
    payment = await request("POST", `/api/v1/orders/${encodeURIComponent(order.id)}/payment`,
      {body: {card}, headers: {"Idempotency-Key": idempotencyKey()}});
  } catch (error) {
    if (error instanceof ApiError && error.status === 422) {
      // A decline cancels the order and frees its stock; the shopper's items go back in the cart.
      await restoreCart(order);
      const fields = error.fields;
      const declined = fields.card && !fields["card.number"] && !fields["card.exp_month"];
      const text = declined
        ? `Your card was declined (${fields.card}). Nothing was charged and the order was cancelled; ` +
          "your items are back in your cart. Try another card."
        : "The card details are not valid; nothing was charged. Your items are back in your cart.";
      const [fresh, book] = await Promise.all([loadCart(), get("/api/v1/users/me/addresses")]);
      ctx.refreshCart();
      draw(ctx, fresh, book.items, notice(text, "error"));
      return;
    }
    replace(status, notice(`${error.message} Your order ${order.id} is waiting for payment.`, "error"));
    return;
  }
  ctx.refreshCart();
  ctx.navigate(`/orders/${encodeURIComponent(order.id)}?placed=1${payment.status === 202 ? "&processing=1" : ""}`);
}

async function restoreCart(order) {
  for (const item of order.items) {
    try {
      await request("POST", "/api/v1/cart/items", {body: {sku: item.sku, quantity: item.quantity}});
    } catch { /* a product gone meanwhile stays out */ }
  }
}

function showErrors(error, fields, status, fallback) {
  if (!(error instanceof ApiError)) {
    replace(status, notice("Could not reach the shop. Check your connection and try again.", "error"));
    return;
  }
  let shown = false;
  for (const [name, message] of Object.entries(error.fields)) {
    const key = name.replace(/^shipping_address\./, "");
    if (fields[key]) {
      showFieldError(fields[key], message);
      shown = true;
    }
  }
  replace(status, notice(shown ? fallback : error.message || fallback, "error"));
}

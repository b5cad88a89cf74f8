// Customers: find them by email, and grant or withdraw the operator (admin) role.
import {get, query, request, session} from "../api.js";
import {dateTime, field, h, replace, statusLabel} from "../dom.js";
import {notice, title} from "../components.js";
import {busy, formQuery, missingRoute, pager, problem, table} from "./common.js";

export async function render(ctx, flash = null) {
  title("Customers — Admin");
  const q = ctx.query;
  let list;
  try {
    list = await get(`/api/v1/admin/customers${query({q: q.get("q"), role: q.get("role"), cursor: q.get("cursor"),
      limit: 20})}`);
  } catch (error) {
    if (!missingRoute(error)) throw error;
    if (!ctx.current) return;
    replace(ctx.main, h("h1", {}, "Customers"), notice("This server does not list customers yet.", "error"));
    return;
  }
  if (!ctx.current) return;
  const email = field("Email contains", {name: "q", type: "search", maxlength: "254", value: q.get("q") || ""});
  const role = field("Role", {name: "role"}, {options: ["", "customer", "admin"].map((value) =>
    h("option", {value, selected: value === (q.get("role") || "")}, value ? statusLabel(value) : "Any"))});
  const form = h("form", {class: "filters", role: "search", on: {submit: (event) => {
    event.preventDefault();
    ctx.navigate(`/admin/customers${formQuery(form)}`);
  }}}, email.wrapper, role.wrapper, h("button", {type: "submit"}, "Search"));
  const message = h("div", {id: "customers-message"}, flash ? notice(flash, "success") : null);

  const roleButton = (user) => {
    const next = user.role === "admin" ? "customer" : "admin";
    const button = h("button", {type: "button", disabled: user.id === session.user.id,
      title: user.id === session.user.id ? "Another operator must withdraw your role." : null,
      on: {click: () => busy(button, async () => {
        replace(message);
        try {
          const {data} = await request("PUT", `/api/v1/admin/customers/${encodeURIComponent(user.id)}/role`,
            {body: {role: next}});
          if (ctx.current) await render(ctx, `${data.email} is now ${data.role === "admin" ? "an operator" : "a customer"}.`);
        } catch (error) {
          replace(message, problem(error, "Role not changed"));
        }
      })}}, next === "admin" ? `Make ${user.email} an operator` : `Withdraw ${user.email}'s operator role`);
    return button;
  };

  replace(ctx.main, h("h1", {}, "Customers"), form, message,
    list.items.length
      ? table("Customers", ["Email", "Name", "Role", "Since", "Orders", "Change role"], list.items.map((u) => [
        u.email, u.name, statusLabel(u.role), dateTime(u.created_at),
        h("a", {href: `/admin/orders?user_id=${encodeURIComponent(u.id)}`}, "Orders"), roleButton(u)]),
      {id: "customers"})
      : h("p", {}, "No customers match."),
    pager(ctx.url, list.next_cursor));
}

import {ApiError, signIn, signUp} from "./api.js";
import {field, h, replace, showFieldError} from "./dom.js";
import {notice, title} from "./components.js";

// Where to go after signing in: only a path of this site (never "//elsewhere").
function nextPath(url) {
  const next = url.searchParams.get("next") || "/";
  return next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function renderSignIn(ctx) {
  title("Sign in");
  const email = field("Email", {type: "email", name: "email", autocomplete: "email", required: true});
  const password = field("Password", {type: "password", name: "password", autocomplete: "current-password",
    required: true});
  const message = h("div");
  const form = h("form", {class: "narrow", on: {submit: async (event) => {
    event.preventDefault();
    replace(message);
    try {
      await signIn(email.control.value.trim(), password.control.value);
      ctx.refreshCart();
      ctx.navigate(nextPath(ctx.url), {replaceState: true});
    } catch (error) {
      replace(message, notice(explain(error, "Wrong email or password."), "error"));
    }
  }}}, email.wrapper, password.wrapper, h("button", {type: "submit", class: "primary"}, "Sign in"));
  replace(ctx.main, h("h1", {}, "Sign in"), message, form,
    h("p", {}, "New here? ", h("a", {href: `/signup${ctx.url.search}`}, "Create an account")));
}

export function renderSignUp(ctx) {
  title("Create an account");
  const name = field("Name", {name: "name", autocomplete: "name", maxlength: "100"});
  const email = field("Email", {type: "email", name: "email", autocomplete: "email", required: true});
  const password = field("Password", {type: "password", name: "password", autocomplete: "new-password",
    required: true, minlength: "8", maxlength: "128"}, {hint: "At least 8 characters."});
  const message = h("div");
  const form = h("form", {class: "narrow", on: {submit: async (event) => {
    event.preventDefault();
    replace(message);
    for (const f of [name, email, password]) showFieldError(f, "");
    try {
      await signUp(name.control.value.trim(), email.control.value.trim(), password.control.value);
      ctx.refreshCart();
      ctx.navigate(nextPath(ctx.url), {replaceState: true});
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        showFieldError(email, "An account with this email exists already. Sign in instead.");
      } else if (error instanceof ApiError && error.problem.errors) {
        const fields = error.fields;
        showFieldError(name, fields.name);
        showFieldError(email, fields.email);
        showFieldError(password, fields.password);
        replace(message, notice("Please correct the fields below.", "error"));
      } else {
        replace(message, notice(explain(error, "Could not create the account."), "error"));
      }
    }
  }}}, name.wrapper, email.wrapper, password.wrapper, h("button", {type: "submit", class: "primary"}, "Create account"));
  replace(ctx.main, h("h1", {}, "Create an account"), message, form,
    h("p", {}, "Have an account? ", h("a", {href: `/signin${ctx.url.search}`}, "Sign in")));
}

function explain(error, unauthorized) {
  if (!(error instanceof ApiError)) return "Could not reach the shop. Check your connection and try again.";
  if (error.status === 401) return unauthorized;
  if (error.status === 429) return "Too many attempts. Please wait a little and try again.";
  return error.message;
}

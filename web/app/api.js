// The storefront's one door to the JSON API. The session lives in an HttpOnly cookie the
// server sets at sign-in, so no script (nor an injected one) can read the token; writes
// carry the CSRF cookie's value in X-CSRF-Token, which another site cannot read.

const CART_TOKEN_KEY = "emporium.cart_token";

export class ApiError extends Error {
  constructor(status, problem, headers) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.headers = headers;
  }

  // {field: message} from the problem's errors[].
  get fields() {
    const out = {};
    for (const error of this.problem.errors || []) out[error.field] = error.message;
    return out;
  }
}

function cookie(name) {
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return "";
}

const SAFE_METHODS = new Set(["GET", "HEAD"]);

// Who is signed in: null for a guest. Set by loadSession, signIn, signOut.
export const session = {user: null};

// The guest cart's token: a capability for an anonymous cart (not a person's credential),
// so it may live in localStorage; it is dropped once merged at sign-in.
export const guestCart = {
  get token() { try { return localStorage.getItem(CART_TOKEN_KEY) || ""; } catch { return ""; } },
  set token(value) {
    try {
      if (value) localStorage.setItem(CART_TOKEN_KEY, value);
      else localStorage.removeItem(CART_TOKEN_KEY);
    } catch { /* storage disabled: the cart lasts as long as the page */ }
  },
};

export async function request(method, path, {body, headers = {}} = {}) {
  const sent = {Accept: "application/json", ...headers};
  if (body !== undefined) sent["Content-Type"] = "application/json";
  if (!SAFE_METHODS.has(method)) {
    const csrf = cookie("emporium_csrf");
    if (csrf) sent["X-CSRF-Token"] = csrf;
  }
  if (!session.user && guestCart.token && path.startsWith("/api/v1/cart")) sent["X-Cart-Token"] = guestCart.token;
  const response = await fetch(path, {
    method,
    headers: sent,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    // Catalog reads are public with max-age; revalidating (a cheap 304 from the server's
    // cache) means a shopper never sees a price the operator has already changed.
    cache: "no-cache",
  });
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!response.ok) throw new ApiError(response.status, data, response.headers);
  return {status: response.status, data, headers: response.headers};
}

export const get = (path) => request("GET", path).then((r) => r.data);

export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== null && value !== "") search.set(key, value);
  const text = search.toString();
  return text ? `?${text}` : "";
}

export async function loadSession() {
  try {
    session.user = await get("/api/v1/users/me");
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
    session.user = null;
  }
  return session.user;
}

// Signs in; a guest cart goes along once so the server merges it into the user's cart.
export async function signIn(email, password) {
  const headers = guestCart.token ? {"X-Cart-Token": guestCart.token} : {};
  // session_cookie: the server answers with the HttpOnly session cookie and the CSRF cookie.
  await request("POST", "/api/v1/sessions", {body: {email, password, session_cookie: true}, headers});
  guestCart.token = "";
  return loadSession();
}

export async function signUp(name, email, password) {
  await request("POST", "/api/v1/users", {body: {name, email, password}});
  return signIn(email, password);
}

export async function signOut() {
  try {
    await request("DELETE", "/api/v1/sessions/current");
  } catch (error) {
    // 401: the session had already ended (expired, or signed out elsewhere); the server expired the cookies.
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
  } finally {
    session.user = null;
  }
}

export async function addToCart(sku, quantity) {
  const {data, headers} = await request("POST", "/api/v1/cart/items", {body: {sku, quantity}});
  const token = (data && data.cart_token) || headers.get("X-Cart-Token");
  if (!session.user && token) guestCart.token = token;
  return data;
}

export async function cart() {
  if (!session.user && !guestCart.token) return {items: [], item_count: 0, subtotal: null};
  try {
    return await get("/api/v1/cart");
  } catch (error) {
    // A guest cart expires after a week (or with a restart of the embedded shop): start afresh.
    if (error instanceof ApiError && error.status === 404 && !session.user) {
      guestCart.token = "";
      return {items: [], item_count: 0, subtotal: null};
    }
    throw error;
  }
}

export function idempotencyKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

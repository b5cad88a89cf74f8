// Starts what a browser test needs: the payment provider simulator, the real binary on a
// free port with a seeded demo catalog and an admin, and Debian's chromium (headless,
// loopback only) driven by playwright-core. Mirrors tests/api/harness.py.
import assert from "node:assert/strict";
import {spawn, spawnSync} from "node:child_process";
import {existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {basename, join, resolve} from "node:path";
import {setTimeout as sleep} from "node:timers/promises";
import {createRequire} from "node:module";
import {chromium} from "playwright-core";

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export const PASSWORD = "correct-horse-battery";
const WEBHOOK_SECRET = "e2e-webhook-secret";
const CHROMIUM = process.env.EMPORIUM_CHROMIUM || "/usr/bin/chromium";

export function emporiumBin() {
  const bin = process.env.EMPORIUM_BIN;
  if (!bin || !existsSync(bin)) throw new Error(`EMPORIUM_BIN=${bin} is not the built emporium binary`);
  return resolve(bin);
}

// Screenshots and figures: build/<dir>/e2e-artifacts (ctest sets E2E_ARTIFACTS).
export const artifacts = resolve(process.env.E2E_ARTIFACTS || join(tmpdir(), "emporium-e2e-artifacts"));
mkdirSync(artifacts, {recursive: true});
// Each test file's screenshots in a folder of its own (e2e-artifacts/storefront/), emptied
// first so that a run never mixes with the last one's.
const screenshots = join(artifacts, basename(process.argv[1] || "e2e").replace(/\.test\.mjs$/, ""));
rmSync(screenshots, {recursive: true, force: true});

// The server's environment: the caller's without EMPORIUM_* overrides, plus fast hashing (as harness.py).
function serverEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env))
    if (!key.startsWith("EMPORIUM_") || key === "EMPORIUM_BIN") env[key] = value;
  return {...env, EMPORIUM_SECURITY_ARGON2_OPS_LIMIT: "1", EMPORIUM_SECURITY_ARGON2_MEMORY_KIB: "8192", ...extra};
}

async function waitForFile(path, child, what, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode} before listening`);
    if (existsSync(path)) {
      const text = readFileSync(path, "utf8");
      if (text.endsWith("\n") && /^\d+$/.test(text.trim())) return Number(text.trim());
    }
    await sleep(50);
  }
  throw new Error(`${what} did not write ${path} within ${timeoutMs} ms`);
}

function stopChild(child, timeoutMs = 20000) {
  if (!child || child.exitCode !== null) return Promise.resolve(child && child.exitCode);
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      done(code ?? signal);
    });
    child.kill("SIGTERM");
  });
}

export class Shop {
  // `env`: more server settings, e.g. {EMPORIUM_ADMIN_FAULT_INJECTION: "true"}.
  constructor({products = 200, stock = 50, env = {}} = {}) {
    this.products = products;
    this.stock = stock;
    this.env = env;
    this.dir = mkdtempSync(join(tmpdir(), "emporium-e2e-"));
    this.dataDir = join(this.dir, "data");
    mkdirSync(this.dataDir);
  }

  cli(...args) {
    const result = spawnSync(emporiumBin(), [...args, "--data-dir", this.dataDir],
      {env: serverEnv(), encoding: "utf8", timeout: 600000});
    if (result.status !== 0)
      throw new Error(`emporium ${args.join(" ")} exited ${result.status}\n${result.stdout}\n${result.stderr}`);
    return result.stdout;
  }

  async start() {
    this.cli("seed", "--products", String(this.products), "--stock", String(this.stock));
    const paygwPort = join(this.dir, "paygw.port");
    this.paygw = spawn(emporiumBin(), ["paygw", "--port", "0", "--port-file", paygwPort, "--webhook-secret",
      WEBHOOK_SECRET], {env: serverEnv(), stdio: "ignore"});
    this.paygwPort = await waitForFile(paygwPort, this.paygw, "emporium paygw");
    const port = join(this.dir, "port");
    this.log = join(this.dir, "server.log");
    writeFileSync(this.log, "");
    const out = openSync(this.log, "a");
    this.server = spawn(emporiumBin(), ["serve", "--data-dir", this.dataDir, "--host", "127.0.0.1", "--port", "0",
      "--port-file", port], {
      env: serverEnv({
        EMPORIUM_PAYMENTS_PROVIDER_URL: `http://127.0.0.1:${this.paygwPort}`,
        EMPORIUM_PAYMENTS_WEBHOOK_SECRET: WEBHOOK_SECRET,
        ...this.env,
      }),
      stdio: ["ignore", out, out],
    });
    this.port = await waitForFile(port, this.server, "emporium serve");
    this.url = `http://127.0.0.1:${this.port}`;
    const email = `admin-${Date.now()}@example.com`;
    this.cli("admin", "create", "--email", email, "--password", PASSWORD);
    this.adminEmail = email;
    this.admin = (await this.api("POST", "/api/v1/sessions", {email, password: PASSWORD})).body.token;
    return this;
  }

  // A JSON call from the test itself (the operator's side), with a bearer token.
  async api(method, path, body, token = null, headers = {}) {
    const sent = {Accept: "application/json", ...headers};
    if (body !== undefined) sent["Content-Type"] = "application/json";
    if (token) sent.Authorization = `Bearer ${token}`;
    const response = await fetch(this.url + path,
      {method, headers: sent, body: body === undefined ? undefined : JSON.stringify(body)});
    const text = await response.text();
    let parsed = null;
    try { parsed = text ? JSON.parse(text) : null; } catch { parsed = text; }
    return {status: response.status, headers: response.headers, body: parsed};
  }

  // The payment provider simulator's knobs (error_rate, hang_rate, latency_ms).
  async paygwSettings(values) {
    const response = await fetch(`http://127.0.0.1:${this.paygwPort}/admin/settings`,
      {method: "PUT", headers: {"Content-Type": "application/json"}, body: JSON.stringify(values)});
    if (!response.ok) throw new Error(`paygw settings: ${response.status}`);
  }

  adminApi(method, path, body) {
    return this.api(method, path, body, this.admin);
  }

  // A product that nobody else's test touches: created by the operator with its own stock.
  async newProduct(name, {price = 2599, stock = 10} = {}) {
    const sku = `E2E-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
    const created = await this.adminApi("POST", "/api/v1/admin/products",
      {name, description: `${name}: a product of the browser tests.`, variants: [{sku, price: {amount: price, currency: "USD"}}]});
    assert.equal(created.status, 201, JSON.stringify(created.body));
    if (stock) {
      const adjusted = await this.adminApi("POST", `/api/v1/admin/inventory/${sku}/adjustments`, {delta: stock, reason: "e2e"});
      assert.equal(adjusted.status, 201, JSON.stringify(adjusted.body));
    }
    return {product: created.body, sku};
  }

  async signUp(email, name = "Test Shopper") {
    const created = await this.api("POST", "/api/v1/users", {email, password: PASSWORD, name});
    if (created.status !== 201) throw new Error(`sign-up ${email}: ${created.status} ${JSON.stringify(created.body)}`);
    return created.body;
  }

  logTail(lines = 40) {
    return readFileSync(this.log, "utf8").split("\n").slice(-lines).join("\n");
  }

  async stop() {
    const code = await stopChild(this.server);
    await stopChild(this.paygw);
    rmSync(this.dir, {recursive: true, force: true});
    return code;
  }
}

// Headless chromium with a fresh profile (playwright gives launch() its own temporary
// --user-data-dir and removes it at close); every host but loopback fails to resolve.
export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",  // tests may run as root in a container
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
      "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
      "--disable-features=Translate,OptimizationHints,MediaRouter",
    ],
  });
}

// A page that fails its test on any script error or console error (a CSP violation shows as one).
export async function newPage(browser, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  page.problems = [];
  page.on("pageerror", (error) => page.problems.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const text = message.text();
    // A 4xx the app expects and handles (401 from /users/me for a guest, 404 of a missing tracking, 422 of a decline).
    if (/Failed to load resource: the server responded with a status of 4\d\d/.test(text)) return;
    page.problems.push(`console: ${text}`);
  });
  page.on("dialog", (dialog) => {
    page.problems.push(`dialog: ${dialog.message()}`);
    dialog.dismiss();
  });
  return {context, page};
}

let shot = 0;
// Signs `email` in through the sign-in page, which then goes on to `next`.
export async function signInInBrowser(shop, page, email, next = "") {
  await page.goto(`${shop.url}/signin${next ? `?next=${encodeURIComponent(next)}` : ""}`);
  await appReady(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", {name: "Sign in"}).click();
  await page.getByRole("button", {name: "Sign out"}).waitFor();
}

export const GOOD_CARD = {number: "4242424242424242", month: "12", year: "2030", cvc: "123"};
export const DECLINED_CARD = {number: "4000000000000002", month: "12", year: "2030", cvc: "123"};

export async function addToCartFromProductPage(shop, page, product) {
  await page.goto(`${shop.url}/products/${product.slug}`);
  await appReady(page);
  await page.getByRole("heading", {level: 1, name: product.name}).waitFor();
  await page.getByRole("button", {name: "Add to cart"}).click();
  await page.getByText("Added to your cart.").waitFor();
}

// From the cart through the checkout form (a new address unless told otherwise) to "Pay".
export async function checkOutInBrowser(shop, page, card, {newAddress = true, name = "Sam Shopper"} = {}) {
  await page.goto(`${shop.url}/cart`);
  await appReady(page);
  await page.getByRole("link", {name: "Check out"}).click();
  await page.getByRole("heading", {level: 1, name: "Checkout"}).waitFor();
  if (newAddress) {
    await page.getByLabel("A new address").check();
    await page.getByLabel("Full name").fill(name);
    await page.getByLabel("Address", {exact: true}).fill("1 Main Street");
    await page.getByLabel("City").fill("Springfield");
    await page.getByLabel("Postal code").fill("12345");
    await page.getByLabel("Country code").fill("US");
  }
  await page.getByLabel("Card number").fill(card.number);
  await page.getByLabel("Expiry month").fill(card.month);
  await page.getByLabel("Expiry year").fill(card.year);
  await page.getByLabel("Security code").fill(card.cvc);
  await screenshot(page, "checkout-filled");
  await page.getByRole("button", {name: /^Pay /}).click();
}

// axe-core finds no serious or critical violation on the page as it is. The page's CSP
// forbids inline script; axe goes in through the DevTools protocol, not the page.
export async function assertAccessible(page, name) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() => window.axe.run(document, {resultTypes: ["violations"]}));
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`), [],
    `axe on ${name}`);
}

// The page logged no script error or CSP violation and opened no dialog (see newPage).
export function assertNoProblems(page) {
  assert.deepEqual(page.problems, [], "no script errors, CSP violations or dialogs");
}

export async function screenshot(page, name) {
  shot += 1;
  mkdirSync(screenshots, {recursive: true});
  await page.screenshot({path: join(screenshots, `${String(shot).padStart(2, "0")}-${name}.png`), fullPage: true});
}

// Waits until the app drew its first page (the performance mark it sets then).
export async function appReady(page) {
  await page.waitForFunction(() => document.documentElement.dataset.ready === "true", null, {timeout: 15000});
}

export function uniqueEmail(prefix) {
  return `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}

export async function waitFor(fn, {timeoutMs = 15000, intervalMs = 200, what = "condition"} = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await sleep(intervalMs);
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

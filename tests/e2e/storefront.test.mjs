// The shopper's side of the storefront in a real browser (issue 17): sign up, search,
// filter, cart, checkout, payment, tracking, declines, guest carts, operator changes,
// refunds, text that looks like HTML, accessibility and a phone-sized screen.
import assert from "node:assert/strict";
import {after, before, describe, test} from "node:test";
import {
  DECLINED_CARD, GOOD_CARD, PASSWORD, Shop, addToCartFromProductPage, appReady, assertAccessible,
  assertNoProblems, checkOutInBrowser, launchBrowser, newPage, screenshot, uniqueEmail, waitFor,
} from "./harness.mjs";

let shop;
let browser;

before(async () => {
  shop = await new Shop({products: 200, stock: 50}).start();
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (shop) {
    const code = await shop.stop();
    assert.equal(code, 0, "the server exits 0 on SIGTERM");
  }
});

async function signUpInBrowser(page, email) {
  await page.goto(`${shop.url}/signup`);
  await appReady(page);
  await page.getByLabel("Name").fill("Sam Shopper");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", {name: "Create account"}).click();
  await page.getByText("Signed in as Sam Shopper").waitFor();
}

async function available(sku) {
  const stock = await shop.adminApi("GET", `/api/v1/admin/inventory/${sku}`);
  assert.equal(stock.status, 200);
  return stock.body.available;
}

// After a navigation inside the app: waits until the new page is drawn (the router marks
// <main> busy while a page loads), so no assertion reads the previous page's content.
async function settled(page) {
  await page.waitForFunction(() => !document.getElementById("main").hasAttribute("aria-busy"));
}

async function orderStatus(page) {
  return page.locator("#order-status").getAttribute("data-status");
}

describe("storefront", () => {
  test("a shopper signs up, searches, filters, buys, and sees the order paid and then shipped", async () => {
    const {context, page} = await newPage(browser);
    const email = uniqueEmail("buyer");
    await signUpInBrowser(page, email);
    await screenshot(page, "signed-up");

    // Search with autocomplete: the first word of a seeded product's name.
    const seeded = (await shop.api("GET", "/api/v1/products?limit=1")).body.items[0];
    const word = seeded.name.split(/\s+/)[0];
    const box = page.getByRole("combobox", {name: "Search products"});
    await box.fill(word.slice(0, Math.max(3, word.length - 1)));
    await page.getByRole("listbox").getByRole("option").first().waitFor();
    await screenshot(page, "autocomplete");
    await box.fill(word);
    await box.press("Enter");
    await page.waitForURL(/\/search\?q=/);
    await page.getByRole("heading", {level: 1, name: word}).waitFor();
    const total = Number((await page.locator(".result-count").textContent()).split(" ")[0]);
    assert.ok(total > 0, `a search for ${word} finds products`);
    await screenshot(page, "search-results");

    // Filter: in stock only, then a category facet; both end up in the URL.
    await page.getByLabel("In stock only").check();
    await page.getByRole("button", {name: "Apply"}).click();
    await page.waitForURL(/in_stock=true/);
    await settled(page);
    const facet = page.locator(".facets section").first().getByRole("link").first();
    await facet.click();
    await page.waitForURL(/category=/);
    await settled(page);
    await page.locator(".hits .hit").first().waitFor();
    await screenshot(page, "search-filtered");
    await page.reload();  // the filtered list has its own URL
    await appReady(page);
    await page.locator(".hits .hit").first().waitFor();

    // Open the first hit and buy it.
    await page.locator(".hits .hit-name").first().click();
    await page.waitForURL(/\/products\//);
    await page.getByRole("button", {name: "Add to cart"}).click();
    await page.getByText("Added to your cart.").waitFor();
    await screenshot(page, "product-added");
    await checkOutInBrowser(shop, page, GOOD_CARD);
    await page.waitForURL(/\/orders\/ord_.*placed=1/);
    await page.getByText("Thank you! Your order is placed.").waitFor();
    await waitFor(async () => ["PAID", "FULFILLING"].includes(await orderStatus(page)), {what: "order paid"});
    await screenshot(page, "order-paid");

    // The carrier scans the parcel (admin API): the open page shows it shipped by itself.
    const orderId = page.url().match(/\/orders\/([^?]+)/)[1];
    const tracking = await waitFor(async () => page.evaluate(async (id) => {
      const response = await fetch(`/api/v1/orders/${id}/tracking`, {credentials: "same-origin"});
      return response.ok ? (await response.json()).tracking_number : null;
    }, orderId), {what: "a shipment"});
    const scanned = await shop.adminApi("POST", `/api/v1/admin/shipments/${tracking}/events`,
      {status: "in_transit", description: "Left the warehouse"});
    assert.equal(scanned.status, 201, JSON.stringify(scanned.body));
    await waitFor(async () => (await orderStatus(page)) === "SHIPPED", {what: "order shipped on the open page"});
    await page.getByText("Left the warehouse").first().waitFor();
    await screenshot(page, "order-shipped");

    // My orders lists it.
    await page.getByRole("link", {name: "My orders"}).click();
    await page.getByRole("link", {name: `Order ${orderId}`}).waitFor();
    assertNoProblems(page);
    await context.close();
  });

  test("a category page sorts, filters by price and pages, each in its URL", async () => {
    const {context, page} = await newPage(browser);
    await page.goto(shop.url);
    await appReady(page);
    await page.locator(".chips a").first().click();
    await page.waitForURL(/\/categories\//);
    await settled(page);
    await page.locator(".grid .card").first().waitFor();
    await page.getByLabel("Sort by").selectOption("price_asc");
    await page.waitForURL(/sort=price_asc/);
    await settled(page);
    await page.locator(".grid .card").first().waitFor();
    const prices = async () => page.locator(".grid .price").evaluateAll((nodes) =>
      nodes.map((n) => Number(n.textContent.replace(/[^0-9.]/g, ""))));
    const ascending = await prices();
    assert.deepEqual(ascending, [...ascending].sort((a, b) => a - b), "cheapest first");
    // The first category has the most products (more than a page of 24): page through it.
    const first = await page.locator(".grid .card-name").first().textContent();
    await page.getByRole("link", {name: "Next page"}).click();
    await page.waitForURL(/cursor=/);
    await settled(page);
    await page.getByRole("link", {name: "First page"}).waitFor();
    assert.notEqual(await page.locator(".grid .card-name").first().textContent(), first);
    await page.reload();  // the page, its order and its cursor survive a reload
    await appReady(page);
    await page.getByRole("link", {name: "First page"}).waitFor();
    assert.equal(await page.getByLabel("Sort by").inputValue(), "price_asc");
    await page.getByLabel("Min price").fill("20");
    await page.getByLabel("Max price").fill("200");
    await page.getByRole("button", {name: "Apply"}).click();
    await page.waitForURL(/price_min=2000&price_max=20000/);
    await settled(page);
    assert.doesNotMatch(page.url(), /cursor=/, "new filters start at the first page");
    await page.locator(".grid .card").first().waitFor();
    for (const price of await prices()) assert.ok(price >= 20 && price <= 200, `${price} within the range`);
    await screenshot(page, "category-filtered");
    assertNoProblems(page);
    await context.close();
  });

  test("a declined card gets a clear message, the stock comes back and the items stay in the cart", async () => {
    const {context, page} = await newPage(browser);
    await signUpInBrowser(page, uniqueEmail("declined"));
    const {product, sku} = await shop.newProduct("Declined Lamp", {stock: 5});
    await addToCartFromProductPage(shop, page, product);
    assert.equal(await available(sku), 5);
    await checkOutInBrowser(shop, page, DECLINED_CARD);
    const alert = page.getByRole("alert").filter({hasText: "Your card was declined"});
    await alert.waitFor();
    assert.match(await alert.textContent(), /Nothing was charged/);
    await screenshot(page, "card-declined");
    await waitFor(async () => (await available(sku)) === 5, {what: "stock released"});
    // The items are back in the cart: paying with a good card now works.
    await page.getByText("Declined Lamp").first().waitFor();
    await page.getByLabel("Card number").fill(GOOD_CARD.number);
    await page.getByLabel("Expiry month").fill(GOOD_CARD.month);
    await page.getByLabel("Expiry year").fill(GOOD_CARD.year);
    await page.getByLabel("Security code").fill(GOOD_CARD.cvc);
    await page.getByRole("button", {name: /^Pay /}).click();
    await page.getByText("Thank you! Your order is placed.").waitFor();
    assertNoProblems(page);
    await context.close();
  });

  test("a guest's cart survives signing in", async () => {
    const {context, page} = await newPage(browser);
    const email = uniqueEmail("guest");
    await shop.signUp(email);
    const {product} = await shop.newProduct("Guest Kettle");
    await addToCartFromProductPage(shop, page, product);
    await waitFor(async () => (await page.locator("#cart-count").textContent()) === "(1)", {what: "cart count"});
    await page.goto(`${shop.url}/cart`);
    await page.getByRole("link", {name: "Sign in to check out"}).click();
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", {name: "Sign in"}).click();
    await page.getByRole("heading", {level: 1, name: "Checkout"}).waitFor();
    await page.getByText("Guest Kettle").first().waitFor();
    // The token was sent once with the sign-in and then dropped; the session is a cookie no script can read.
    assert.equal(await page.evaluate(() => localStorage.getItem("emporium.cart_token")), null);
    assert.doesNotMatch(await page.evaluate(() => document.cookie), /emporium_session/);
    await screenshot(page, "guest-cart-merged");
    // Signing out ends the session for the server too, and both cookies go.
    await page.getByRole("button", {name: "Sign out"}).click();
    await page.getByRole("link", {name: "Sign in"}).waitFor();
    assert.equal(await page.evaluate(async () => (await fetch("/api/v1/users/me")).status), 401);
    assert.doesNotMatch(await page.evaluate(() => document.cookie), /emporium_csrf/);
    assertNoProblems(page);
    await context.close();
  });

  test("an operator's price change shows in the storefront", async () => {
    const {context, page} = await newPage(browser);
    const {product, sku} = await shop.newProduct("Repriced Chair", {price: 4999});
    await page.goto(`${shop.url}/products/${product.slug}`);
    await appReady(page);
    assert.equal(await page.locator("#product-price").textContent(), "$49.99");
    const changed = await shop.adminApi("PATCH", `/api/v1/admin/products/${product.id}`,
      {variants: [{sku, price: {amount: 3999, currency: "USD"}}]});
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    await waitFor(async () => {
      await page.reload();
      await appReady(page);
      return (await page.locator("#product-price").textContent()) === "$39.99";
    }, {what: "the new price", timeoutMs: 10000, intervalMs: 300});
    await screenshot(page, "price-changed");
    assertNoProblems(page);
    await context.close();
  });

  test("an operator's refund shows on the shopper's order page", async () => {
    const {context, page} = await newPage(browser);
    await signUpInBrowser(page, uniqueEmail("refund"));
    const {product} = await shop.newProduct("Refunded Vase");
    await addToCartFromProductPage(shop, page, product);
    await checkOutInBrowser(shop, page, GOOD_CARD);
    await page.getByText("Thank you! Your order is placed.").waitFor();
    await waitFor(async () => ["PAID", "FULFILLING"].includes(await orderStatus(page)), {what: "order paid"});
    const orderId = page.url().match(/\/orders\/([^?]+)/)[1];
    const refunded = await shop.adminApi("POST", `/api/v1/admin/orders/${orderId}/refund`, {});
    assert.equal(refunded.status, 200, JSON.stringify(refunded.body));
    await waitFor(async () => (await orderStatus(page)) === "REFUNDED", {what: "order refunded on the open page"});
    await screenshot(page, "order-refunded");
    await context.close();
  });

  test("a product named like HTML shows as text", async () => {
    const {context, page} = await newPage(browser);
    const name = "<img src=x onerror=alert(1)>";
    const {product} = await shop.newProduct(name);
    await page.goto(`${shop.url}/products/${product.slug}`);
    await appReady(page);
    assert.equal(await page.locator("main h1").textContent(), name);
    assert.equal(await page.locator("main img").count(), 0);
    await addToCartFromProductPage(shop, page, product);
    await page.goto(`${shop.url}/cart`);
    await page.getByRole("link", {name}).waitFor();
    assert.equal(await page.locator("main img").count(), 0);
    await screenshot(page, "html-name-as-text");
    assertNoProblems(page);  // no alert dialog
    await context.close();
  });

  test("pages have their own URLs; an unknown one shows a helpful page", async () => {
    const {context, page} = await newPage(browser);
    await page.goto(`${shop.url}/no/such/page`);
    await appReady(page);
    await page.getByRole("heading", {level: 1, name: "Page not found"}).waitFor();
    await page.getByRole("link", {name: "Go to the home page"}).click();
    await page.getByRole("heading", {level: 1, name: "Welcome to Emporium"}).waitFor();
    await page.goBack();
    await page.getByRole("heading", {level: 1, name: "Page not found"}).waitFor();
    // The search box's suggestions work from the keyboard alone.
    const seeded = (await shop.api("GET", "/api/v1/products?limit=1")).body.items[0];
    const box = page.getByRole("combobox", {name: "Search products"});
    await box.fill(seeded.name.split(/\s+/).slice(0, 2).join(" "));
    await page.getByRole("option").first().waitFor();
    await box.press("ArrowDown");
    assert.equal(await box.getAttribute("aria-activedescendant"), "suggestion-0");
    await box.press("Enter");
    await page.waitForURL(/\/products\//);
    await page.getByRole("button", {name: "Add to cart"}).waitFor();
    await page.goto(`${shop.url}/admin`);
    await page.getByRole("heading", {level: 1, name: "Admin console"}).waitFor();
    await page.goto(`${shop.url}/account/orders`);  // signed out: asked to sign in, then sent back
    await page.waitForURL(/\/signin\?next=/);
    assertNoProblems(page);
    await context.close();
  });

  test("axe finds no serious or critical violation on home, product, cart and checkout", async () => {
    const {context, page} = await newPage(browser);
    await page.goto(shop.url);
    await appReady(page);
    await assertAccessible(page, "home");
    const {product} = await shop.newProduct("Accessible Mug");
    await page.goto(`${shop.url}/products/${product.slug}`);
    await appReady(page);
    await assertAccessible(page, "product");
    await signUpInBrowser(page, uniqueEmail("axe"));
    await addToCartFromProductPage(shop, page, product);
    await page.goto(`${shop.url}/cart`);
    await page.getByRole("link", {name: "Check out"}).waitFor();
    await assertAccessible(page, "cart");
    await page.getByRole("link", {name: "Check out"}).click();
    await page.getByLabel("Card number").waitFor();
    await assertAccessible(page, "checkout");
    assertNoProblems(page);
    await context.close();
  });

  test("a payment the provider cannot take yet says it is processing, and the page follows it", async () => {
    const {context, page} = await newPage(browser);
    await signUpInBrowser(page, uniqueEmail("processing"));
    const {product} = await shop.newProduct("Patient Teapot");
    await addToCartFromProductPage(shop, page, product);
    await shop.paygwSettings({error_rate: 1});
    try {
      await checkOutInBrowser(shop, page, GOOD_CARD);
      await page.getByText(/Payment processing/).waitFor({timeout: 20000});
      assert.equal(await orderStatus(page), "PAYMENT_PENDING");
      await screenshot(page, "payment-processing");
    } finally {
      await shop.paygwSettings({error_rate: 0});
    }
    // The provider answers again: the background retry takes the payment, and the open page shows it.
    await waitFor(async () => ["PAID", "FULFILLING"].includes(await orderStatus(page)),
      {what: "the retried payment on the open page", timeoutMs: 45000});
    await screenshot(page, "payment-retried-paid");
    assertNoProblems(page);
    await context.close();
  });

  test("home and product work on a phone-sized screen", async () => {
    const {context, page} = await newPage(browser, {viewport: {width: 390, height: 844}, isMobile: true,
      hasTouch: true});
    await page.goto(shop.url);
    await appReady(page);
    await page.getByRole("heading", {level: 1, name: "Welcome to Emporium"}).waitFor();
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(await overflow() <= 0, "no sideways scrolling on home");
    await screenshot(page, "phone-home");
    await page.locator(".grid .card-link").first().click();
    await page.getByRole("button", {name: "Add to cart"}).waitFor();
    assert.ok(await overflow() <= 0, "no sideways scrolling on a product");
    assert.ok(await page.getByRole("button", {name: "Add to cart"}).isVisible());
    await screenshot(page, "phone-product");
    assertNoProblems(page);
    await context.close();
  });
});

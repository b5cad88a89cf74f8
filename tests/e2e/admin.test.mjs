// The operators' console in a real browser (issue 17, items 3 and 5): an operator signs in,
// changes a price that the storefront then shows, adjusts stock with its audit trail,
// refunds an order that the shopper then sees refunded, and watches the system view turn
// the payment provider red while it is down. Screenshots of each step go to the artifacts.
import assert from "node:assert/strict";
import {after, before, describe, test} from "node:test";
import {
  GOOD_CARD, Shop, addToCartFromProductPage, appReady, assertAccessible, assertNoProblems, checkOutInBrowser,
  launchBrowser, newPage, screenshot, signInInBrowser, uniqueEmail, waitFor,
} from "./harness.mjs";

let shop;
let browser;

before(async () => {
  shop = await new Shop({products: 30, stock: 20, env: {EMPORIUM_ADMIN_FAULT_INJECTION: "true"}}).start();
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (shop) {
    const code = await shop.stop();
    assert.equal(code, 0, "the server exits 0 on SIGTERM");
  }
});

// The operator's browser, signed in, on `path` of the console.
async function operator(path) {
  const {context, page} = await newPage(browser);
  await signInInBrowser(shop, page, shop.adminEmail, path);
  await page.getByRole("navigation", {name: "Admin"}).waitFor();
  return {context, page};
}

describe("admin console", () => {
  test("a guest or a shopper is told to sign in as an operator", async () => {
    const {context, page} = await newPage(browser);
    await page.goto(`${shop.url}/admin/products`);
    await appReady(page);
    await page.getByRole("heading", {level: 1, name: "Admin console"}).waitFor();
    await page.getByRole("link", {name: "Sign in as an operator"}).waitFor();
    const email = uniqueEmail("not-operator");
    await shop.signUp(email);
    await signInInBrowser(shop, page, email, "/admin/orders");
    await page.getByText("Your account is not an operator's.").waitFor();
    assert.equal(await page.getByRole("navigation", {name: "Admin"}).count(), 0);
    await screenshot(page, "admin-not-operator");
    assertNoProblems(page);
    await context.close();
  });

  test("an operator changes a price in the console and the storefront shows it", async () => {
    const name = `Console Lamp ${Date.now()}`;
    const {product} = await shop.newProduct(name, {price: 4999});
    const shopper = await newPage(browser);
    await shopper.page.goto(`${shop.url}/products/${product.slug}`);
    await appReady(shopper.page);
    assert.equal(await shopper.page.locator("#product-price").textContent(), "$49.99");

    const {context, page} = await operator("/admin/products");
    await page.getByRole("heading", {level: 1, name: "Products"}).waitFor();
    await screenshot(page, "admin-products");
    await page.getByRole("link", {name}).click();
    await page.getByRole("heading", {level: 1, name}).waitFor();
    await page.reload();  // the edit page has its own URL
    await appReady(page);
    await page.getByLabel("Price").fill("39.99");
    await screenshot(page, "admin-price-edited");
    await page.getByRole("button", {name: "Save changes"}).click();
    await page.getByText("Saved.").waitFor();
    assert.equal(await page.getByLabel("Price").inputValue(), "39.99");
    await screenshot(page, "admin-price-saved");

    await waitFor(async () => {
      await shopper.page.reload();
      await appReady(shopper.page);
      return (await shopper.page.locator("#product-price").textContent()) === "$39.99";
    }, {what: "the storefront's new price", timeoutMs: 10000, intervalMs: 300});
    await screenshot(shopper.page, "storefront-new-price");
    assertNoProblems(page);
    assertNoProblems(shopper.page);
    await shopper.context.close();
    await context.close();
  });

  test("an operator creates a product, adjusts its stock with a reason and sees the audit trail", async () => {
    const {context, page} = await operator("/admin/products/new");
    const name = `Console Kettle ${Date.now()}`;
    const sku = `NEW-${Date.now()}`;
    await page.getByLabel("Name", {exact: true}).fill(name);
    await page.getByLabel("SKU").fill(sku);
    await page.getByLabel("Price").fill("12.50");
    await page.getByRole("button", {name: "Create product"}).click();
    await page.getByText("Created.").waitFor();
    await page.getByRole("link", {name: `Stock of ${sku}`}).click();
    await page.getByRole("heading", {level: 1, name: `Stock of ${sku}`}).waitFor();
    await page.getByLabel("Change").fill("7");
    await page.getByLabel("Reason").fill("delivery from the supplier");
    await page.getByRole("button", {name: "Adjust stock"}).click();
    await page.getByText("Stock adjusted.").waitFor();
    assert.equal(await page.locator("#stock-available").textContent(), "7");
    await page.locator("#adjustments").getByText("delivery from the supplier").waitFor();
    // Taking away more than there is changes nothing and says why.
    await page.getByLabel("Change").fill("-8");
    await page.getByLabel("Reason").fill("miscount");
    await page.getByRole("button", {name: "Adjust stock"}).click();
    await page.getByText("the available stock would go below zero").waitFor();
    assert.equal(await page.locator("#stock-available").textContent(), "7");
    await screenshot(page, "admin-stock-audit-trail");
    await assertAccessible(page, "stock page");
    assertNoProblems(page);
    await context.close();
  });

  test("an operator refunds a paid order and the shopper sees it refunded", async () => {
    const {product} = await shop.newProduct(`Refunded Clock ${Date.now()}`);
    const shopper = await newPage(browser);
    const email = uniqueEmail("refunded");
    await shop.signUp(email, "Rita Refund");
    await signInInBrowser(shop, shopper.page, email, `/products/${product.slug}`);
    await addToCartFromProductPage(shop, shopper.page, product);
    await checkOutInBrowser(shop, shopper.page, GOOD_CARD, {name: "Rita Refund"});
    await shopper.page.getByText("Thank you! Your order is placed.").waitFor();
    const orderId = shopper.page.url().match(/\/orders\/([^?]+)/)[1];
    const shopperStatus = () => shopper.page.locator("#order-status").getAttribute("data-status");
    await waitFor(async () => ["PAID", "FULFILLING"].includes(await shopperStatus()), {what: "order paid"});

    // The operator finds the order by the customer's email.
    const {context, page} = await operator(`/admin/orders?q=${encodeURIComponent(email)}`);
    await page.getByRole("link", {name: orderId}).click();
    await page.getByRole("heading", {level: 1, name: `Order ${orderId}`}).waitFor();
    await screenshot(page, "admin-order-paid");
    await page.getByLabel("Reason (refund order)").fill("the customer changed her mind");
    await page.getByRole("button", {name: "Refund order"}).click();
    await page.getByText("Refunded.").waitFor();
    assert.equal(await page.locator("#admin-order-status").getAttribute("data-status"), "REFUNDED");
    await page.locator("#admin-history").getByText("the customer changed her mind").waitFor();
    await screenshot(page, "admin-order-refunded");

    await waitFor(async () => (await shopperStatus()) === "REFUNDED", {what: "the shopper's page shows it refunded"});
    await screenshot(shopper.page, "shopper-order-refunded");
    assertNoProblems(page);
    assertNoProblems(shopper.page);
    await shopper.context.close();
    await context.close();
  });

  test("an operator finds a customer by email and makes them an operator; dead letters are listed", async () => {
    const email = uniqueEmail("promoted");
    await shop.signUp(email, "Pat Promoted");
    const {context, page} = await operator(`/admin/customers?q=${encodeURIComponent(email)}`);
    await page.getByRole("heading", {level: 1, name: "Customers"}).waitFor();
    await page.locator("#customers").getByRole("cell", {name: email, exact: true}).waitFor();
    await assertAccessible(page, "customers");
    await page.getByRole("button", {name: `Make ${email} an operator`}).click();
    await page.getByText(`${email} is now an operator.`).waitFor();
    await page.getByRole("button", {name: `Withdraw ${email}'s operator role`}).waitFor();
    await screenshot(page, "admin-customer-promoted");
    // The new operator may enter the console.
    const promoted = await newPage(browser);
    await signInInBrowser(shop, promoted.page, email, "/admin/dead-letters");
    await promoted.page.getByRole("heading", {level: 1, name: "Dead letters"}).waitFor();
    await promoted.page.getByText("No dead letters.").waitFor();
    await screenshot(promoted.page, "admin-dead-letters");
    assertNoProblems(page);
    assertNoProblems(promoted.page);
    await promoted.context.close();
    await context.close();
  });

  test("the system view shows the payment provider red while it is down, green again after", async () => {
    const {context, page} = await operator("/admin");
    await page.getByRole("heading", {level: 1, name: "System"}).waitFor();
    const provider = page.locator('[data-component="payment_provider"]');
    const state = () => provider.getAttribute("data-status");
    await waitFor(async () => (await state()) === "ok", {what: "payment provider ok"});
    assert.equal(await page.locator('[data-component="gateway"]').count(), 1);
    for (const service of ["users", "catalog", "orders", "payments", "database", "cache", "bus", "search_index"])
      assert.equal(await page.locator(`[data-component="${service}"]`).count(), 1, `a box for ${service}`);
    await screenshot(page, "admin-system-ok");
    await assertAccessible(page, "system view");

    const down = await shop.adminApi("PUT", "/api/v1/admin/faults/payment_provider", {mode: "down"});
    assert.equal(down.status, 200, JSON.stringify(down.body));
    // No reload: the page asks again by itself every few seconds.
    await waitFor(async () => (await state()) === "down", {what: "payment provider down", timeoutMs: 10000});
    assert.equal((await provider.locator(".box-status").textContent()).trim(), "Down");
    assert.equal(await provider.evaluate((el) => getComputedStyle(el).borderTopColor), "rgb(198, 40, 40)");
    await screenshot(page, "admin-system-payment-provider-down");

    const cleared = await shop.adminApi("DELETE", "/api/v1/admin/faults/payment_provider");
    assert.equal(cleared.status, 204);
    await waitFor(async () => (await state()) === "ok", {what: "payment provider ok again", timeoutMs: 10000});
    await screenshot(page, "admin-system-payment-provider-ok-again");

    // Leaving the page stops its polling.
    await page.getByRole("link", {name: "Dead letters"}).click();
    await page.getByRole("heading", {level: 1, name: "Dead letters"}).waitFor();
    const asked = [];
    page.on("request", (request) => { if (request.url().includes("/api/v1/admin/system")) asked.push(request.url()); });
    await new Promise((done) => setTimeout(done, 4000));
    assert.deepEqual(asked, [], "no more polling after leaving the system view");
    assertNoProblems(page);
    await context.close();
  });
});

// How fast the home and product pages become usable with a cold browser cache, and what
// they weigh: navigation start to the app's "app-ready" mark (set when the first page is
// drawn with its data), in the tests' chromium. Written to e2e-artifacts/speed.json and
// printed; not asserted (timings on a shared 2-core machine are not a pass/fail matter).
import {after, before, test} from "node:test";
import {writeFileSync} from "node:fs";
import {join} from "node:path";
import {Shop, appReady, artifacts, launchBrowser, newPage} from "./harness.mjs";

const PRODUCTS = Number(process.env.E2E_SPEED_PRODUCTS || 10000);
const RUNS = 5;
let shop;
let browser;

before(async () => {
  shop = await new Shop({products: PRODUCTS, stock: 100}).start();
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (shop) await shop.stop();
});

// One cold load: a fresh context has an empty cache.
async function measure(path) {
  const {context, page} = await newPage(browser);
  await page.goto(shop.url + path);
  await appReady(page);
  const figures = await page.evaluate(() => {
    const ready = performance.getEntriesByName("app-ready")[0].startTime;
    const navigation = performance.getEntriesByType("navigation")[0];
    const resources = performance.getEntriesByType("resource");
    const bytes = (entries) => entries.reduce((sum, e) => sum + (e.transferSize || 0), 0);
    return {
      ready_ms: Math.round(ready),
      dom_content_loaded_ms: Math.round(navigation.domContentLoadedEventEnd),
      requests: 1 + resources.length,
      transferred_bytes: navigation.transferSize + bytes(resources),
      decoded_bytes: navigation.decodedBodySize + resources.reduce((s, e) => s + (e.decodedBodySize || 0), 0),
      asset_bytes: bytes(resources.filter((e) => new URL(e.name).pathname.startsWith("/assets/"))),
      api_bytes: bytes(resources.filter((e) => new URL(e.name).pathname.startsWith("/api/"))),
    };
  });
  await context.close();
  return figures;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

test("home and product pages: time to interactive and page weight, cold cache", async () => {
  const product = (await shop.api("GET", "/api/v1/products?limit=1")).body.items[0];
  const pages = {home: "/", product: `/products/${product.slug}`};
  const report = {products_in_catalog: PRODUCTS, runs: RUNS, binary: process.env.EMPORIUM_BIN, pages: {}};
  await measure("/");  // the server's caches warm; the browser's stay cold in every run
  for (const [name, path] of Object.entries(pages)) {
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await measure(path));
    report.pages[name] = {
      path,
      ready_ms_median: median(runs.map((r) => r.ready_ms)),
      ready_ms_max: Math.max(...runs.map((r) => r.ready_ms)),
      requests: runs[0].requests,
      transferred_bytes: runs[0].transferred_bytes,
      decoded_bytes: runs[0].decoded_bytes,
      asset_bytes: runs[0].asset_bytes,
      api_bytes: runs[0].api_bytes,
      runs,
    };
  }
  writeFileSync(join(artifacts, "speed.json"), `${JSON.stringify(report, null, 2)}\n`);
  for (const [name, figures] of Object.entries(report.pages))
    console.log(`${name}: ready ${figures.ready_ms_median} ms median (max ${figures.ready_ms_max}), ` +
      `${figures.requests} requests, ${figures.transferred_bytes} bytes transferred`);
});

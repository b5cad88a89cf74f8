"""Home page (GET /api/v1/home) and product recommendations
(GET /api/v1/products/{product_id_or_slug}/recommendations).

Black-box tests written from docs/API.md and the issue:

  "Home page GET /api/v1/home: featured categories, trending products, new arrivals — cached."
  "Recommendations: "bought together" and "trending" computed from order events;
  GET /api/v1/products/{id}/recommendations. When the recommender is disabled or failing the
  endpoint answers 200 with an empty list and says so in a header — the storefront hides the
  section instead of failing."

docs/API.md: Home is `{featured_categories: [{id, slug, name, product_count}], trending: [Product],
new_arrivals: [Product]}`; featured = the top-level categories with the most active products (up
to 6), `product_count` = active products in the category's subtree; trending = up to 8 products
ordered most in the last 24 h (empty before any order); new_arrivals = the 8 newest active
products. Recommendations: active products ordered together with this one, most often first,
then filled up with trending products, never the product itself, no duplicates; `limit` 1..20
(default 8); `next_cursor` null; header `X-Recommendations: ok`, or `unavailable` (still 200, empty
list) when `recommendations.enabled = false`; 404 for an unknown or inactive product.

Expected featured categories and new arrivals come from the server's own tables, opened
read-only (harness.shop_database). Order events are processed asynchronously and the home page is
cached for up to cache.ttl_ms, so every server here runs with EMPORIUM_CACHE_TTL_MS=200 and the
tests poll (up to 5 s) for what follows from orders or writes.

Orders are placed and paid like a customer does (cart, POST /orders, POST .../payment against
`emporium paygw`), with quantity 1 on every line, so "ordered most" means the same whether the
recommender counts orders or units, and paid orders count whether it listens to OrderPlaced or to
the payment.
"""

import calendar
import os
import sys
import time
import unittest
from collections import Counter, defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (shop_database, RFC3339_UTC, SLUG_RE, ServerTestCase, assert_money, assert_problem,  # noqa: E402
                     parse_json, product_body, uniq)
from test_payments import GOOD, SECRET, Paygw  # noqa: E402

HOME = "/api/v1/home"
PRODUCTS = "/api/v1/products"
ADMIN_PRODUCTS = "/api/v1/admin/products"
ADMIN_CATEGORIES = "/api/v1/admin/categories"
INVENTORY = "/api/v1/admin/inventory"

TTL_MS = 200             # cache.ttl_ms for every server here: the home page is at most this old
POLL_TIMEOUT_S = 5.0     # events are processed asynchronously; the home page is cached
POLL_INTERVAL_S = 0.05
SEEDED = 60

FEATURED_MAX = 6
TRENDING_MAX = 8
NEW_ARRIVALS = 8
RECS_DEFAULT_LIMIT = 8
RECS_MAX_LIMIT = 20

HOME_FIELDS = {"featured_categories", "trending", "new_arrivals"}
FEATURED_FIELDS = {"id", "slug", "name", "product_count"}
PRODUCT_FIELDS = {"id", "slug", "name", "description", "status", "category_id", "attributes", "images",
                  "variants", "price_from", "created_at", "updated_at"}
LIST_FIELDS = {"items", "next_cursor"}
BASE_ENV = {"EMPORIUM_CACHE_TTL_MS": str(TTL_MS)}


# ---- plain helpers ----------------------------------------------------------------------

def epoch_seconds(value):
    if not isinstance(value, str) or not RFC3339_UTC.match(value):
        raise AssertionError(f"not RFC 3339 UTC: {value!r}")
    return calendar.timegm(time.strptime(value[:19], "%Y-%m-%dT%H:%M:%S"))


def recs_path(key, limit=None):
    path = f"{PRODUCTS}/{key}/recommendations"
    return path if limit is None else f"{path}?limit={limit}"


def poll(fn, timeout=POLL_TIMEOUT_S):
    """Calls fn() -> (ok, info) every 50 ms until ok or `timeout` s passed; returns the last."""
    deadline = time.monotonic() + timeout
    while True:
        ok, info = fn()
        if ok or time.monotonic() > deadline:
            return ok, info
        time.sleep(POLL_INTERVAL_S)


def poll_for(fetch, good, timeout=POLL_TIMEOUT_S):
    """Polls fetch() until good(value); returns (ok, last value)."""
    def step():
        value = fetch()
        return good(value), value
    return poll(step, timeout)



class CatalogModel:
    """Categories and active products as emporium.db holds them right now."""

    def __init__(self, data_dir):
        con = shop_database(data_dir)
        try:
            self.categories = {cid: {"id": cid, "slug": slug, "name": name, "parent_id": parent_id}
                               for cid, slug, name, parent_id in
                               con.execute("SELECT id, slug, name, parent_id FROM categories")}
            self.active = {}
            for pid, slug, name, category_id, currency, price_from, created_at in con.execute(
                    "SELECT id, slug, name, category_id, currency, price_from, created_at "
                    "FROM products WHERE status = 'active'"):
                self.active[pid] = {"id": pid, "slug": slug, "name": name, "category_id": category_id,
                                    "currency": currency, "price_from": price_from, "created_at": created_at}
        finally:
            con.close()
        self.roots = [c for c in self.categories.values() if c["parent_id"] is None]
        self.count = Counter()
        for p in self.active.values():
            root = self.root_of(p["category_id"])
            if root is not None:
                self.count[root] += 1

    def root_of(self, category_id):
        seen, c = set(), category_id
        while c is not None and c in self.categories and c not in seen:
            seen.add(c)
            parent = self.categories[c]["parent_id"]
            if parent is None:
                return c
            c = parent
        return None

    def featured_problems(self, featured):
        """What is wrong with `featured_categories` (an empty list when it is right)."""
        out = []
        if not isinstance(featured, list):
            return [f"featured_categories is not a list: {featured!r}"]
        if len(featured) > FEATURED_MAX:
            out.append(f"{len(featured)} featured categories, at most {FEATURED_MAX}")
        ids = [c.get("id") for c in featured if isinstance(c, dict)]
        if len(set(ids)) != len(ids):
            out.append(f"a category featured twice: {ids}")
        root_ids = {r["id"] for r in self.roots}
        for c in featured:
            if not isinstance(c, dict) or set(c) != FEATURED_FIELDS:
                out.append(f"featured category fields {sorted(c) if isinstance(c, dict) else c!r}, "
                           f"expected {sorted(FEATURED_FIELDS)}")
                continue
            if c["id"] not in root_ids:
                out.append(f"{c['id']} ({c.get('slug')}) is not a top-level category")
                continue
            row = self.categories[c["id"]]
            if (c["slug"], c["name"]) != (row["slug"], row["name"]):
                out.append(f"{c['id']}: slug/name {c['slug']!r}/{c['name']!r}, catalog has "
                           f"{row['slug']!r}/{row['name']!r}")
            n = c["product_count"]
            if not isinstance(n, int) or isinstance(n, bool) or n != self.count[c["id"]]:
                out.append(f"{c['slug']}: product_count {n!r}, but {self.count[c['id']]} active products "
                           f"are in its subtree")
        if out:
            return out
        counts = [c["product_count"] for c in featured]
        if counts != sorted(counts, reverse=True):
            out.append(f"featured categories not ordered by product_count (most first): {counts}")
        nonempty = [r for r in self.roots if self.count[r["id"]] > 0]
        if len(featured) < min(FEATURED_MAX, len(nonempty)):
            out.append(f"only {len(featured)} featured categories although {len(nonempty)} top-level "
                       f"categories have active products")
        if featured:
            lowest = min(counts)
            for r in self.roots:
                if r["id"] not in ids and self.count[r["id"]] > lowest:
                    out.append(f"{r['slug']} ({self.count[r['id']]} active products) is not featured but "
                               f"one with {lowest} is")
        return out

    def newest_threshold(self):
        times = sorted((p["created_at"] for p in self.active.values()), reverse=True)
        return times[min(NEW_ARRIVALS, len(times)) - 1] if times else None

    def new_arrivals_problems(self, items):
        """The 8 newest active products by created_at (ties at the 8th place: any of them)."""
        if not isinstance(items, list):
            return [f"new_arrivals is not a list: {items!r}"]
        out = []
        want = min(NEW_ARRIVALS, len(self.active))
        if len(items) != want:
            out.append(f"{len(items)} new arrivals, expected {want}")
        ids = [p.get("id") for p in items if isinstance(p, dict)]
        if len(set(ids)) != len(ids):
            out.append(f"a product twice in new_arrivals: {ids}")
        times = []
        for p in items:
            if not isinstance(p, dict) or p.get("id") not in self.active:
                out.append(f"{p.get('id') if isinstance(p, dict) else p!r} is not an active product")
                continue
            row = self.active[p["id"]]
            if (p.get("slug"), p.get("name")) != (row["slug"], row["name"]):
                out.append(f"{p['id']}: slug/name differ from the catalog")
            if p.get("price_from") != {"amount": row["price_from"], "currency": row["currency"]}:
                out.append(f"{p['id']}: price_from {p.get('price_from')} but the catalog has {row['price_from']}")
            try:
                t = epoch_seconds(p.get("created_at"))
            except AssertionError as e:
                out.append(str(e))
                continue
            if t != row["created_at"]:
                out.append(f"{p['id']}: created_at {p['created_at']} differs from the catalog")
            times.append(t)
        if out:
            return out
        if times != sorted(times, reverse=True):
            out.append(f"new_arrivals not newest first: {times}")
        threshold = self.newest_threshold()
        if threshold is not None:
            missing = [pid for pid, p in self.active.items() if p["created_at"] > threshold and pid not in ids]
            if missing:
                out.append(f"newer active products missing from new_arrivals: {missing}")
            older = [p["id"] for p in items if self.active[p["id"]]["created_at"] < threshold]
            if older:
                out.append(f"products older than the 8th newest in new_arrivals: {older}")
        return out


# ---- assertions shared by the test classes ----------------------------------------------

class HomeAssertions:
    """Mixin: needs self.server."""

    def check_product(self, p, what="product"):
        self.assertIsInstance(p, dict, f"{what}: {p!r}")
        self.assertEqual(set(p), PRODUCT_FIELDS, f"{what}: Product fields")
        self.assertTrue(p["id"].startswith("prd_"), p["id"])
        self.assertRegex(p["slug"], SLUG_RE)
        self.assertEqual(p["status"], "active", f"{what}: only active products are shown: {p['id']}")
        assert_money(self, p["price_from"])
        self.assertIsInstance(p["variants"], list)
        self.assertTrue(p["variants"], f"{what}: a product has variants")
        self.assertRegex(p["created_at"], RFC3339_UTC)
        self.assertRegex(p["updated_at"], RFC3339_UTC)

    def get_home(self):
        status, h, raw = self.server.request("GET", HOME)
        self.assertEqual(status, 200, f"GET {HOME} -> {status}: {raw[:500]!r}")
        self.assertTrue(h.get("content-type", "").startswith("application/json"), h)
        doc = parse_json(raw, HOME)
        self.assertIsInstance(doc, dict, doc)
        self.assertEqual(set(doc), HOME_FIELDS, f"Home fields: {sorted(doc)}")
        for key in HOME_FIELDS:
            self.assertIsInstance(doc[key], list, f"{key} is not a list")
        self.assertLessEqual(len(doc["featured_categories"]), FEATURED_MAX)
        self.assertLessEqual(len(doc["trending"]), TRENDING_MAX)
        self.assertLessEqual(len(doc["new_arrivals"]), NEW_ARRIVALS)
        for key in ("trending", "new_arrivals"):
            for p in doc[key]:
                self.check_product(p, key)
            ids = [p["id"] for p in doc[key]]
            self.assertEqual(len(ids), len(set(ids)), f"a product twice in {key}: {ids}")
        return h, doc

    def get_recs(self, key, limit=None, header="ok", own_id=None):
        """GET .../recommendations; asserts 200, the list shape, the header, limit, never the
        product itself, no duplicates; returns (headers, items)."""
        path = recs_path(key, limit)
        status, h, raw = self.server.request("GET", path)
        self.assertEqual(status, 200, f"GET {path} -> {status}: {raw[:500]!r}")
        self.assertTrue(h.get("content-type", "").startswith("application/json"), h)
        self.assertEqual(h.get("x-recommendations"), header, f"GET {path}: X-Recommendations header")
        doc = parse_json(raw, path)
        self.assertIsInstance(doc, dict, doc)
        self.assertEqual(set(doc), LIST_FIELDS, f"{path}: list fields {sorted(doc)}")
        self.assertIsNone(doc["next_cursor"], f"{path}: next_cursor is always null")
        items = doc["items"]
        self.assertIsInstance(items, list)
        self.assertLessEqual(len(items), RECS_DEFAULT_LIMIT if limit is None else int(limit),
                             f"{path}: more items than the limit")
        for p in items:
            self.check_product(p, path)
        ids = [p["id"] for p in items]
        self.assertEqual(len(ids), len(set(ids)), f"{path}: duplicates {ids}")
        self.assertNotIn(own_id or key, ids, f"{path}: a product recommended for itself")
        return h, items

    def rec_ids(self, product, limit=None):
        return [p["id"] for p in self.get_recs(product["id"], limit, own_id=product["id"])[1]]

    def assert_bad_limit(self, key, value):
        path = f"{PRODUCTS}/{key}/recommendations?limit={value}"
        status, h, raw = self.server.request("GET", path)
        doc = assert_problem(self, status, h, raw, 400)
        fields = [e.get("field", "") for e in doc.get("errors") or []]
        if fields:
            self.assertTrue(any("limit" in f for f in fields), f"GET {path}: errors[] {fields} do not name limit")


class ShopHelpers:
    """Class-level helpers that write through the API (set-up code)."""

    @classmethod
    def create_category(cls, name=None, parent_id=None):
        body = {"name": name or f"Cat {uniq('')}"}
        if parent_id is not None:
            body["parent_id"] = parent_id
        status, h, c = cls.server.json("POST", ADMIN_CATEGORIES, body, token=cls.admin)
        if status != 201:
            raise AssertionError(f"create category -> {status}: {c}")
        return c

    @classmethod
    def create_product(cls, stock=0, **kw):
        status, h, p = cls.server.json("POST", ADMIN_PRODUCTS, product_body(**kw), token=cls.admin)
        if status != 201:
            raise AssertionError(f"create product -> {status}: {p}")
        if stock:
            sku = p["variants"][0]["sku"]
            status, h, doc = cls.server.json("POST", f"{INVENTORY}/{sku}/adjustments",
                                             {"delta": stock, "reason": "home/recommendations test"},
                                             token=cls.admin)
            if status != 201:
                raise AssertionError(f"stock {sku} -> {status}: {doc}")
        return p

    @classmethod
    def archive(cls, product):
        status, h, got = cls.server.json("POST", f"{ADMIN_PRODUCTS}/{product['id']}/archive", token=cls.admin)
        if status != 200:
            raise AssertionError(f"archive {product['id']} -> {status}: {got}")
        return got

    @classmethod
    def place_paid_order(cls, token, products):
        """Cart with one unit of each product, checkout, payment with a good card."""
        for p in products:
            sku = p["variants"][0]["sku"]
            status, h, cart = cls.server.json("POST", "/api/v1/cart/items", {"sku": sku, "quantity": 1},
                                              token=token)
            if status != 201:
                raise AssertionError(f"add {sku} to cart -> {status}: {cart}")
        status, h, order = cls.server.json("POST", "/api/v1/orders", {}, token=token)
        if status != 201:
            raise AssertionError(f"place order -> {status}: {order}")
        status, h, payment = cls.server.json("POST", f"/api/v1/orders/{order['id']}/payment", {"card": GOOD},
                                             token=token)
        if status != 200 or payment.get("status") != "succeeded":
            raise AssertionError(f"pay {order['id']} -> {status}: {payment}")
        return order


class PaygwServerTestCase(ShopHelpers, ServerTestCase):
    """A server with payments against `emporium paygw`, an admin, and cache.ttl_ms = 200."""

    paygw = None

    @classmethod
    def setUpClass(cls):
        cls.paygw = Paygw()
        cls.SERVER_ENV = dict(BASE_ENV, EMPORIUM_PAYMENTS_PROVIDER_URL=cls.paygw.url,
                              EMPORIUM_PAYMENTS_WEBHOOK_SECRET=SECRET)
        try:
            super().setUpClass()
        except BaseException:
            cls.paygw.stop()
            raise
        try:
            cls.admin = cls.server.make_admin()
            cls.customers = [cls.server.new_customer()[1] for _ in range(4)]
            cls.make_scenario()
        except BaseException:
            cls.server.close()  # tearDownClass does not run when setUpClass fails
            cls.server = None
            cls.paygw.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.paygw.stop()

    @classmethod
    def make_scenario(cls):
        raise NotImplementedError

    @classmethod
    def place_all(cls, orders):
        """Places and pays `orders` (lists of products), the customers taking turns."""
        for i, products in enumerate(orders):
            cls.place_paid_order(cls.customers[i % len(cls.customers)], products)


# ---- a seeded catalog and no orders: shape, featured, new arrivals, validation -------------

class HomeCatalogTest(HomeAssertions, ShopHelpers, ServerTestCase):
    SERVER_ENV = BASE_ENV

    @classmethod
    def prepare_data_dir(cls, server):
        server.seed(SEEDED)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.admin = cls.server.make_admin()
            model = CatalogModel(cls.server.data_dir)
            if len(model.active) < SEEDED:
                raise AssertionError(f"seed wrote {len(model.active)} active products, expected {SEEDED}")
            if len(model.roots) <= FEATURED_MAX:
                raise AssertionError(f"the demo catalog has only {len(model.roots)} top-level categories; "
                                     f"the featured cut-off at {FEATURED_MAX} would not be tested")
            cls.sample = sorted(model.active.values(), key=lambda p: p["created_at"])[:3]
        except BaseException:
            cls.server.close()
            cls.server = None
            raise

    def model(self):
        return CatalogModel(self.server.data_dir)

    def assert_home_matches_catalog(self):
        """Polls until featured_categories and new_arrivals agree with emporium.db."""
        def check():
            h, doc = self.get_home()
            model = self.model()
            problems = model.featured_problems(doc["featured_categories"])
            problems += model.new_arrivals_problems(doc["new_arrivals"])
            return not problems, (problems, doc)
        ok, (problems, doc) = poll(check)
        self.assertTrue(ok, f"{HOME} does not agree with the catalog after {POLL_TIMEOUT_S:.0f} s:\n  "
                            + "\n  ".join(problems))
        return doc

    # ---- /home ---------------------------------------------------------------------

    def test_home_shape_headers_and_304(self):
        h, doc = self.get_home()
        cc = h.get("cache-control", "")
        self.assertIn("public", cc, f"the home page is public: {h}")
        self.assertIn("max-age", cc)
        self.assertEqual(h.get("x-recommendations"), "ok", "trending comes from a working recommender")
        etag = h.get("etag")
        self.assertTrue(etag, f"no ETag on {HOME}: {h}")
        self.assertRegex(etag, r'^(W/)?"[^"]*"$', "ETag must be a quoted entity tag")
        self.assertTrue(doc["featured_categories"], "the seeded catalog has categories with products")
        self.assertTrue(doc["new_arrivals"], "the seeded catalog has products")
        # The page is stable while nothing changes: its ETag revalidates to 304 (the cache may
        # have reloaded it meanwhile, so retry briefly with the current ETag).

        def revalidated():
            status, h1, raw = self.server.request("GET", HOME)
            status2, h2, raw2 = self.server.request("GET", HOME, headers={"If-None-Match": h1.get("etag", "")})
            return status2 == 304, (status2, h1.get("etag"), h2.get("etag"), raw2)
        ok, (status, sent, got, body) = poll(revalidated)
        self.assertTrue(ok, f"If-None-Match with the current ETag answered {status}, not 304")
        self.assertEqual(body, b"", "a 304 has no body")
        self.assertEqual(got, sent, "a 304 repeats the ETag")
        status, h3, raw3 = self.server.request("GET", HOME, headers={"If-None-Match": '"not-the-etag"'})
        self.assertEqual(status, 200)

    def test_featured_categories_and_new_arrivals_match_catalog(self):
        doc = self.assert_home_matches_catalog()
        self.assertEqual(len(doc["featured_categories"]), FEATURED_MAX,
                         "more than 6 top-level categories have products: 6 are featured")
        self.assertEqual(len(doc["new_arrivals"]), NEW_ARRIVALS)
        # A product of the home page is the product page's product.
        for p in doc["new_arrivals"]:
            status, h, page = self.server.json("GET", f"{PRODUCTS}/{p['id']}")
            self.assertEqual(status, 200, page)
            self.assertEqual(p, page, f"new arrival {p['id']} differs from its product page")

    def test_trending_empty_before_any_order(self):
        h, doc = self.get_home()
        self.assertEqual(doc["trending"], [], "no order was placed: nothing is trending")
        self.assertEqual(h.get("x-recommendations"), "ok")

    def test_home_follows_catalog_writes(self):
        model = self.model()
        biggest = max(model.roots, key=lambda r: (model.count[r["id"]], r["id"]))
        child = next((c for c in model.categories.values() if c["parent_id"] == biggest["id"]), None)
        # One fewer active product in the biggest department, one more directly in it, a draft
        # in its sub-category (not counted), and the newest product of all.
        sample_ids = {p["id"] for p in self.sample}
        victim = next(p for p in model.active.values()
                      if model.root_of(p["category_id"]) == biggest["id"] and p["id"] not in sample_ids)
        self.archive(victim)
        self.create_product(category_id=biggest["id"])
        self.create_product(category_id=(child or biggest)["id"], status="draft")
        newest = self.create_product(category_id=(child or biggest)["id"])
        draft = self.create_product(status="draft")  # the very newest row, but not active
        doc = self.assert_home_matches_catalog()
        ids = [p["id"] for p in doc["new_arrivals"]]
        self.assertIn(newest["id"], ids, "a product created just now is a new arrival")
        self.assertNotIn(draft["id"], ids, "a draft is never a new arrival")
        self.assertNotIn(victim["id"], ids)
        counts = {c["id"]: c["product_count"] for c in doc["featured_categories"]}
        self.assertEqual(counts.get(biggest["id"]), self.model().count[biggest["id"]])
        # Archive the newest: it leaves the new arrivals.
        self.archive(newest)
        doc = self.assert_home_matches_catalog()
        self.assertNotIn(newest["id"], [p["id"] for p in doc["new_arrivals"]])
        # Inactive products have no recommendations.
        for p in (newest, draft):
            status, h, raw = self.server.request("GET", recs_path(p["id"]))
            assert_problem(self, status, h, raw, 404)

    # ---- /recommendations without orders ---------------------------------------------

    def test_recommendations_empty_before_any_order(self):
        for row in self.sample:
            for key in (row["id"], row["slug"]):
                with self.subTest(key=key):
                    h, items = self.get_recs(key, own_id=row["id"])
                    self.assertEqual(items, [], "no order was placed: nothing to recommend")

    def test_recommendations_unknown_product_404(self):
        for key in ("prd_doesnotexist0000", f"no-such-product-{uniq('')}"):
            with self.subTest(key=key):
                status, h, raw = self.server.request("GET", recs_path(key))
                assert_problem(self, status, h, raw, 404)
                status, h, raw = self.server.request("GET", recs_path(key, 5))
                assert_problem(self, status, h, raw, 404)

    def test_recommendations_limit_validation(self):
        key = self.sample[0]["id"]
        for value in ("0", "21", "abc", "-1", "1.5", "100", "1&limit=2"):
            with self.subTest(limit=value):
                self.assert_bad_limit(key, value)
        for query in ("?foo=1", "?limit=5"):  # the home page takes no parameters
            status, h, raw = self.server.request("GET", HOME + query)
            assert_problem(self, status, h, raw, 400)
        for value in (1, 8, 20):
            with self.subTest(limit=value):
                self.get_recs(key, value)


# ---- orders with known pairs: bought together, trending, fill-up, limit --------------------

class RecommendationsFromOrdersTest(HomeAssertions, PaygwServerTestCase):
    """A = the anchor; A+B ordered together 3 times, A+C once; T ordered 6 times (4 alone, 2 with
    D); E never. Every line is one unit, so per product: T 6, A 4, B 3, D 2, C 1 (all distinct,
    so "trending" has exactly one right order: T, A, B, D, C)."""

    @classmethod
    def make_scenario(cls):
        names = ("A", "B", "C", "D", "T", "E")
        cls.p = {n: cls.create_product(stock=50, price=1000 + 100 * i, name=f"Rec {n} {uniq('')}")
                 for i, n in enumerate(names)}
        A, B, C, D, T = (cls.p[n] for n in "ABCDT")
        cls.orders = [[A, B]] * 3 + [[A, C]] + [[T]] * 4 + [[T, D]] * 2
        cls.place_all(cls.orders)
        cls.counts = Counter(p["id"] for order in cls.orders for p in order)
        cls.together = defaultdict(Counter)
        for order in cls.orders:
            for x in order:
                for y in order:
                    if x["id"] != y["id"]:
                        cls.together[x["id"]][y["id"]] += 1
        if len(set(cls.counts.values())) != len(cls.counts):
            raise AssertionError(f"set-up: order counts must be distinct: {cls.counts}")
        cls.trending = [pid for pid, _ in cls.counts.most_common()][:TRENDING_MAX]

    @classmethod
    def expected_recs(cls, pid, limit=RECS_DEFAULT_LIMIT):
        bought = [q for q, _ in cls.together[pid].most_common()]
        fill = [t for t in cls.trending if t != pid and t not in bought]
        return (bought + fill)[:limit]

    def name_of(self, pid):
        return next((n for n, p in self.p.items() if p["id"] == pid), pid)

    def names(self, ids):
        return [self.name_of(i) for i in ids]

    def wait_for_recs(self, n, expected, limit=None):
        p = self.p[n]
        ok, got = poll_for(lambda: self.rec_ids(p, limit), lambda ids: ids == expected)
        self.assertTrue(ok, f"recommendations for {n} (limit={limit}) after {POLL_TIMEOUT_S:.0f} s: "
                            f"{self.names(got)}, expected {self.names(expected)}")
        return got

    def test_bought_together_most_often_first(self):
        A, B, C = (self.p[n] for n in "ABC")
        ok, ids = poll_for(lambda: self.rec_ids(A), lambda ids: ids[:1] == [B["id"]])
        self.assertTrue(ok, f"A+B were ordered together 3 times, A+C once: B must come first for A; "
                            f"got {self.names(ids)} after {POLL_TIMEOUT_S:.0f} s")
        ok, ids = poll_for(lambda: self.rec_ids(A), lambda ids: ids[:2] == [B["id"], C["id"]])
        self.assertTrue(ok, f"bought-together products come before trending ones: {self.names(ids)}")
        self.assertNotIn(A["id"], ids)
        h, items = self.get_recs(A["id"])
        self.assertEqual(h.get("x-recommendations"), "ok")
        # The other direction: A is what B and C were bought with.
        self.wait_for_recs("B", self.expected_recs(B["id"]))
        self.assertEqual(self.rec_ids(B)[0], A["id"])
        self.assertEqual(self.rec_ids(C)[0], A["id"])

    def test_recommendations_filled_up_with_trending(self):
        for n in ("A", "B", "C", "D", "T", "E"):
            with self.subTest(product=n):
                expected = self.expected_recs(self.p[n]["id"])
                got = self.wait_for_recs(n, expected)
                self.assertNotIn(self.p[n]["id"], got)
        # Never ordered: only trending products.
        self.assertEqual(self.rec_ids(self.p["E"]), [t for t in self.trending if t != self.p["E"]["id"]])

    def test_limit_respected(self):
        A = self.p["A"]
        full = self.expected_recs(A["id"], RECS_MAX_LIMIT)
        self.assertEqual(len(full), 4, "set-up: B, C, then T and D")
        self.wait_for_recs("A", full, RECS_MAX_LIMIT)
        for limit in (1, 2, 3, 4, 8, 20):
            with self.subTest(limit=limit):
                self.assertEqual(self.rec_ids(A, limit), full[:limit])
        self.assertEqual(self.rec_ids(A), full[:RECS_DEFAULT_LIMIT])

    def test_by_slug_same_as_by_id(self):
        A = self.p["A"]
        expected = self.expected_recs(A["id"])
        self.wait_for_recs("A", expected)
        h, items = self.get_recs(A["slug"], own_id=A["id"])
        self.assertEqual([p["id"] for p in items], expected)

    def test_recommended_products_are_the_product_pages(self):
        expected = self.expected_recs(self.p["A"]["id"])
        self.wait_for_recs("A", expected)
        h, items = self.get_recs(self.p["A"]["id"])
        for p in items:
            status, hh, page = self.server.json("GET", f"{PRODUCTS}/{p['id']}")
            self.assertEqual(status, 200, page)
            self.assertEqual(p, page, f"recommended {self.name_of(p['id'])} differs from its product page")

    def test_trending_on_home_lists_most_ordered_first(self):
        T = self.p["T"]

        def check():
            h, doc = self.get_home()
            ids = [p["id"] for p in doc["trending"]]
            return ids == self.trending, (ids, h)
        ok, (ids, h) = poll(check)
        self.assertTrue(ids and ids[0] == T["id"],
                        f"T was ordered most (6 times): it must be trending first; got {self.names(ids)}")
        self.assertTrue(ok, f"trending after {POLL_TIMEOUT_S:.0f} s: {self.names(ids)}, expected "
                            f"{self.names(self.trending)} (ordered 6, 4, 3, 2, 1 times)")
        self.assertEqual(h.get("x-recommendations"), "ok")
        self.assertNotIn(self.p["E"]["id"], ids, "a product never ordered is not trending")


# ---- only active products are recommended; the default limit ------------------------------

class RecommendationsActiveOnlyTest(HomeAssertions, PaygwServerTestCase):
    """P+Q ordered twice, P+R once; H with eleven other products K0..K10 in one order (more
    bought-together products than the default limit). Later Q is archived."""

    @classmethod
    def make_scenario(cls):
        cls.P, cls.Q, cls.R = (cls.create_product(stock=20, name=f"Act {n} {uniq('')}") for n in "PQR")
        cls.H = cls.create_product(stock=5, name=f"Hub {uniq('')}")
        cls.K = [cls.create_product(stock=5, name=f"Spoke {i} {uniq('')}") for i in range(11)]
        cls.place_all([[cls.P, cls.Q], [cls.P, cls.Q], [cls.P, cls.R], [cls.H] + cls.K])

    def test_default_limit_is_8_and_max_is_20(self):
        spokes = {k["id"] for k in self.K}
        ok, ids = poll_for(lambda: self.rec_ids(self.H),
                           lambda ids: len(ids) == RECS_DEFAULT_LIMIT and set(ids) <= spokes)
        self.assertTrue(ok, f"H was bought with 11 products: the default limit gives 8 of them; got {ids}")
        ok, ids = poll_for(lambda: self.rec_ids(self.H, 20), lambda ids: set(ids[:11]) == spokes)
        self.assertTrue(ok, f"limit=20: the 11 bought-together products come first; got {ids}")
        self.assertLessEqual(len(ids), RECS_MAX_LIMIT)
        self.assertTrue(len(ids) > 11, "then filled up with trending products (P at least)")
        self.assertEqual(ids[11], self.P["id"], "P is the most ordered product: the first filler")
        five = self.rec_ids(self.H, 5)
        self.assertEqual(len(five), 5)
        self.assertTrue(set(five) <= spokes, "limit cuts the list, bought-together first")

    def test_archived_product_is_no_longer_recommended(self):
        P, Q, R = self.P, self.Q, self.R
        ok, ids = poll_for(lambda: self.rec_ids(P), lambda ids: ids[:2] == [Q["id"], R["id"]])
        self.assertTrue(ok, f"P+Q twice, P+R once: Q then R for P; got {ids}")
        ok, doc = poll_for(lambda: self.get_home()[1],
                           lambda d: bool(d["trending"]) and d["trending"][0]["id"] == P["id"])
        self.assertTrue(ok, f"P was ordered most: trending first; got {[p['id'] for p in doc['trending']]}")

        self.archive(Q)

        ok, ids = poll_for(lambda: self.rec_ids(P), lambda ids: Q["id"] not in ids and ids[:1] == [R["id"]])
        self.assertTrue(ok, f"archived Q must leave P's recommendations (R first then); got {ids}")
        ok, ids = poll_for(lambda: self.rec_ids(R), lambda ids: Q["id"] not in ids)
        self.assertTrue(ok, f"archived Q must not be a trending filler either; got {ids}")
        ok, trending = poll_for(lambda: [p["id"] for p in self.get_home()[1]["trending"]],
                                lambda ids: Q["id"] not in ids)
        self.assertTrue(ok, f"an archived product is not trending on the home page: {trending}")
        status, h, raw = self.server.request("GET", recs_path(Q["id"]))
        assert_problem(self, status, h, raw, 404)


# ---- recommendations.enabled = false -------------------------------------------------------

class RecommendationsDisabledTest(HomeAssertions, ShopHelpers, ServerTestCase):
    SERVER_ENV = dict(BASE_ENV, EMPORIUM_RECOMMENDATIONS_ENABLED="false")

    @classmethod
    def prepare_data_dir(cls, server):
        server.seed(20)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.admin = cls.server.make_admin()
            cls.sample = sorted(CatalogModel(cls.server.data_dir).active.values(),
                                key=lambda p: p["created_at"])[:2]
            # Order events exist (placed, unpaid: payments are not configured here).
            cls.x = cls.create_product(stock=10)
            cls.y = cls.create_product(stock=10)
            for _ in range(2):
                token = cls.server.new_customer()[1]
                for p in (cls.x, cls.y):
                    status, h, cart = cls.server.json("POST", "/api/v1/cart/items",
                                                      {"sku": p["variants"][0]["sku"], "quantity": 1}, token=token)
                    if status != 201:
                        raise AssertionError(f"add to cart -> {status}: {cart}")
                status, h, order = cls.server.json("POST", "/api/v1/orders", {}, token=token)
                if status != 201:
                    raise AssertionError(f"place order -> {status}: {order}")
        except BaseException:
            cls.server.close()
            cls.server = None
            raise

    def test_recommendations_empty_and_unavailable(self):
        keys = [(r["id"], r["id"]) for r in self.sample] + [
            (self.sample[0]["slug"], self.sample[0]["id"]), (self.x["id"], self.x["id"]),
            (self.y["slug"], self.y["id"])]
        for attempt in range(2):  # the second time after the order events had time to arrive
            if attempt:
                time.sleep(4 * TTL_MS / 1000.0)
            for key, own in keys:
                for limit in (None, 3, 20):
                    with self.subTest(key=key, limit=limit, attempt=attempt):
                        h, items = self.get_recs(key, limit, header="unavailable", own_id=own)
                        self.assertEqual(items, [], "a disabled recommender answers an empty list")

    def test_home_still_200_without_trending(self):
        def check():
            h, doc = self.get_home()
            model = CatalogModel(self.server.data_dir)
            problems = model.featured_problems(doc["featured_categories"])
            problems += model.new_arrivals_problems(doc["new_arrivals"])
            return not problems, (problems, doc, h)
        ok, (problems, doc, h) = poll(check)
        self.assertTrue(ok, "featured categories and new arrivals still work:\n  " + "\n  ".join(problems))
        self.assertEqual(doc["trending"], [], "trending comes from the (disabled) recommender")
        self.assertEqual(h.get("x-recommendations"), "unavailable")

    def test_unknown_product_still_404(self):
        status, h, raw = self.server.request("GET", recs_path("prd_doesnotexist0000"))
        assert_problem(self, status, h, raw, 404)


if __name__ == "__main__":
    unittest.main()

"""Full-text search: GET /api/v1/search and GET /api/v1/search/suggest.

Black-box tests written from docs/API.md (the two operations and the SearchResults,
SearchHit and Suggestion schemas) and from the issue:

  "relevance sanity (an exact title match ranks first; stemming works; a typo gets a
  suggestion), filter and facet correctness checked against a SQL query on the same seeded
  catalog, eventual indexing (a created product is searchable within 2 s, an archived one
  disappears), cache invalidation (a price change is visible on the next read)."

Expected answers for filters and facets come from the server's own databases, opened
read-only (harness.shop_database: emporium.db, or the PostgreSQL primary): a search document is an *active* product, its
price is `price_from`, a category filter includes sub-categories, and "in stock" means at
least one SKU with `available > 0`.

`emporium seed` writes the catalog without publishing product events, so every class that
seeds runs `emporium reindex` (the documented way to rebuild the index from the catalog)
before its server starts.
"""

import os
import re
import secrets
import shutil
import sys
import time
import unittest
from datetime import datetime, timezone
from urllib.parse import urlencode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (shop_database, SLUG_RE, Server, ServerTestCase, assert_money, assert_problem,  # noqa: E402
                     assert_rfc3339, product_body, uniq)

LETTERS = "abcdefghijklmnopqrstuvwxyz"

SEARCH = "/api/v1/search"
SUGGEST = "/api/v1/search/suggest"
PRODUCTS = "/api/v1/products"
ADMIN_PRODUCTS = "/api/v1/admin/products"
INVENTORY = "/api/v1/admin/inventory"

SEEDED = 300
REINDEX_SEEDED = 40
FRESHNESS_S = 2.0        # the issue: searchable within 2 s, archived gone within 2 s
STOCK_EVENTUAL_S = 5.0   # stock changes reach the index eventually
SETUP_WAIT_S = 10.0      # how long set-up waits for its own products (not a timing assertion)
POLL_S = 0.05

RESULT_FIELDS = {"items", "next_cursor", "total", "did_you_mean", "facets"}
HIT_FIELDS = {"id", "slug", "name", "category_id", "price_from", "in_stock", "created_at", "snippet",
              "score"}
CATEGORY_FACET_FIELDS = {"id", "slug", "name", "parent_id", "count"}
PRICE_FACET_FIELDS = {"min", "max", "count"}
SUGGESTION_FIELDS = {"text", "product_id", "slug"}
PRICE_BUCKETS = [(0, 1000), (1000, 2500), (2500, 5000), (5000, 10000), (10000, 25000), (25000, None)]

# Single-word brands of the demo catalog: each appears in a product's name, description and
# attributes together (never in a category name), so "the products containing the word" is
# the same set whichever product fields the index covers.
BRAND_CANDIDATES = ("fabrikam", "contoso", "northwind", "tailspin", "wingtip", "litware",
                    "proseware", "adatum")

WORD_RE = re.compile(r"[a-z0-9]+")
MARK_RE = re.compile(r"</?mark>")
SAMPLE_RE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(\s+\d+)?$")
RFC3339_PARTS = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?Z$")
XAPIAN_MARKERS = ("iamglass", "iamhoney", "iamchert")


# ---- plain helpers ----------------------------------------------------------------------

def words(text):
    return WORD_RE.findall(text.lower())


def made_up_word(prefix="zq"):
    """A word no catalog holds: letters only (digits would be a tokenisation question), random
    from its third letter on, so that its first 8 letters are a prefix of no other word."""
    return prefix + "".join(secrets.choice(LETTERS) for _ in range(10))


def epoch_seconds(value):
    m = RFC3339_PARTS.match(value)
    if not m:
        raise AssertionError(f"not RFC 3339 UTC: {value!r}")
    return int(datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp())


def query_path(path, params):
    pairs = list(params.items()) if isinstance(params, dict) else list(params)
    return f"{path}?{urlencode([(k, str(v)) for k, v in pairs])}" if pairs else path



def find_xapian_dirs(root):
    """Directories under `root` that hold a Xapian database (by its marker file)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        if any(m in filenames for m in XAPIAN_MARKERS):
            found.append(dirpath)
    return found


def poll(fn, timeout):
    """Calls fn() every 50 ms until it returns something truthy or `timeout` seconds passed.
    Returns (value, seconds from the start to the moment the successful call was made), or
    (last value, elapsed) when it never succeeded."""
    start = time.monotonic()
    while True:
        sent = time.monotonic() - start
        value = fn()
        if value:
            return value, sent
        if time.monotonic() - start > timeout:
            return value, time.monotonic() - start
        time.sleep(POLL_S)


class CatalogSnapshot:
    """The catalog as the search index should see it, read from the data directory."""

    def __init__(self, data_dir):
        con = shop_database(data_dir)
        try:
            self.categories = {}
            for cid, slug, name, parent_id in con.execute(
                    "SELECT id, slug, name, parent_id FROM categories"):
                self.categories[cid] = {"id": cid, "slug": slug, "name": name, "parent_id": parent_id}
            self.products = []
            for row in con.execute(
                    "SELECT id, slug, name, description, category_id, currency, price_from, created_at "
                    "FROM products WHERE status = 'active' ORDER BY seq"):
                pid, slug, name, description, category_id, currency, price_from, created_at = row
                self.products.append({"id": pid, "slug": slug, "name": name, "description": description,
                                      "category_id": category_id, "currency": currency,
                                      "price_from": price_from, "created_at": created_at})
            skus = {}
            for sku, pid in con.execute("SELECT sku, product_id FROM variants"):
                skus.setdefault(pid, []).append(sku)
        finally:
            con.close()
        con = shop_database(data_dir)
        try:
            available = dict(con.execute("SELECT sku, available FROM stock"))
        finally:
            con.close()
        for p in self.products:
            p["in_stock"] = any(available.get(s, 0) > 0 for s in skus.get(p["id"], []))
            p["words"] = set(words(p["name"]) + words(p["description"]))
            p["name_words"] = words(p["name"])
        self.by_id = {p["id"]: p for p in self.products}
        self._lineage = {}

    def lineage(self, category_id):
        """The category and all its ancestors (ids)."""
        if category_id is None or category_id not in self.categories:
            return set()
        if category_id not in self._lineage:
            out, c = set(), category_id
            while c is not None and c not in out:
                out.add(c)
                c = self.categories[c]["parent_id"]
            self._lineage[category_id] = out
        return self._lineage[category_id]

    def resolve_category(self, key):
        for c in self.categories.values():
            if key in (c["id"], c["slug"]):
                return c
        return None

    def select(self, word=None, category=None, price_min=None, price_max=None, in_stock=False):
        cat = None
        if category is not None:
            cat = self.resolve_category(category)
            if cat is None:
                return []
        out = []
        for p in self.products:
            if word is not None and word.lower() not in p["words"]:
                continue
            if cat is not None and cat["id"] not in self.lineage(p["category_id"]):
                continue
            if price_min is not None and p["price_from"] < price_min:
                continue
            if price_max is not None and p["price_from"] > price_max:
                continue
            if in_stock and not p["in_stock"]:
                continue
            out.append(p)
        return out

    def facets(self, matches):
        """({category id: facet entry}, [six price buckets]) over `matches`."""
        counts = {}
        for p in matches:
            for cid in self.lineage(p["category_id"]):
                counts[cid] = counts.get(cid, 0) + 1
        cats = {}
        for cid, n in counts.items():
            c = self.categories[cid]
            cats[cid] = {"id": cid, "slug": c["slug"], "name": c["name"], "parent_id": c["parent_id"],
                         "count": n}
        price = [{"min": lo, "max": hi,
                  "count": sum(1 for p in matches if p["price_from"] >= lo and (hi is None or p["price_from"] < hi))}
                 for lo, hi in PRICE_BUCKETS]
        return cats, price

    def word_count(self, word):
        return len(self.select(word=word))


# ---- assertions shared by the test classes ----------------------------------------------

class SearchAssertions:
    """Mixin: needs self.server."""

    def check_hit(self, hit):
        self.assertIsInstance(hit, dict, hit)
        self.assertEqual(set(hit), HIT_FIELDS, f"SearchHit fields: {hit}")
        self.assertIsInstance(hit["id"], str)
        self.assertTrue(hit["id"].startswith("prd_"), hit)
        self.assertRegex(hit["slug"], SLUG_RE)
        self.assertIsInstance(hit["name"], str)
        self.assertTrue(hit["category_id"] is None or isinstance(hit["category_id"], str), hit)
        assert_money(self, hit["price_from"])
        self.assertIsInstance(hit["in_stock"], bool, hit)
        assert_rfc3339(self, hit["created_at"], "hit.created_at")
        self.assertIsInstance(hit["snippet"], str, hit)
        score = hit["score"]
        self.assertIsInstance(score, (int, float), hit)
        self.assertNotIsInstance(score, bool)
        self.assertTrue(0 <= score <= 100, f"score outside 0..100: {hit}")

    def check_results(self, doc, limit=20):
        self.assertIsInstance(doc, dict, doc)
        self.assertEqual(set(doc), RESULT_FIELDS, f"SearchResults fields: {sorted(doc)}")
        items = doc["items"]
        self.assertIsInstance(items, list)
        self.assertLessEqual(len(items), limit, "more items than limit")
        nc = doc["next_cursor"]
        self.assertTrue(nc is None or (isinstance(nc, str) and nc), f"next_cursor: {nc!r}")
        total = doc["total"]
        self.assertIsInstance(total, int)
        self.assertNotIsInstance(total, bool)
        self.assertGreaterEqual(total, len(items))
        dym = doc["did_you_mean"]
        self.assertTrue(dym is None or (isinstance(dym, str) and dym.strip()), f"did_you_mean: {dym!r}")
        facets = doc["facets"]
        self.assertIsInstance(facets, dict)
        self.assertEqual(set(facets), {"categories", "price"}, facets)
        cats = facets["categories"]
        self.assertIsInstance(cats, list)
        for c in cats:
            self.assertEqual(set(c), CATEGORY_FACET_FIELDS, c)
            self.assertTrue(c["id"].startswith("cat_"), c)
            self.assertIsInstance(c["count"], int)
            self.assertTrue(0 < c["count"] <= total, f"category facet count outside 1..total: {c}")
        counts = [c["count"] for c in cats]
        self.assertEqual(counts, sorted(counts, reverse=True), "category facets: highest count first")
        self.assertEqual(len({c["id"] for c in cats}), len(cats), "a category facet listed twice")
        price = facets["price"]
        self.assertIsInstance(price, list)
        self.assertEqual([(b.get("min"), b.get("max")) for b in price], PRICE_BUCKETS,
                         f"price facets are not the six documented buckets: {price}")
        for b in price:
            self.assertEqual(set(b), PRICE_FACET_FIELDS, b)
            self.assertIsInstance(b["count"], int)
            self.assertGreaterEqual(b["count"], 0)
        self.assertEqual(sum(b["count"] for b in price), total,
                         "every match falls in exactly one price bucket")
        ids = [h["id"] for h in items]
        self.assertEqual(len(ids), len(set(ids)), f"a product twice on one page: {ids}")
        for hit in items:
            self.check_hit(hit)

    def search(self, params):
        """GET /api/v1/search; asserts 200 and the SearchResults shape; returns the document."""
        path = query_path(SEARCH, params)
        status, h, doc = self.server.json("GET", path)
        self.assertEqual(status, 200, f"GET {path[:160]} -> {status}: {doc}")
        self.check_results(doc, int(dict(params).get("limit", 20)))
        return doc

    def search_all(self, params, limit=100, max_pages=200):
        """Follows next_cursor to the end. Asserts: the same total and facets on every page, full
        pages while there is a next page, no product twice, as many hits as `total`.
        Returns (hits, first page)."""
        q = dict(params)
        q["limit"] = limit
        first, hits, cursor = None, [], None
        for page in range(max_pages):
            if cursor is not None:
                q["cursor"] = cursor
            doc = self.search(q)
            if first is None:
                first = doc
            else:
                self.assertEqual(doc["total"], first["total"], f"total changed on page {page}")
                self.assertEqual(doc["facets"], first["facets"], f"facets changed on page {page}")
            hits.extend(doc["items"])
            cursor = doc["next_cursor"]
            if cursor is None:
                break
            self.assertEqual(len(doc["items"]), limit, f"short page {page} with a next_cursor")
        else:
            self.fail(f"{params}: more than {max_pages} pages")
        ids = [h["id"] for h in hits]
        dups = sorted({i for i in ids if ids.count(i) > 1})
        self.assertFalse(dups, f"{params}: products returned twice across pages: {dups}")
        self.assertEqual(len(hits), first["total"], f"{params}: total != hits over all pages")
        return hits, first

    def ids_for(self, params):
        return [h["id"] for h in self.search_all(params)[0]]

    def suggest(self, params):
        path = query_path(SUGGEST, params)
        status, h, doc = self.server.json("GET", path)
        self.assertEqual(status, 200, f"GET {path[:160]} -> {status}: {doc}")
        self.assertIsInstance(doc, dict, doc)
        self.assertEqual(set(doc), {"items", "next_cursor"}, doc)
        self.assertIsNone(doc["next_cursor"], "suggest: next_cursor is always null")
        self.assertIsInstance(doc["items"], list)
        self.assertLessEqual(len(doc["items"]), int(dict(params).get("limit", 10)))
        for s in doc["items"]:
            self.assertEqual(set(s), SUGGESTION_FIELDS, s)
            self.assertIsInstance(s["text"], str)
            self.assertTrue(s["text"], s)
            self.assertTrue(s["product_id"].startswith("prd_"), s)
            self.assertRegex(s["slug"], SLUG_RE)
        return doc["items"]

    def assert_bad_query(self, path, params, keywords):
        """400 problem+json; when errors[] is given, one field names the parameter."""
        full = query_path(path, params)
        status, h, raw = self.server.request("GET", full)
        doc = assert_problem(self, status, h, raw, 400)
        fields = [e.get("field", "") for e in doc.get("errors") or []]
        if fields:
            self.assertTrue(any(k in f for f in fields for k in keywords),
                            f"GET {full}: errors[] fields {fields} name none of {keywords}")

    def assert_text_has_prefixes(self, text, prefixes):
        tokens = words(text)
        for prefix in prefixes:
            prefix = prefix.lower()
            self.assertTrue(any(t.startswith(prefix) for t in tokens),
                            f"suggestion {text!r} has no word starting with {prefix!r}")


# ---- over the seeded catalog, read only: filters, facets, sorting, paging, validation -----

class SearchCatalogTest(SearchAssertions, ServerTestCase):
    """Nothing in this class writes: the index must equal the catalog in emporium.db."""

    @classmethod
    def prepare_data_dir(cls, server):
        server.seed(SEEDED)
        server.cli("reindex")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.model = CatalogSnapshot(cls.server.data_dir)
            if len(cls.model.products) < SEEDED:
                raise AssertionError(f"seed wrote {len(cls.model.products)} active products, expected {SEEDED}")
            counts = sorted(((cls.model.word_count(b), b) for b in BRAND_CANDIDATES), reverse=True)
            if counts[0][0] < 5:
                raise AssertionError(f"no brand word of the demo catalog occurs 5 times: {counts}")
            cls.brand = counts[0][1]
        except BaseException:
            cls.server.close()  # tearDownClass does not run when setUpClass fails
            cls.server = None
            raise

    # ---- helpers ---------------------------------------------------------------------

    def assert_hit_is_row(self, hit, row):
        self.assertEqual(hit["name"], row["name"], hit)
        self.assertEqual(hit["slug"], row["slug"], hit)
        self.assertEqual(hit["category_id"], row["category_id"], hit)
        self.assertEqual(hit["price_from"], {"amount": row["price_from"], "currency": row["currency"]}, hit)
        self.assertEqual(hit["in_stock"], row["in_stock"], hit)
        self.assertEqual(epoch_seconds(hit["created_at"]), row["created_at"], hit)

    def assert_matches_sql(self, params, expected, what):
        hits, first = self.search_all(params)
        self.assertEqual(first["total"], len(expected), f"{what}: total")
        self.assertEqual({h["id"] for h in hits}, {p["id"] for p in expected}, f"{what}: matching products")
        cats, price = self.model.facets(expected)
        got = {c["id"]: c for c in first["facets"]["categories"]}
        self.assertEqual(got, cats, f"{what}: category facets (subtree counts)")
        self.assertEqual(first["facets"]["price"], price, f"{what}: price facets")
        for h in hits:
            self.assertIn(h["id"], self.model.by_id)
            self.assert_hit_is_row(h, self.model.by_id[h["id"]])
        return hits, first

    def biggest_root(self):
        roots = [c for c in self.model.categories.values() if c["parent_id"] is None]
        return max(roots, key=lambda c: (len(self.model.select(category=c["id"])), c["id"]))

    # ---- shape -----------------------------------------------------------------------

    def test_response_shape_and_defaults(self):
        status, h, raw = self.server.request("GET", f"{SEARCH}?q=")
        self.assertEqual(status, 200, raw[:300])
        self.assertTrue(h.get("content-type", "").startswith("application/json"), h)
        cc = h.get("cache-control", "")
        self.assertIn("public", cc)
        self.assertIn("max-age", cc)
        doc = self.search({"q": ""})
        self.assertEqual(len(doc["items"]), 20, "default limit is 20")
        self.assertIsNotNone(doc["next_cursor"])
        self.assertEqual(doc["total"], len(self.model.products), "empty q matches every active product")
        self.assertIsNone(doc["did_you_mean"])
        # q may be left out: the same as empty.
        self.assertEqual(self.search({})["total"], len(self.model.products))
        self.assertEqual(len(self.search({"q": "", "limit": 1})["items"]), 1)
        self.assertEqual(len(self.search({"q": "", "limit": 100})["items"]), 100)

    # ---- filters and facets against SQL ----------------------------------------------

    def test_word_query_total_and_facets_match_sql(self):
        expected = self.model.select(word=self.brand)
        hits, first = self.assert_matches_sql({"q": self.brand}, expected, f"q={self.brand}")
        self.assertIsNone(first["did_you_mean"], "every word of q is in the index")
        for h in hits:
            self.assertIn("<mark>", h["snippet"], f"the brand is in every description: {h}")
        # Case does not matter.
        self.assertEqual(self.search({"q": self.brand.upper()})["total"], len(expected))

    def test_category_and_price_filters_match_sql(self):
        root = self.biggest_root()
        prices = sorted(p["price_from"] for p in self.model.select(category=root["id"]))
        lo, hi = prices[len(prices) // 4], prices[(3 * len(prices)) // 4]
        self.assertLess(lo, hi, "the seeded department has a spread of prices")
        # Bounds are real prices of products, so inclusiveness is tested at both ends.
        for key in (root["id"], root["slug"]):
            expected = self.model.select(category=key, price_min=lo, price_max=hi)
            self.assertTrue(any(p["price_from"] == lo for p in expected))
            self.assertTrue(any(p["price_from"] == hi for p in expected))
            self.assert_matches_sql({"q": "", "category": key, "price_min": lo, "price_max": hi},
                                    expected, f"category={key} price {lo}..{hi}")
        leaves = [c for c in self.model.categories.values() if c["parent_id"] == root["id"]]
        leaf = max(leaves, key=lambda c: (len(self.model.select(category=c["id"])), c["id"]))
        leaf_prices = sorted(p["price_from"] for p in self.model.select(category=leaf["id"]))
        mid = leaf_prices[len(leaf_prices) // 2]
        self.assert_matches_sql({"q": "", "category": leaf["slug"], "price_min": mid},
                                self.model.select(category=leaf["slug"], price_min=mid),
                                f"category={leaf['slug']} price_min={mid}")
        self.assert_matches_sql({"q": "", "price_max": mid}, self.model.select(price_max=mid),
                                f"price_max={mid}")
        self.assert_matches_sql({"q": "", "price_min": mid, "price_max": mid},
                                self.model.select(price_min=mid, price_max=mid),
                                f"price_min=price_max={mid}")

    def test_word_query_with_filters_matches_sql(self):
        brand_products = self.model.select(word=self.brand)
        by_root = {}
        for p in brand_products:
            for cid in self.model.lineage(p["category_id"]):
                if self.model.categories[cid]["parent_id"] is None:
                    by_root.setdefault(cid, []).append(p)
        root_id, members = max(by_root.items(), key=lambda kv: (len(kv[1]), kv[0]))
        prices = sorted({p["price_from"] for p in members})
        lo = prices[1] if len(prices) > 1 else prices[0]
        hi = prices[-1]
        params = {"q": self.brand, "category": root_id, "price_min": lo, "price_max": hi}
        expected = self.model.select(word=self.brand, category=root_id, price_min=lo, price_max=hi)
        self.assertTrue(expected)
        self.assert_matches_sql(params, expected, f"q={self.brand} category={root_id} price {lo}..{hi}")
        params["in_stock"] = "true"
        self.assert_matches_sql(params, [p for p in expected if p["in_stock"]], "... in_stock=true")
        params["in_stock"] = "false"
        self.assert_matches_sql(params, expected, "in_stock=false is no restriction")

    def test_in_stock_filter_matches_sql(self):
        self.assert_matches_sql({"q": "", "in_stock": "true"}, self.model.select(in_stock=True),
                                "in_stock=true")

    def test_unknown_category_gives_no_results(self):
        for params in ({"q": "", "category": "no-such-category-zz"},
                       {"q": self.brand, "category": "cat_doesnotexist"}):
            with self.subTest(params=params):
                doc = self.search(params)
                self.assertEqual(doc["total"], 0, doc)
                self.assertEqual(doc["items"], [])
                self.assertIsNone(doc["next_cursor"])
                self.assertEqual(doc["facets"]["categories"], [])
                self.assertEqual([b["count"] for b in doc["facets"]["price"]], [0] * 6)

    # ---- sorting and paging ------------------------------------------------------------

    def test_sort_price_asc_and_desc(self):
        for params, expected in (({"q": ""}, self.model.products),
                                 ({"q": self.brand}, self.model.select(word=self.brand))):
            for sort, reverse in (("price_asc", False), ("price_desc", True)):
                with self.subTest(params=params, sort=sort):
                    hits, _ = self.search_all({**params, "sort": sort})
                    self.assertEqual({h["id"] for h in hits}, {p["id"] for p in expected})
                    amounts = [h["price_from"]["amount"] for h in hits]
                    self.assertEqual(amounts, sorted(amounts, reverse=reverse), f"{sort} order")

    def test_sort_newest_follows_created_at(self):
        for params, expected in (({"q": ""}, self.model.products),
                                 ({"q": self.brand}, self.model.select(word=self.brand))):
            with self.subTest(params=params):
                hits, _ = self.search_all({**params, "sort": "newest"})
                times = [epoch_seconds(h["created_at"]) for h in hits]
                self.assertEqual(times, sorted(times, reverse=True), "newest: created_at must not increase")
                want = sorted(expected, key=lambda p: p["created_at"], reverse=True)
                if len({p["created_at"] for p in expected}) == len(expected):  # no ties: one right order
                    self.assertEqual([h["id"] for h in hits], [p["id"] for p in want])
        # Without q the default order is newest.
        a = self.search({"q": "", "limit": 50})["items"]
        b = self.search({"q": "", "sort": "newest", "limit": 50})["items"]
        self.assertEqual([h["id"] for h in a], [h["id"] for h in b])

    def test_relevance_is_the_default_sort_for_a_query(self):
        hits, first = self.search_all({"q": self.brand}, limit=5)
        scores = [h["score"] for h in hits]
        self.assertEqual(scores, sorted(scores, reverse=True), "relevance: score must not increase")
        self.assertEqual(scores[0], 100, "the best match of the query scores 100")
        explicit, _ = self.search_all({"q": self.brand, "sort": "relevance"}, limit=5)
        self.assertEqual([h["id"] for h in explicit], [h["id"] for h in hits])

    def test_cursor_pagination_covers_every_match_once(self):
        for params, expected, limit in (({"q": ""}, self.model.products, 13),
                                        ({"q": "", "sort": "price_desc"}, self.model.products, 29),
                                        ({"q": self.brand}, self.model.select(word=self.brand), 3)):
            with self.subTest(params=params, limit=limit):
                hits, _ = self.search_all(params, limit=limit)  # no duplicates, full pages
                self.assertEqual({h["id"] for h in hits}, {p["id"] for p in expected}, "every match once")

    # ---- validation ------------------------------------------------------------------

    def test_bad_parameters_400(self):
        cases = [
            ({"q": "lamp", "colour": "red"}, ("colour",)),
            ({"q": "lamp", "page": "2"}, ("page",)),
            ({"q": "lamp", "limit": "0"}, ("limit",)),
            ({"q": "lamp", "limit": "101"}, ("limit",)),
            ({"q": "lamp", "limit": "abc"}, ("limit",)),
            ({"q": "lamp", "sort": "bogus"}, ("sort",)),
            ({"q": "lamp", "sort": "name_asc"}, ("sort",)),  # a products-list order, not a search order
            ({"q": "lamp", "price_min": "5000", "price_max": "1000"}, ("price_min", "price_max")),
            ({"q": "lamp", "price_min": "abc"}, ("price_min",)),
            ({"q": "lamp", "price_max": "12.5"}, ("price_max",)),
            ({"q": "lamp", "in_stock": "maybe"}, ("in_stock",)),
            ({"q": "a" * 201}, ("q",)),
            ({"q": "lamp\x00"}, ("q",)),  # a control character is no search
            ({"q": "lamp", "cursor": "!!garbage!!"}, ("cursor",)),
        ]
        for params, keywords in cases:
            with self.subTest(params={k: v[:20] for k, v in params.items()}):
                self.assert_bad_query(SEARCH, params, keywords)

    def test_q_length_boundaries(self):
        # 0..200 characters (code points, not bytes).
        for q in (("lantern " * 25)[:200], ("café " * 40)[:200]):
            with self.subTest(q=q[:12], length=len(q)):
                self.assertEqual(len(q), 200)
                self.search({"q": q})
                self.assert_bad_query(SEARCH, {"q": q + "x"}, ("q",))

    def test_query_syntax_is_never_an_error(self):
        """Any q of a valid length is a query: operators and stray syntax give results, not errors."""
        for q in ('"unbalanced', "lamp AND", "OR", "(((", "*", "a:b", "-", "NOT lamp", "lamp~2",
                  "+", '"', "<mark>", "über café", "100%", "title:lamp", "\\"):
            with self.subTest(q=q):
                self.search({"q": q})

    # ---- suggest -----------------------------------------------------------------------

    def check_suggestions(self, items, prefixes, strict, loose, limit):
        """items must be products from `loose` (a word starting with each prefix); at least
        min(limit, distinct names in `strict`) of them."""
        loose_ids = {p["id"] for p in loose}
        for s in items:
            self.assertIn(s["product_id"], loose_ids, f"suggestion is not an active product whose "
                                                      f"name matches {prefixes}: {s}")
            row = self.model.by_id[s["product_id"]]
            self.assertEqual(s["text"], row["name"], s)
            self.assertEqual(s["slug"], row["slug"], s)
            self.assert_text_has_prefixes(s["text"], prefixes)
        self.assertEqual(len({s["product_id"] for s in items}), len(items), "a product suggested twice")
        self.assertGreaterEqual(len(items), min(limit, len({p["name"] for p in strict})),
                                f"too few suggestions for {prefixes}")
        self.assertLessEqual(len(items), min(limit, len(loose)))

    def products_with_prefixes(self, complete, partial):
        """(strict, loose) over product names. loose: a word starting with each complete word
        and one starting with `partial` (the widest reading). strict: each complete word as a
        whole word, and another word starting with `partial` (the narrowest reading)."""
        strict, loose = [], []
        for p in self.model.products:
            tokens = p["name_words"]
            if not any(t.startswith(partial) for t in tokens):
                continue
            if all(any(t.startswith(w) for t in tokens) for w in complete):
                loose.append(p)
                if (all(w in tokens for w in complete)
                        and any(t.startswith(partial) and t not in complete for t in tokens)):
                    strict.append(p)
        return strict, loose

    def test_suggest_prefix(self):
        for prefix, limit in ((self.brand[:3], 20), (self.brand[:2], None)):
            with self.subTest(prefix=prefix):
                params = {"q": prefix} if limit is None else {"q": prefix, "limit": limit}
                items = self.suggest(params)
                strict, loose = self.products_with_prefixes([], prefix)
                self.assertTrue(strict)
                self.check_suggestions(items, [prefix], strict, loose, limit or 10)
                self.assertTrue(items, f"no suggestion for {prefix!r}")
        # Upper case typing works the same.
        self.assertTrue(self.suggest({"q": self.brand[:3].upper()}))

    def test_suggest_two_words_last_partial(self):
        sample = next(p for p in self.model.products
                      if p["name_words"][0] == self.brand and len(p["name_words"]) >= 3
                      and len(p["name_words"][1]) >= 3 and not self.brand.startswith(p["name_words"][1][:3]))
        second = sample["name_words"][1]
        partial = second[:3]
        q = f"{self.brand} {partial}"
        items = self.suggest({"q": q})
        strict, loose = self.products_with_prefixes([self.brand], partial)
        self.assertIn(sample, strict)
        self.check_suggestions(items, [self.brand, partial], strict, loose, 10)
        self.assertTrue(items, f"no suggestion for {q!r}")
        # Leading and repeated spaces and case do not matter. (No trailing space: "com " may
        # fairly be read as a finished word.)
        items2 = self.suggest({"q": f"  {self.brand.title()}   {partial}"})
        self.check_suggestions(items2, [self.brand, partial], strict, loose, 10)

    def test_suggest_limit_and_validation(self):
        self.assertLessEqual(len(self.suggest({"q": self.brand[:2], "limit": 1})), 1)
        self.assertLessEqual(len(self.suggest({"q": "a", "limit": 20})), 20)
        self.suggest({"q": "x" * 100})
        for params, keywords in (({}, ("q",)),
                                 ({"q": ""}, ("q",)),
                                 ({"q": "x" * 101}, ("q",)),
                                 ({"q": "fa", "limit": "0"}, ("limit",)),
                                 ({"q": "fa", "limit": "21"}, ("limit",)),
                                 ({"q": "fa", "limit": "ten"}, ("limit",)),
                                 ({"q": "fa", "colour": "red"}, ("colour",))):
            with self.subTest(params={k: v[:20] for k, v in params.items()}):
                self.assert_bad_query(SUGGEST, params, keywords)


# ---- products of our own: relevance, stemming, spelling, snippets, freshness, stock --------

def wait_until_found(server, q, ids, timeout=SETUP_WAIT_S):
    """Set-up helper: waits until a search for q returns every id in `ids`."""
    ids = set(ids)
    path = query_path(SEARCH, {"q": q, "limit": 100})
    deadline = time.monotonic() + timeout
    while True:
        status, h, doc = server.json("GET", path)
        if status == 200 and ids <= {x["id"] for x in doc.get("items", [])}:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"set-up: products {sorted(ids)} not searchable by {q!r} after "
                                 f"{timeout:.0f} s: {status} {str(doc)[:500]}")
        time.sleep(POLL_S)


class SearchLiveTest(SearchAssertions, ServerTestCase):

    @classmethod
    def prepare_data_dir(cls, server):
        server.seed(SEEDED)
        server.cli("reindex")

    @classmethod
    def create(cls, name, description="", price=1000, **kw):
        body = product_body(name=name, price=price, description=description, **kw)
        status, h, p = cls.server.json("POST", ADMIN_PRODUCTS, body, token=cls.admin)
        if status != 201:
            raise AssertionError(f"create product {name!r} -> {status}: {p}")
        return p

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.make_products()
        except BaseException:
            cls.server.close()  # tearDownClass does not run when setUpClass fails
            cls.server = None
            raise

    @classmethod
    def make_products(cls):
        cls.admin = cls.server.make_admin()
        cls.seeded = CatalogSnapshot(cls.server.data_dir)
        c = cls.create
        # Relevance: one exact title and decoys holding every query word in longer text.
        cls.exact = c("Aurora Borealis Lantern", "A warm amber light for winter evenings.")
        cls.decoys = [
            c("Aurora Camping Mug", "Pairs well with our borealis lantern on cold nights by the lake; "
                                    "holds twelve ounces of cocoa and keeps it hot for hours."),
            c("Borealis Lantern Stand", "A sturdy folding stand that holds the aurora lantern steady on "
                                        "uneven ground, with rubber feet and a carry strap."),
            c("Aurora Borealis Lantern Replacement Glass Shade Kit",
              "Spare parts kit with a replacement glass shade, a rubber gasket, four screws and a small "
              "hex key for fitting at home."),
        ]
        # Stemming.
        cls.runs_journal = c("Zebulon Runs Journal", "A notebook to log every training session.")
        cls.run_tracker = c("Zebulon Run Tracker", "Clip-on counter for your daily miles.")
        # Spelling.
        cls.kaleido = c("Kaleidoscope Wireless Projector", "Throws slowly turning patterns onto the ceiling.")
        # Snippets: the description needs HTML escaping.
        cls.glimmer = c("Glimmerstone Coaster Set",
                        'Four coasters cut from glimmerstone slate; safe for <hot> mugs & "tea" cups.')
        # Suggest: names only.
        cls.quasar_scope = c("Quasarflux Telescope", "A small refractor for balcony astronomy.")
        cls.quasar_tripod = c("Quasarflux Tripod Mount", "Aluminium legs with a smooth pan head.")
        cls.bowl = c("Zircona Serving Bowl", "Glazed in xylocarp green by hand.")
        for q, products in (("aurora borealis lantern", [cls.exact] + cls.decoys),
                            ("zebulon", [cls.runs_journal, cls.run_tracker]), ("kaleidoscope", [cls.kaleido]),
                            ("glimmerstone", [cls.glimmer]),
                            ("quasarflux", [cls.quasar_scope, cls.quasar_tripod]),
                            ("zircona", [cls.bowl])):
            wait_until_found(cls.server, q, [p["id"] for p in products])

    # ---- helpers ---------------------------------------------------------------------

    def hits_for(self, q, **extra):
        return self.search({"q": q, "limit": 100, **extra})["items"]

    def hit_of(self, pid, q, **extra):
        for h in self.hits_for(q, **extra):
            if h["id"] == pid:
                return h
        return None

    def assert_hit_is_product(self, hit, p):
        self.assertEqual(hit["name"], p["name"])
        self.assertEqual(hit["slug"], p["slug"])
        self.assertEqual(hit["category_id"], p["category_id"])
        self.assertEqual(hit["price_from"], p["price_from"])
        self.assertEqual(epoch_seconds(hit["created_at"]), epoch_seconds(p["created_at"]))

    def adjust(self, sku, delta):
        status, h, doc = self.server.json("POST", f"{INVENTORY}/{sku}/adjustments",
                                          {"delta": delta, "reason": "search test"}, token=self.admin)
        self.assertEqual(status, 201, doc)

    # ---- relevance -------------------------------------------------------------------

    def test_exact_title_match_ranks_first(self):
        for q in ("aurora borealis lantern", "Aurora Borealis Lantern", "AURORA borealis LANTERN"):
            with self.subTest(q=q):
                doc = self.search({"q": q, "limit": 100})
                ids = [h["id"] for h in doc["items"]]
                self.assertTrue(ids, doc)
                self.assertEqual(ids[0], self.exact["id"],
                                 f"the exact title match is not first: {[h['name'] for h in doc['items'][:5]]}")
                self.assertEqual(doc["items"][0]["score"], 100, "the best match scores 100")
                for d in self.decoys:
                    self.assertIn(d["id"], ids, f"{d['name']!r} holds every word of {q!r}")
                scores = [h["score"] for h in doc["items"]]
                self.assertEqual(scores, sorted(scores, reverse=True))
                self.assertIsNone(doc["did_you_mean"])
                self.assert_hit_is_product(doc["items"][0], self.exact)

    def test_stemming(self):
        both = [self.runs_journal, self.run_tracker]
        for q, expected in (("running", both), ("runs", both), ("run", both),
                            ("journals", [self.runs_journal]), ("trackers", [self.run_tracker])):
            with self.subTest(q=q):
                ids = set(self.ids_for({"q": q}))
                for p in expected:
                    self.assertIn(p["id"], ids, f"q={q!r} does not find {p['name']!r}")
        # Over the seeded catalog: every product with "running" in its text is found by "run".
        seeded_running = {p["id"] for p in self.seeded.products if "running" in p["words"]}
        self.assertLessEqual(seeded_running, set(self.ids_for({"q": "run"})))

    def test_typo_gets_did_you_mean(self):
        cases = (("kaleidoscpe", "kaleidoscope"), ("wirless", "wireless"),
                 ("kaleidoscpe projector", "kaleidoscope projector"),
                 ("kaleidoscope wirless", "kaleidoscope wireless"))  # one known word, one not
        for q, corrected in cases:
            with self.subTest(q=q):
                doc = self.search({"q": q})
                dym = doc["did_you_mean"]
                self.assertIsNotNone(dym, f"no did_you_mean for {q!r}")
                self.assertEqual(" ".join(dym.lower().split()), corrected)
                # The suggestion finds the product.
                self.assertIn(self.kaleido["id"], [h["id"] for h in self.hits_for(dym)])
        doc = self.search({"q": "kaleidoscope"})
        self.assertIsNone(doc["did_you_mean"], "a correctly spelled query has no did_you_mean")
        self.assertIn(self.kaleido["id"], [h["id"] for h in doc["items"]])
        # Nor do indexed words with a more frequent neighbour one or two letters away.
        indexed = set().union(*(p["words"] for p in self.seeded.products))
        common = [w for w in ("jacket", "steel", "runner", "trail", "shoe") if w in indexed]
        self.assertTrue(common, "the seeded catalog changed: pick other words")
        for q in common:
            with self.subTest(q=q):
                doc = self.search({"q": q})
                self.assertGreater(doc["total"], 0)
                self.assertIsNone(doc["did_you_mean"], f"{q!r} is in the index")
        doc = self.search({"q": "qxqxqxqxqxqx"})
        self.assertEqual(doc["total"], 0)
        self.assertIsNone(doc["did_you_mean"], "nothing is close to this word")

    def test_pages_do_not_shift_when_products_are_added(self):
        # Cursors are stable under concurrent inserts: a page after new matches were added
        # continues where the first one stopped, with nothing shown twice or skipped.
        for sort in ("newest", "relevance", "price_asc"):
            with self.subTest(sort=sort):
                word = f"shiftcheck{sort.replace('_', '')}"
                made = [self.create(f"{word.title()} Item {i}", f"{word} test item", price=1000 + i)
                        for i in range(6)]
                wait_until_found(self.server, word, [p["id"] for p in made])
                first = self.search({"q": word, "sort": sort, "limit": 3})
                self.assertEqual(first["total"], 6)
                added = [self.create(f"{word.title()} Late {i}", f"{word} added later", price=1000 + i)
                         for i in range(3)]
                wait_until_found(self.server, word, [p["id"] for p in added])
                second = self.search({"q": word, "sort": sort, "limit": 3, "cursor": first["next_cursor"]})
                shown = [h["id"] for h in first["items"] + second["items"]]
                self.assertEqual(sorted(shown), sorted(p["id"] for p in made), "the pages of the first view")
                self.assertIsNone(second["next_cursor"])
                self.assertEqual(self.search({"q": word})["total"], 9)  # a new search sees them

    def test_snippet_marks_matches_and_is_escaped(self):
        hit = self.hit_of(self.glimmer["id"], "glimmerstone")
        self.assertIsNotNone(hit)
        snippet = hit["snippet"]
        self.assertIn("<mark>", snippet)
        self.assertRegex(snippet, re.compile(r"<mark>\s*glimmerstone\s*</mark>", re.IGNORECASE))
        text = MARK_RE.sub("", snippet)
        self.assertNotIn("<", text, f"snippet is not HTML-escaped: {snippet!r}")
        self.assertNotIn(">", text, f"snippet is not HTML-escaped: {snippet!r}")
        if "hot" in text:
            self.assertIn("&lt;hot&gt;", text, snippet)
        self.assertEqual(re.sub(r"&(amp|lt|gt|quot|apos|#34|#39|#x22|#x27);", "", text).count("&"), 0,
                         f"a raw & in the snippet: {snippet!r}")
        self.assertEqual(snippet.count("<mark>"), snippet.count("</mark>"), snippet)
        # A word only in the description is found, and marked there.
        hit = self.hit_of(self.bowl["id"], "xylocarp")
        self.assertIsNotNone(hit, "description words are searchable")
        self.assertRegex(hit["snippet"], re.compile(r"<mark>\s*xylocarp\s*</mark>", re.IGNORECASE))

    # ---- suggest ---------------------------------------------------------------------

    def test_suggest_own_products(self):
        scope, tripod = self.quasar_scope, self.quasar_tripod
        for q in ("qu", "qua", "Quasar"):
            with self.subTest(q=q):
                items = self.suggest({"q": q, "limit": 20})
                for s in items:
                    self.assert_text_has_prefixes(s["text"], [q.lower()])
                by_id = {s["product_id"]: s for s in items}
                for p in (scope, tripod):
                    self.assertIn(p["id"], by_id, f"{p['name']!r} not suggested for {q!r}: {items}")
                    self.assertEqual(by_id[p["id"]]["text"], p["name"])
                    self.assertEqual(by_id[p["id"]]["slug"], p["slug"])
        items = self.suggest({"q": "quasarflux tri"})
        ids = [s["product_id"] for s in items]
        self.assertIn(tripod["id"], ids)
        self.assertNotIn(scope["id"], ids, "no word of 'Quasarflux Telescope' starts with 'tri'")
        for s in items:
            self.assert_text_has_prefixes(s["text"], ["quasarflux", "tri"])
        # Names only: a description word suggests nothing.
        self.assertNotIn(self.bowl["id"], [s["product_id"] for s in self.suggest({"q": "xyloc"})])
        self.assertIn(self.bowl["id"], [s["product_id"] for s in self.suggest({"q": "zirc"})])

    # ---- eventual indexing -------------------------------------------------------------

    def test_created_product_searchable_within_2s(self):
        w = made_up_word()
        p = self.create(f"{w.title()} Desk Organiser", f"Keeps the {w} tidy.", price=4321)
        # The clock starts when the write is acknowledged.
        hit, seconds = poll(lambda: self.hit_of(p["id"], w), FRESHNESS_S + 1)
        self.assertIsNotNone(hit, f"created product not searchable after {seconds:.2f} s")
        self.assertLess(seconds, FRESHNESS_S, f"created product searchable only after {seconds:.2f} s")
        self.assert_hit_is_product(hit, p)
        self.assertFalse(hit["in_stock"], "a SKU never adjusted has nothing available")
        doc = self.search({"q": w})
        self.assertEqual(doc["total"], 1)
        items, _ = poll(lambda: [s for s in self.suggest({"q": w[:8]}) if s["product_id"] == p["id"]],
                        FRESHNESS_S)
        self.assertTrue(items, "a searchable product's name is suggested")

    def test_archived_product_disappears_within_2s(self):
        w = made_up_word()
        p = self.create(f"{w.title()} Picture Frame", f"Oak frame {w}.")
        wait_until_found(self.server, w, [p["id"]])
        status, h, got = self.server.json("POST", f"{ADMIN_PRODUCTS}/{p['id']}/archive", token=self.admin)
        self.assertEqual(status, 200, got)
        gone, seconds = poll(lambda: self.search({"q": w})["total"] == 0, FRESHNESS_S + 1)
        self.assertTrue(gone, f"archived product still found after {seconds:.2f} s")
        self.assertLess(seconds, FRESHNESS_S, f"archived product found for {seconds:.2f} s")
        self.assertNotIn(p["id"], self.ids_for({"q": ""}), "archived product listed for an empty q")
        gone, _ = poll(lambda: p["id"] not in [s["product_id"] for s in self.suggest({"q": w[:8]})],
                       FRESHNESS_S)
        self.assertTrue(gone, "archived product still suggested")

    def test_draft_is_not_searchable_until_activated(self):
        wd, wa = made_up_word(), made_up_word()
        draft = self.create(f"{wd.title()} Teapot", f"Draft {wd}.", status="draft")
        active = self.create(f"{wa.title()} Teacup", f"Active {wa}.")
        wait_until_found(self.server, wa, [active["id"]])  # written after the draft
        self.assertEqual(self.search({"q": wd})["total"], 0, "a draft is not searchable")
        status, h, got = self.server.json("PATCH", f"{ADMIN_PRODUCTS}/{draft['id']}", {"status": "active"},
                                          token=self.admin)
        self.assertEqual(status, 200, got)
        hit, seconds = poll(lambda: self.hit_of(draft["id"], wd), FRESHNESS_S + 1)
        self.assertIsNotNone(hit, f"activated product not searchable after {seconds:.2f} s")
        self.assertLess(seconds, FRESHNESS_S, f"activated product searchable only after {seconds:.2f} s")

    def test_price_change_visible_on_next_read(self):
        w = made_up_word()
        p = self.create(f"{w.title()} Wall Shelf", f"Floating shelf {w}.", price=5000)
        sku = p["variants"][0]["sku"]
        wait_until_found(self.server, w, [p["id"]])
        page = f"{PRODUCTS}/{p['id']}"
        for _ in range(2):  # warm the product page cache
            status, h, got = self.server.json("GET", page)
            self.assertEqual(status, 200, got)
            self.assertEqual(got["price_from"]["amount"], 5000)
        self.assertEqual(self.search({"q": w, "price_min": 5000})["total"], 1)  # warm any search cache
        status, h, got = self.server.json(
            "PATCH", f"{ADMIN_PRODUCTS}/{p['id']}",
            {"variants": [{"sku": sku, "name": "Default", "price": {"amount": 1234, "currency": "USD"}}]},
            token=self.admin)
        self.assertEqual(status, 200, got)
        self.assertEqual(got["price_from"]["amount"], 1234)
        # The product page cache is invalidated synchronously: the very next read.
        status, h, got = self.server.json("GET", page)
        self.assertEqual(status, 200, got)
        self.assertEqual(got["price_from"], {"amount": 1234, "currency": "USD"},
                         "the product page still shows the old price right after the PATCH")

        def repriced():
            hit = self.hit_of(p["id"], w)
            return (hit is not None and hit["price_from"]["amount"] == 1234
                    and self.search({"q": w, "price_min": 5000})["total"] == 0)
        ok, seconds = poll(repriced, FRESHNESS_S + 1)
        self.assertTrue(ok, f"search still has the old price after {seconds:.2f} s")
        self.assertLess(seconds, FRESHNESS_S, f"search showed the new price only after {seconds:.2f} s")
        self.assertEqual(self.search({"q": w, "price_min": 1234, "price_max": 1234})["total"], 1)
        self.assertEqual(self.search({"q": w, "price_max": 1233})["total"], 0)

    def test_in_stock_follows_inventory_adjustments(self):
        w = made_up_word()
        u = uniq("")
        p = self.create(f"{w.title()} Lunch Box", f"Steel {w}.", variants=[
            {"sku": f"LB-{u}-S", "name": "Small", "price": {"amount": 1500, "currency": "USD"}},
            {"sku": f"LB-{u}-L", "name": "Large", "price": {"amount": 1900, "currency": "USD"}}])
        wait_until_found(self.server, w, [p["id"]])
        self.assertFalse(self.hit_of(p["id"], w)["in_stock"])
        self.assertEqual(self.search({"q": w, "in_stock": "true"})["total"], 0)
        self.assertEqual(self.search({"q": w, "in_stock": "false"})["total"], 1, "false is no restriction")

        self.adjust(f"LB-{u}-L", 3)  # one SKU available is enough

        def stocked():
            doc = self.search({"q": w, "in_stock": "true"})
            return doc["total"] == 1 and doc["items"][0]["in_stock"] is True
        ok, seconds = poll(stocked, STOCK_EVENTUAL_S)
        self.assertTrue(ok, f"in_stock=true does not find the product {seconds:.1f} s after stocking it")
        self.assertEqual(self.search({"q": w, "in_stock": "false"})["total"], 1)

        self.adjust(f"LB-{u}-L", -3)

        def sold_out():
            hit = self.hit_of(p["id"], w)
            return (hit is not None and hit["in_stock"] is False
                    and self.search({"q": w, "in_stock": "true"})["total"] == 0)
        ok, seconds = poll(sold_out, STOCK_EVENTUAL_S)
        self.assertTrue(ok, f"still in stock {seconds:.1f} s after available went to 0")

    # ---- metrics ---------------------------------------------------------------------

    def test_index_lag_metric(self):
        status, h, body = self.server.request("GET", "/metrics")
        self.assertEqual(status, 200)
        samples = []
        for line in body.decode("utf-8").splitlines():
            if line and not line.startswith("#"):
                m = SAMPLE_RE.match(line)
                if m and "search_index_lag" in m.group(1):
                    samples.append((m.group(1), float(m.group(3))))
        self.assertTrue(samples, "no metric whose name contains search_index_lag")
        for name, value in samples:
            self.assertFalse(value < 0, f"{name} is negative: {value}")


# ---- emporium reindex ---------------------------------------------------------------------

class SearchReindexTest(SearchAssertions, unittest.TestCase):

    def test_reindex_rebuilds_the_index_while_stopped(self):
        srv = Server(start=False)
        self.addCleanup(srv.close)
        self.server = srv
        srv.seed(REINDEX_SEEDED)  # seed publishes no events: only a rebuild indexes these
        srv.start()
        admin = srv.make_admin()
        kept_word, archived_word, draft_word = made_up_word(), made_up_word(), made_up_word()

        def create(name, **kw):
            status, h, p = srv.json("POST", ADMIN_PRODUCTS, product_body(name=name, **kw), token=admin)
            self.assertEqual(status, 201, p)
            return p

        kept = create(f"{kept_word.title()} Bookend")
        archived = create(f"{archived_word.title()} Doorstop")
        create(f"{draft_word.title()} Paperweight", status="draft")
        status, h, got = srv.json("POST", f"{ADMIN_PRODUCTS}/{archived['id']}/archive", token=admin)
        self.assertEqual(status, 200, got)
        wait_until_found(srv, kept_word, [kept["id"]])

        self.assertEqual(srv.stop(), 0, f"server did not exit 0 on SIGTERM\n{srv.log_tail()}")
        # Simulate a lost index: remove every Xapian database in the data directory.
        lost = [d for d in find_xapian_dirs(srv.data_dir)
                if os.path.abspath(d) != os.path.abspath(srv.data_dir)]
        for d in lost:
            shutil.rmtree(d)
        cp = srv.cli("reindex", check=False)
        self.assertEqual(cp.returncode, 0, f"emporium reindex exited {cp.returncode}\n{cp.stdout}\n{cp.stderr}")
        if lost:
            self.assertTrue(find_xapian_dirs(srv.data_dir), f"reindex did not recreate the index {lost}")

        srv.start()
        model = CatalogSnapshot(srv.data_dir)
        self.assertEqual(len(model.products), REINDEX_SEEDED + 1)
        complete, _ = poll(lambda: self.search({"q": ""})["total"] == len(model.products), FRESHNESS_S)
        self.assertTrue(complete, f"after reindex and restart, empty q finds "
                                  f"{self.search({'q': ''})['total']} of {len(model.products)} active products")
        hits, first = self.search_all({"q": ""})
        self.assertEqual({x["id"] for x in hits}, set(model.by_id))
        cats, price = model.facets(model.products)
        self.assertEqual({c["id"]: c for c in first["facets"]["categories"]}, cats)
        self.assertEqual(first["facets"]["price"], price)
        self.assertEqual([x["id"] for x in self.search({"q": kept_word})["items"]], [kept["id"]])
        self.assertEqual(self.search({"q": archived_word})["total"], 0, "archived product came back")
        self.assertEqual(self.search({"q": draft_word})["total"], 0, "draft product indexed")
        seeded_name = next(p for p in model.products if p["id"] != kept["id"])["name"]
        self.assertGreater(self.search({"q": seeded_name})["total"], 0, "seeded products are searchable")
        self.assertEqual(srv.stop(), 0, f"server did not exit 0 on SIGTERM\n{srv.log_tail()}")


if __name__ == "__main__":
    unittest.main()

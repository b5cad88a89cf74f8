"""The page cache, observed through the API and GET /metrics.

Black-box tests written from the issue and docs/API.md:

  "Cache port with an in-process adapter: sharded LRU bounded in bytes, TTL, single-flight
  loading (a miss storm makes one load), serve-stale when the loader fails; used for product
  details, product lists, search results and the home page; invalidated by product events
  (a price change is visible on the next read); hit, miss and eviction metrics."
  "Tests: ... cache invalidation, 1,000 concurrent requests for a cold key cause one load."

Metrics (Prometheus text at GET /metrics), all labelled cache="pages":
emporium_cache_{hits,misses,evictions,loads,coalesced,stale_served,load_failures}_total and the
gauges emporium_cache_bytes / emporium_cache_entries. A cache key is the path plus the query
parameters. Settings: cache.max_bytes (0 disables the cache), cache.ttl_ms, cache.stale_ms;
"product writes through this process invalidate at once".

Classes that count metric deltas never write to the catalog, so that no asynchronous product
event or index commit can invalidate an entry between two reads of the same test; and their
TTL is long (60 s) so that nothing expires by itself during a test.
"""

import http.client
import json
import os
import random
import re
import socket
import sys
import threading
import time
import unittest

try:
    import resource
except ImportError:  # pragma: no cover - not on Linux
    resource = None

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (HOST, ServerTestCase, assert_problem, parse_json,  # noqa: E402
                     product_body, uniq)

PRODUCTS = "/api/v1/products"
SEARCH = "/api/v1/search"
ADMIN_PRODUCTS = "/api/v1/admin/products"
ADMIN_CATEGORIES = "/api/v1/admin/categories"

SEEDED = 30
STORM_SEEDED = 1000           # a bigger catalog makes a slower load: a wider window for the storm
LONG_TTL_MS = 60000
STORM = 1000                  # the issue: 1,000 concurrent requests for a cold key
STORM_TIMEOUT_S = 120.0       # guard against a hang only (not a timing assertion)
WARM_TIMEOUT_S = 5.0          # how long warming may take to see a cache hit (set-up)

CACHE_SERIES = ("hits_total", "misses_total", "evictions_total", "bytes", "entries", "loads_total",
                "coalesced_total", "stale_served_total", "load_failures_total")
CACHE_RE = re.compile(r'^emporium_cache_([a-z_]+)\{([^}]*)\}\s+(\S+)(?:\s+\d+)?$', re.M)


def raise_fd_limit(wanted=4096):
    """The storm opens 1,000 client sockets at once (and the server, a child of this process,
    inherits the limit); make sure the soft limit allows it."""
    if resource is None:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def cache_metrics(server):
    """{series: value} of the cache="pages" samples; fails when one is missing."""
    status, h, body = server.request("GET", "/metrics")
    if status != 200:
        raise AssertionError(f"GET /metrics -> {status}: {body[:300]!r}")
    out = {}
    for name, labels, value in CACHE_RE.findall(body.decode("utf-8")):
        if re.search(r'(^|,)\s*cache="pages"', labels):
            out[name] = float(value)
    missing = [s for s in CACHE_SERIES if s not in out]
    if missing:
        raise AssertionError(f"/metrics lacks emporium_cache_{{{','.join(missing)}}}{{cache=\"pages\"}}")
    return out


def delta(before, after):
    return {k: after[k] - before[k] for k in CACHE_SERIES}


def fmt(d):
    return ", ".join(f"{k}={v:+g}" for k, v in d.items() if v) or "(nothing moved)"


def cold_list_url(limit=None):
    """A product-list URL that was certainly never requested before: a random huge price_max
    (above every price, so the answer is still every product) and a random limit."""
    limit = limit or random.randrange(11, 99)
    price_max = 900_000_000 + random.randrange(100_000_000)
    return f"{PRODUCTS}?sort=price_desc&limit={limit}&price_max={price_max}"


class CacheAssertions:
    """Mixin: needs self.server (and self.admin for writes)."""

    def get(self, path, headers=None, expect=200):
        status, h, raw = self.server.request("GET", path, headers=headers)
        self.assertEqual(status, expect, f"GET {path} -> {status}: {raw[:300]!r}")
        return h, raw

    def get_json(self, path):
        h, raw = self.get(path)
        return h, parse_json(raw, f"GET {path}")

    def metered_get(self, path, headers=None, expect=200):
        """GET with the cache counters read before and after; returns (headers, body, delta)."""
        before = cache_metrics(self.server)
        h, raw = self.get(path, headers=headers, expect=expect)
        return h, raw, delta(before, cache_metrics(self.server))

    def warm(self, path):
        """GETs `path` until one GET is answered from the cache (hits +1, no load): the page is
        then certainly cached. Several GETs, as the issue's "even after warming" asks."""
        deadline = time.monotonic() + WARM_TIMEOUT_S
        seen = []
        while True:
            h, raw, d = self.metered_get(path)
            seen.append(fmt(d))
            if d["hits_total"] >= 1 and d["loads_total"] == 0 and len(seen) >= 2:
                return h, raw
            if time.monotonic() > deadline:
                self.fail(f"set-up: {path} never came from the cache in {WARM_TIMEOUT_S:.0f} s; "
                          f"counter moves per GET: {seen[-10:]}")


# ---- counters and single-flight: a read-only server -------------------------------------

class CacheCountersTest(CacheAssertions, ServerTestCase):
    """Nothing here writes: every counter move comes from the requests of the test."""

    # The storms open STORM connections at once from one address: past the default cap per
    # client address (server.max_connections_per_address), so it is raised here. They are
    # also an overload by design: the gateway's load shedder (after the first storm's queue
    # it may cut its limit) and the search bulkhead would rightly refuse some of the next,
    # and these tests are about the cache's single flight, not about admission.
    SERVER_ENV = {"EMPORIUM_CACHE_TTL_MS": str(LONG_TTL_MS),
                  "EMPORIUM_SERVER_MAX_CONNECTIONS_PER_ADDRESS": str(2 * STORM),
                  "EMPORIUM_GATEWAY_LOAD_SHEDDING": "false",
                  "EMPORIUM_BULKHEADS_SEARCH_QUEUE": str(4 * STORM)}

    @classmethod
    def prepare_data_dir(cls, server):
        server.seed(STORM_SEEDED)

    @classmethod
    def setUpClass(cls):
        raise_fd_limit()
        super().setUpClass()
        try:
            status, h, doc = cls.server.json("GET", f"{PRODUCTS}?limit=100")
            if status != 200 or len(doc["items"]) < 100:
                raise AssertionError(f"set-up: seeded catalog not listed: {status} {str(doc)[:300]}")
            cls.seeded = doc["items"]
        except BaseException:
            cls.server.close()  # tearDownClass does not run when setUpClass fails
            cls.server = None
            raise

    # ---- (d) hits and misses -----------------------------------------------------------

    def test_metrics_exposed_for_the_pages_cache(self):
        m = cache_metrics(self.server)
        for name in CACHE_SERIES:
            self.assertGreaterEqual(m[name], 0, f"emporium_cache_{name} is negative")
        status, h, body = self.server.request("GET", "/metrics")
        text = body.decode("utf-8")
        for name in ("hits_total", "misses_total", "evictions_total", "loads_total", "coalesced_total",
                     "stale_served_total", "load_failures_total"):
            self.assertRegex(text, re.compile(rf"^# TYPE emporium_cache_{name} counter$", re.M))
        for name in ("bytes", "entries"):
            self.assertRegex(text, re.compile(rf"^# TYPE emporium_cache_{name} gauge$", re.M))

    def test_repeated_get_is_a_hit(self):
        for path in (cold_list_url(), f"{PRODUCTS}/{self.seeded[3]['id']}", f"{PRODUCTS}/{self.seeded[4]['slug']}",
                     f"{SEARCH}?q=&limit={random.randrange(2, 99)}&price_max={900_000_000 + random.randrange(10**8)}"):
            with self.subTest(path=path):
                h1, body1, d1 = self.metered_get(path)
                self.assertEqual(d1["loads_total"], 1, f"first GET of a cold URL: one load ({fmt(d1)})")
                self.assertEqual(d1["hits_total"], 0, f"first GET of a cold URL is no hit ({fmt(d1)})")
                self.assertGreaterEqual(d1["misses_total"], 1, f"first GET of a cold URL is a miss ({fmt(d1)})")
                h2, body2, d2 = self.metered_get(path)
                self.assertEqual(body2, body1, "a cached page differs from the page it caches")
                self.assertEqual(h2.get("etag"), h1.get("etag"))
                self.assertEqual(d2["hits_total"], 1, f"second GET of the same URL is a hit ({fmt(d2)})")
                self.assertEqual(d2["misses_total"], 0, f"second GET of the same URL is no miss ({fmt(d2)})")
                self.assertEqual(d2["loads_total"], 0, f"second GET of the same URL loads nothing ({fmt(d2)})")
                h3, body3, d3 = self.metered_get(path)
                self.assertEqual(body3, body1)
                self.assertEqual((d3["hits_total"], d3["misses_total"], d3["loads_total"]), (1, 0, 0), fmt(d3))

    def test_cold_get_counts_one_miss_one_load_one_entry(self):
        path = cold_list_url()
        h, body, d = self.metered_get(path)
        self.assertEqual(d["loads_total"], 1, fmt(d))
        self.assertEqual(d["hits_total"], 0, fmt(d))
        self.assertEqual(d["entries"], 1, f"the page is stored as one new entry ({fmt(d)})")
        self.assertGreater(d["bytes"], 0, f"a stored page takes bytes ({fmt(d)})")
        self.assertEqual(d["evictions_total"], 0, f"nothing to evict under a 64 MiB bound ({fmt(d)})")
        self.assertEqual(d["misses_total"], 1,
                         f"one GET of a cold URL is one cache lookup that found nothing: misses +1, "
                         f"not more ({fmt(d)}); hits/(hits+misses) must be the hit ratio")

    def test_distinct_query_parameters_are_distinct_entries(self):
        base = cold_list_url(limit=5)
        other = base.replace("limit=5", "limit=6")
        h1, b1, d1 = self.metered_get(base)
        h2, b2, d2 = self.metered_get(other)
        self.assertEqual(d1["loads_total"], 1, fmt(d1))
        self.assertEqual(d2["loads_total"], 1, f"another query is another key ({fmt(d2)})")
        self.assertEqual(len(json.loads(b1)["items"]), 5)
        self.assertEqual(len(json.loads(b2)["items"]), 6)
        self.assertEqual(self.metered_get(base)[2]["hits_total"], 1)
        self.assertEqual(self.metered_get(other)[2]["hits_total"], 1)

    def test_a_repeated_parameter_is_400_and_cannot_poison_a_page(self):
        # ?limit=3&limit=7 has no single meaning; answered with one value's page, it would be
        # cached under the other's key and served to everyone asking for that one.
        base = cold_list_url(limit=3)
        status, h, raw = self.server.request("GET", base + "&limit=7")
        assert_problem(self, status, h, raw, 400)
        status, _, page = self.server.json("GET", base)
        self.assertEqual(status, 200)
        self.assertEqual(len(page["items"]), 3)
        for path in ("/api/v1/search?q=a&q=b", "/api/v1/search/suggest?q=ab&q=cd"):
            status, h, raw = self.server.request("GET", path)
            assert_problem(self, status, h, raw, 400)

    def test_an_unknown_parameter_is_400_even_when_the_plain_list_is_cached(self):
        # ?limt=5 (a typo) must not quietly answer the default page, least of all from the
        # cache on the event-loop fast path, which knows only the page's own key.
        base = cold_list_url(limit=4)
        self.assertEqual(self.server.json("GET", base)[0], 200)
        self.assertEqual(self.server.json("GET", base)[0], 200)  # now a fresh cache entry
        for extra, name in (("&limt=5", "limt"), ("&status=draft", "status"), ("&q=shoe", "q")):
            with self.subTest(extra=extra):
                status, h, raw = self.server.request("GET", base + extra)
                body = assert_problem(self, status, h, raw, 400)
                self.assertIn(name, [e.get("field") for e in body.get("errors", [])], body)
        for path in ("/api/v1/orders?limt=5", "/api/v1/orders?limit=5&page=2"):
            with self.subTest(path=path):
                status, h, raw = self.server.request("GET", path, token=self.server.new_customer()[1])
                assert_problem(self, status, h, raw, 400)

    def test_a_value_cannot_spell_out_other_parameters_of_a_cached_page(self):
        # ?category=<c>%1Flimit%3D<n> is one (unknown) category and an empty page; it must
        # not be stored where ?category=<c>&limit=<n> (a full page) is looked up.
        category = self.seeded[0]["category_id"]
        limit = random.randrange(50, 99)
        forged = f"{PRODUCTS}?category={category}%1Flimit%3D{limit}"
        status, _, page = self.server.json("GET", forged)
        # U+001F is a control character, which the server refuses in a decoded request target
        # before any route (docs/API.md); a value without one is an unknown category.
        self.assertEqual(status, 400, page)
        forged = f"{PRODUCTS}?category={category}~limit%3D{limit}"
        status, _, page = self.server.json("GET", forged)
        self.assertEqual((status, page["items"]), (200, []), page)
        real = f"{PRODUCTS}?category={category}&limit={limit}"
        status, _, page = self.server.json("GET", real)
        self.assertEqual(status, 200, page)
        self.assertTrue(page["items"], "the real page was answered from the forged URL's cache entry")

    def test_not_found_is_still_404_when_repeated(self):
        path = f"{PRODUCTS}/prd_{uniq('nosuch')}"
        for _ in range(3):
            status, h, raw = self.server.request("GET", path)
            assert_problem(self, status, h, raw, 404)

    # ---- (e) ETag / If-None-Match on a cached page --------------------------------------

    def test_if_none_match_on_a_cached_page_is_304(self):
        for path in (f"{PRODUCTS}/{self.seeded[5]['id']}", cold_list_url()):
            with self.subTest(path=path):
                h1, body1 = self.warm(path)
                etag = h1.get("etag")
                self.assertTrue(etag, f"no ETag on {path}: {h1}")
                self.assertRegex(etag, r'^(W/)?"[^"]*"$', "ETag must be a quoted entity tag")
                cc = h1.get("cache-control", "")
                self.assertIn("public", cc)
                self.assertIn("max-age", cc)
                h2, body2, d = self.metered_get(path, headers={"If-None-Match": etag}, expect=304)
                self.assertEqual(body2, b"", "a 304 has no body")
                self.assertEqual(h2.get("etag"), etag, "a 304 repeats the ETag")
                self.assertEqual(d["loads_total"], 0, f"a 304 of a cached page loads nothing ({fmt(d)})")
                self.assertEqual(d["hits_total"], 1, f"a 304 of a cached page is a cache hit ({fmt(d)})")
                status, h3, body3 = self.server.request("GET", path, headers={"If-None-Match": '"not-it"'})
                self.assertEqual(status, 200)
                self.assertEqual(body3, body1)
                status, h4, body4 = self.server.request("GET", path, headers={"If-None-Match": f'"x", {etag}'})
                self.assertEqual(status, 304, "If-None-Match with a list that holds the ETag")

    # ---- (c) single-flight: 1,000 concurrent requests for a cold key --------------------

    def fire(self, path, n):
        """n threads, each with its own connection. Every thread connects and sends its request
        but for the last byte, then waits at a barrier; the main thread then sends the n last
        bytes in a tight loop, so that n complete requests reach the server within a few
        milliseconds (far tighter than n threads starting their requests could manage).
        Returns [(status, etag, body) or an error string]."""
        results = [None] * n
        socks = [None] * n
        barrier = threading.Barrier(n + 1, timeout=STORM_TIMEOUT_S)
        request = (f"GET {path} HTTP/1.1\r\nHost: {HOST}:{self.server.port}\r\n"
                   f"Accept: application/json\r\nConnection: close\r\n\r\n").encode("ascii")
        head, last = request[:-1], request[-1:]

        def worker(i):
            sock = None
            try:
                try:
                    sock = socket.create_connection((HOST, self.server.port), timeout=STORM_TIMEOUT_S)
                    sock.sendall(head)
                    socks[i] = sock
                finally:
                    barrier.wait()
                if sock is None:
                    raise AssertionError("not connected")
                resp = http.client.HTTPResponse(sock, method="GET")
                resp.begin()
                body = resp.read()
                results[i] = (resp.status, resp.getheader("ETag"), body)
            except BaseException as e:  # noqa: BLE001 - reported by the caller
                if results[i] is None:
                    results[i] = f"{type(e).__name__}: {e}"
            finally:
                if sock is not None:
                    sock.close()

        old = threading.stack_size()
        threading.stack_size(256 * 1024)
        try:
            threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(n)]
            for t in threads:
                t.start()
        finally:
            threading.stack_size(old)
        barrier.wait()  # every connection is open and holds all of its request but one byte
        for i, sock in enumerate(socks):
            if sock is not None:
                try:
                    sock.send(last)
                except OSError as e:
                    results[i] = f"sending the last byte: {e}"
        deadline = time.monotonic() + STORM_TIMEOUT_S
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))
        hung = sum(1 for t in threads if t.is_alive())
        self.assertEqual(hung, 0, f"{hung} of {n} requests did not finish within {STORM_TIMEOUT_S:.0f} s")
        return results

    def test_thousand_concurrent_requests_for_a_cold_key_cause_one_load(self):
        self.storm(cold_list_url(limit=100), 100)

    def test_thousand_concurrent_searches_for_a_cold_key_cause_one_load(self):
        self.storm(f"{SEARCH}?q=&sort=price_desc&limit=100&price_max={900_000_000 + random.randrange(10**8)}", 100)

    def storm(self, path, expected_items):
        before = cache_metrics(self.server)
        results = self.fire(path, STORM)
        after = cache_metrics(self.server)
        d = delta(before, after)

        errors = [r for r in results if not isinstance(r, tuple)]
        self.assertFalse(errors, f"{len(errors)} of {STORM} requests failed, e.g. {errors[:3]}")
        statuses = {}
        for status, _, _ in results:
            statuses[status] = statuses.get(status, 0) + 1
        self.assertEqual(statuses, {200: STORM}, f"every request must answer 200: {statuses}")
        bodies = {body for _, _, body in results}
        self.assertEqual(len(bodies), 1, f"{len(bodies)} different bodies for one URL")
        doc = parse_json(next(iter(bodies)), path)
        self.assertEqual(len(doc["items"]), expected_items, "a full first page")
        etags = {etag for _, etag, _ in results}
        self.assertEqual(len(etags), 1, f"different ETags for one page: {sorted(map(str, etags))[:5]}")

        self.assertEqual(d["loads_total"], 1,
                         f"{STORM} concurrent requests for a cold key must cause exactly one load ({fmt(d)})")
        self.assertEqual(d["load_failures_total"], 0, fmt(d))
        self.assertEqual(d["entries"], 1, f"one new entry ({fmt(d)})")
        self.assertEqual(d["hits_total"] + d["coalesced_total"], STORM - 1,
                         f"every request but the loader's is a hit or waited for the load ({fmt(d)})")
        # The key is now warm: one more GET is a hit.
        h, raw, d2 = self.metered_get(path)
        self.assertEqual(raw, next(iter(bodies)))
        self.assertEqual((d2["hits_total"], d2["loads_total"]), (1, 0), fmt(d2))


# ---- invalidation: writes through the admin API ------------------------------------------

class CacheInvalidationTest(CacheAssertions, ServerTestCase):
    """A write through this process invalidates at once: the very next read shows it, even
    though the TTL (60 s) would keep the old page much longer. No polling here."""

    SERVER_ENV = {"EMPORIUM_CACHE_TTL_MS": str(LONG_TTL_MS)}

    @classmethod
    def prepare_data_dir(cls, server):
        server.seed(SEEDED)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.admin = cls.server.make_admin()
        except BaseException:
            cls.server.close()
            cls.server = None
            raise

    def create_category(self):
        status, h, c = self.server.json("POST", ADMIN_CATEGORIES, {"name": f"Cache {uniq('')}"},
                                        token=self.admin)
        self.assertEqual(status, 201, c)
        return c

    def create_product(self, **kw):
        status, h, p = self.server.json("POST", ADMIN_PRODUCTS, product_body(**kw), token=self.admin)
        self.assertEqual(status, 201, p)
        return p

    def list_ids(self, path):
        return [x["id"] for x in self.get_json(path)[1]["items"]]

    def item_of(self, path, pid):
        for x in self.get_json(path)[1]["items"]:
            if x["id"] == pid:
                return x
        return None

    def set_price(self, p, amount):
        sku = p["variants"][0]["sku"]
        status, h, got = self.server.json(
            "PATCH", f"{ADMIN_PRODUCTS}/{p['id']}",
            {"variants": [{"sku": sku, "name": "Default", "price": {"amount": amount, "currency": "USD"}}]},
            token=self.admin)
        self.assertEqual(status, 200, got)
        self.assertEqual(got["price_from"], {"amount": amount, "currency": "USD"}, got)
        return got

    # ---- (a) a price change is visible on the very next read ---------------------------

    def test_price_change_visible_on_next_read_of_product_and_list(self):
        cat = self.create_category()
        p = self.create_product(price=5000, category_id=cat["id"])
        others = [self.create_product(price=7000 + i, category_id=cat["id"]) for i in range(2)]
        by_id, by_slug = f"{PRODUCTS}/{p['id']}", f"{PRODUCTS}/{p['slug']}"
        lists = [f"{PRODUCTS}?category={cat['id']}", f"{PRODUCTS}?category={cat['slug']}&sort=price_asc",
                 f"{PRODUCTS}?limit=20"]  # newest first: p is on the first page
        etags = {}
        for path in [by_id, by_slug] + lists:
            h, raw = self.warm(path)
            etags[path] = h.get("etag")
            doc = parse_json(raw, path)
            item = doc if path in (by_id, by_slug) else next((x for x in doc["items"] if x["id"] == p["id"]), None)
            self.assertIsNotNone(item, f"set-up: {p['id']} is not on {path}")
            self.assertEqual(item["price_from"]["amount"], 5000)
        self.assertEqual(self.list_ids(lists[1]), [p["id"]] + [o["id"] for o in others])

        self.set_price(p, 9999)  # now the most expensive of the category

        for path in (by_id, by_slug):
            h, got = self.get_json(path)
            self.assertEqual(got["price_from"], {"amount": 9999, "currency": "USD"},
                             f"{path} still shows the old price on the next read after the PATCH")
            self.assertEqual(got["variants"][0]["price"]["amount"], 9999)
            self.assertNotEqual(h.get("etag"), etags[path], "the ETag must change with the price")
        for path in lists:
            item = self.item_of(path, p["id"])
            self.assertIsNotNone(item, f"{p['id']} dropped off {path}")
            self.assertEqual(item["price_from"]["amount"], 9999,
                             f"{path} still shows the old price on the next read after the PATCH")
        self.assertEqual(self.list_ids(lists[1]), [o["id"] for o in others] + [p["id"]],
                         "price_asc order on the next read follows the new price")
        # A client revalidating with the old ETag gets the new page, not 304.
        status, h, raw = self.server.request("GET", by_id, headers={"If-None-Match": etags[by_id]})
        self.assertEqual(status, 200, "old ETag after a price change must not be 304")
        self.assertEqual(parse_json(raw)["price_from"]["amount"], 9999)

        # Warm again and change once more: still the next read.
        for path in [by_id] + lists:
            self.warm(path)
        self.set_price(p, 1234)
        self.assertEqual(self.get_json(by_id)[1]["price_from"]["amount"], 1234)
        for path in lists:
            self.assertEqual(self.item_of(path, p["id"])["price_from"]["amount"], 1234, path)
        self.assertEqual(self.list_ids(lists[1])[0], p["id"])

    def test_price_filter_pages_follow_a_price_change(self):
        cat = self.create_category()
        p = self.create_product(price=3000, category_id=cat["id"])
        cheap = f"{PRODUCTS}?category={cat['id']}&price_max=3500"
        dear = f"{PRODUCTS}?category={cat['id']}&price_min=4000"
        self.warm(cheap)
        self.warm(dear)
        self.assertEqual(self.list_ids(cheap), [p["id"]])
        self.assertEqual(self.list_ids(dear), [])
        self.set_price(p, 4500)
        self.assertEqual(self.list_ids(cheap), [], "the product left the price_max=3500 page")
        self.assertEqual(self.list_ids(dear), [p["id"]], "the product joined the price_min=4000 page")

    def test_name_change_visible_on_next_read(self):
        p = self.create_product()
        path = f"{PRODUCTS}/{p['id']}"
        self.warm(path)
        name = f"Renamed {uniq('')}"
        status, h, got = self.server.json("PATCH", f"{ADMIN_PRODUCTS}/{p['id']}", {"name": name},
                                          token=self.admin)
        self.assertEqual(status, 200, got)
        self.assertEqual(self.get_json(path)[1]["name"], name)

    # ---- (b) archiving --------------------------------------------------------------

    def test_archived_product_page_is_404_on_next_read(self):
        cat = self.create_category()
        p = self.create_product(category_id=cat["id"])
        keep = self.create_product(category_id=cat["id"])
        pages = [f"{PRODUCTS}/{p['id']}", f"{PRODUCTS}/{p['slug']}"]
        listing = f"{PRODUCTS}?category={cat['id']}"
        for path in pages + [listing]:
            self.warm(path)
        self.assertEqual(set(self.list_ids(listing)), {p["id"], keep["id"]})
        status, h, got = self.server.json("POST", f"{ADMIN_PRODUCTS}/{p['id']}/archive", token=self.admin)
        self.assertEqual(status, 200, got)
        self.assertEqual(got["status"], "archived")
        for path in pages:
            status, h, raw = self.server.request("GET", path)
            assert_problem(self, status, h, raw, 404)
        self.assertEqual(self.list_ids(listing), [keep["id"]], "archived product still listed on the next read")
        self.assertEqual(self.get_json(f"{PRODUCTS}/{keep['id']}")[1]["id"], keep["id"])
        # And it stays gone (no stale page comes back).
        for _ in range(3):
            self.assertEqual(self.server.request("GET", pages[0])[0], 404)

    def test_draft_to_active_visible_on_next_read(self):
        cat = self.create_category()
        p = self.create_product(status="draft", category_id=cat["id"])
        path, listing = f"{PRODUCTS}/{p['id']}", f"{PRODUCTS}?category={cat['id']}"
        for _ in range(3):
            status, h, raw = self.server.request("GET", path)
            assert_problem(self, status, h, raw, 404)
        self.warm(listing)
        self.assertEqual(self.list_ids(listing), [])
        status, h, got = self.server.json("PATCH", f"{ADMIN_PRODUCTS}/{p['id']}", {"status": "active"},
                                          token=self.admin)
        self.assertEqual(status, 200, got)
        self.assertEqual(self.get_json(path)[1]["status"], "active", "the activated product on the next read")
        self.assertEqual(self.list_ids(listing), [p["id"]], "the activated product listed on the next read")

    def test_created_product_listed_on_next_read(self):
        cat = self.create_category()
        first = self.create_product(category_id=cat["id"])
        listing = f"{PRODUCTS}?category={cat['id']}"
        self.warm(listing)
        self.assertEqual(self.list_ids(listing), [first["id"]])
        second = self.create_product(category_id=cat["id"])
        self.assertEqual(set(self.list_ids(listing)), {first["id"], second["id"]},
                         "a product created through this process is listed on the next read")


# ---- bounds: bytes, eviction, TTL, disabled ----------------------------------------------

class CacheBoundsTest(CacheAssertions, ServerTestCase):
    MAX_BYTES = 32768
    TTL_MS = 300
    SERVER_ENV = {"EMPORIUM_CACHE_MAX_BYTES": str(MAX_BYTES), "EMPORIUM_CACHE_TTL_MS": str(TTL_MS)}

    @classmethod
    def prepare_data_dir(cls, server):
        server.seed(120)

    def test_bytes_bounded_and_evictions_counted(self):
        status, h, doc = self.server.json("GET", f"{PRODUCTS}?limit=100")
        self.assertEqual(status, 200, doc)
        ids = [x["id"] for x in doc["items"]]
        before = cache_metrics(self.server)
        stored = 0
        for pid in ids:
            h, raw = self.get(f"{PRODUCTS}/{pid}")
            stored += len(raw)
            m = cache_metrics(self.server)
            self.assertLessEqual(m["bytes"], self.MAX_BYTES, f"cache holds {m['bytes']:g} bytes > max_bytes")
        self.assertGreater(stored, 2 * self.MAX_BYTES, "set-up: the pages must not all fit")
        d = delta(before, cache_metrics(self.server))
        self.assertGreater(d["evictions_total"], 0, f"{stored} bytes of pages through a {self.MAX_BYTES} byte "
                                                    f"cache evict something ({fmt(d)})")
        after = cache_metrics(self.server)
        self.assertLess(after["entries"], len(ids), "not every page can still be cached")
        self.assertGreater(after["entries"], 0)
        # The page just read is still there (least recently used goes first).
        h, raw, d = self.metered_get(f"{PRODUCTS}/{ids[-1]}")
        self.assertEqual((d["hits_total"], d["loads_total"]), (1, 0), fmt(d))

    def test_expired_page_is_reloaded(self):
        path = cold_list_url()
        h1, b1, d1 = self.metered_get(path)
        self.assertEqual(d1["loads_total"], 1, fmt(d1))
        time.sleep(4 * self.TTL_MS / 1000.0)  # well past the TTL: the page is no longer fresh
        h2, b2, d2 = self.metered_get(path)
        self.assertEqual(d2["loads_total"], 1, f"a page older than cache.ttl_ms is loaded again ({fmt(d2)})")
        self.assertEqual(d2["stale_served_total"], 0, f"the reload succeeded: nothing stale served ({fmt(d2)})")
        self.assertEqual(b2, b1)


class CacheDisabledTest(CacheAssertions, ServerTestCase):
    """cache.max_bytes = 0 disables the cache: answers stay right, nothing is stored."""

    SERVER_ENV = {"EMPORIUM_CACHE_MAX_BYTES": "0"}

    @classmethod
    def prepare_data_dir(cls, server):
        server.seed(10)

    def test_disabled_cache_stores_nothing_and_reads_stay_correct(self):
        admin = self.server.make_admin()
        status, h, p = self.server.json("POST", ADMIN_PRODUCTS, product_body(price=2000), token=admin)
        self.assertEqual(status, 201, p)
        path = f"{PRODUCTS}/{p['id']}"
        before = cache_metrics(self.server)
        for _ in range(3):
            self.assertEqual(self.get_json(path)[1]["price_from"]["amount"], 2000)
            self.get_json(f"{PRODUCTS}?limit=5")
        d = delta(before, cache_metrics(self.server))
        self.assertEqual(d["hits_total"], 0, f"a disabled cache has no hits ({fmt(d)})")
        m = cache_metrics(self.server)
        self.assertEqual((m["entries"], m["bytes"]), (0, 0), "a disabled cache holds nothing")
        status, h, got = self.server.json(
            "PATCH", f"{ADMIN_PRODUCTS}/{p['id']}",
            {"variants": [{"sku": p["variants"][0]["sku"], "name": "Default",
                           "price": {"amount": 2100, "currency": "USD"}}]}, token=admin)
        self.assertEqual(status, 200, got)
        self.assertEqual(self.get_json(path)[1]["price_from"]["amount"], 2100)
        h, raw = self.get(path)
        self.assertTrue(h.get("etag"), "ETag without the cache too")
        status, h2, raw2 = self.server.request("GET", path, headers={"If-None-Match": h["etag"]})
        self.assertEqual(status, 304)


if __name__ == "__main__":
    unittest.main()

"""Catalog: categories and products, admin authorisation, validation, visibility,
list filters and sorting, ETag / 304 / Cache-Control."""

import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (SLUG_RE, ServerTestCase, assert_field_error, assert_money,  # noqa: E402
                     assert_problem, assert_rfc3339, list_all, product_body, uniq)

ADMIN_PRODUCTS = "/api/v1/admin/products"
ADMIN_CATEGORIES = "/api/v1/admin/categories"
PRODUCTS = "/api/v1/products"
CATEGORIES = "/api/v1/categories"


class CatalogTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.server.make_admin()
        cls.customer_user, cls.customer = cls.server.new_customer()

    # ---- helpers ---------------------------------------------------------------------

    def create_category(self, name=None, parent_id=None, slug=None):
        body = {"name": name or f"Cat {uniq('')}"}
        if parent_id is not None:
            body["parent_id"] = parent_id
        if slug is not None:
            body["slug"] = slug
        status, h, c = self.server.json("POST", ADMIN_CATEGORIES, body, token=self.admin)
        self.assertEqual(status, 201, c)
        return c

    def create_product(self, **kw):
        body = product_body(**kw)
        status, h, p = self.server.json("POST", ADMIN_PRODUCTS, body, token=self.admin)
        self.assertEqual(status, 201, p)
        return p

    def post_product_raw(self, body, token=None):
        return self.server.request("POST", ADMIN_PRODUCTS, body, token=token or self.admin)

    def eventually(self, fn, what, timeout=3.0):
        """Polls fn() until truthy: cached reads are invalidated by product events."""
        deadline = time.monotonic() + timeout
        while True:
            v = fn()
            if v or time.monotonic() > deadline:
                self.assertTrue(v, what)
                return v
            time.sleep(0.05)

    # ---- categories ------------------------------------------------------------------

    def test_category_create_get_list(self):
        u = uniq("")
        parent = self.create_category(f"Shoes {u}")
        self.assertTrue(parent["id"].startswith("cat_"), parent)
        self.assertRegex(parent["slug"], SLUG_RE)
        self.assertIsNone(parent["parent_id"])
        self.assertEqual(parent["name"], f"Shoes {u}")
        assert_rfc3339(self, parent["created_at"])
        child = self.create_category(f"Trail {u}", parent_id=parent["id"], slug=f"trail-{u}")
        self.assertEqual(child["parent_id"], parent["id"])
        self.assertEqual(child["slug"], f"trail-{u}")
        for key in (child["id"], child["slug"]):
            status, h, got = self.server.json("GET", f"{CATEGORIES}/{key}")
            self.assertEqual(status, 200, got)
            self.assertEqual(got, child)
        status, h, lst = self.server.json("GET", CATEGORIES)
        self.assertEqual(status, 200)
        ids = [c["id"] for c in lst["items"]]
        self.assertIn(parent["id"], ids)
        self.assertIn(child["id"], ids)
        self.assertLess(ids.index(parent["id"]), ids.index(child["id"]), "ordered by tree path")
        self.assertIsNone(lst["next_cursor"])
        for query in ("?foo=1", "?limit=5"):  # the whole tree, no parameters
            status, h, raw = self.server.request("GET", CATEGORIES + query)
            assert_problem(self, status, h, raw, 400)
        status, h, raw = self.server.request("GET", f"{CATEGORIES}/no-such-category-{u}")
        assert_problem(self, status, h, raw, 404)
        # Accents are spelled out; a name without Latin letters gets a slug from the id.
        created = self.create_category(f"Crème Brûlée {u}")
        self.assertEqual(created["slug"], f"creme-brulee-{u}")
        created = self.create_category("日本語")
        self.assertRegex(created["slug"], SLUG_RE)
        self.assertEqual(created["slug"], re.sub(r"[^a-z0-9]+", "-", created["id"].lower()).strip("-"))

    def test_category_validation_and_conflicts(self):
        c = self.create_category()
        status, h, raw = self.server.request("POST", ADMIN_CATEGORIES,
                                             {"name": "Dup", "slug": c["slug"]}, token=self.admin)
        assert_problem(self, status, h, raw, 409)
        status, h, raw = self.server.request("POST", ADMIN_CATEGORIES,
                                             {"name": "Bad", "slug": "Bad Slug"}, token=self.admin)
        doc = assert_problem(self, status, h, raw, 422)
        assert_field_error(self, doc, "slug")
        status, h, raw = self.server.request("POST", ADMIN_CATEGORIES,
                                             {"name": "Orphan", "parent_id": "cat_nonexistent"},
                                             token=self.admin)
        doc = assert_problem(self, status, h, raw, 422)
        assert_field_error(self, doc, "parent_id")
        for parent in (None, "cat_other"):  # not a field of CategoryUpdate: a category does not move
            status, h, raw = self.server.request("PATCH", f"{ADMIN_CATEGORIES}/{c['id']}",
                                                 {"name": "Moved", "parent_id": parent}, token=self.admin)
            assert_field_error(self, assert_problem(self, status, h, raw, 400), "parent_id")
        status, h, got = self.server.json("PATCH", f"{ADMIN_CATEGORIES}/{c['id']}",
                                          {"name": "Renamed"}, token=self.admin)
        self.assertEqual(status, 200, got)
        self.assertEqual(got["name"], "Renamed")
        self.assertEqual(got["slug"], c["slug"])

    # ---- products: create, auth ------------------------------------------------------

    def test_create_product_echoes_fields(self):
        cat = self.create_category()
        u = uniq("")
        body = {
            "name": f"Trail Runner {u}", "slug": f"trail-runner-{u}", "description": "Light shoe.",
            "status": "active", "category_id": cat["id"], "attributes": {"brand": "Acme", "weight_g": 250},
            "images": ["https://img.example.com/a.jpg", "http://img.example.com/b.png"],
            "variants": [
                {"sku": f"TR-{u}-42", "name": "EU 42", "price": {"amount": 12999, "currency": "USD"},
                 "attributes": {"size": "42"}},
                {"sku": f"TR-{u}-43", "name": "EU 43", "price": {"amount": 11999, "currency": "USD"},
                 "attributes": {"size": "43"}},
            ],
        }
        status, h, p = self.server.json("POST", ADMIN_PRODUCTS, body, token=self.admin)
        self.assertEqual(status, 201, p)
        self.assertTrue(h.get("location", "").endswith(p["id"]), h.get("location"))
        self.assertTrue(p["id"].startswith("prd_"), p["id"])
        for k in ("name", "slug", "description", "status", "category_id", "attributes", "images"):
            self.assertEqual(p[k], body[k], k)
        self.assertEqual(len(p["variants"]), 2)
        for sent, got in zip(body["variants"], p["variants"]):
            self.assertEqual(got["sku"], sent["sku"])
            self.assertEqual(got["name"], sent["name"])
            self.assertEqual(got["attributes"], sent["attributes"])
            assert_money(self, got["price"], sent["price"]["amount"], "USD")
        assert_money(self, p["price_from"], 11999, "USD")
        assert_rfc3339(self, p["created_at"])
        assert_rfc3339(self, p["updated_at"])

    def test_product_defaults(self):
        body = product_body()
        del body["slug"]
        body["name"] = f"Plain Mug {uniq('')}"
        status, h, p = self.server.json("POST", ADMIN_PRODUCTS, body, token=self.admin)
        self.assertEqual(status, 201, p)
        self.assertEqual(p["status"], "active")
        self.assertRegex(p["slug"], SLUG_RE)
        self.assertTrue(p["slug"].startswith("plain-mug"), p["slug"])
        self.assertIsNone(p["category_id"])
        self.assertEqual(p["description"], "")
        self.assertEqual(p["images"], [])

    def test_admin_endpoints_need_admin(self):
        p = self.create_product()
        c = self.create_category()
        calls = [
            ("POST", ADMIN_PRODUCTS, product_body()),
            ("GET", ADMIN_PRODUCTS, None),
            ("GET", f"{ADMIN_PRODUCTS}/{p['id']}", None),
            ("PATCH", f"{ADMIN_PRODUCTS}/{p['id']}", {"name": "Hacked"}),
            ("POST", f"{ADMIN_PRODUCTS}/{p['id']}/archive", None),
            ("POST", ADMIN_CATEGORIES, {"name": "Nope"}),
            ("PATCH", f"{ADMIN_CATEGORIES}/{c['id']}", {"name": "Hacked"}),
        ]
        for method, path, body in calls:
            with self.subTest(method=method, path=path, who="customer"):
                status, h, raw = self.server.request(method, path, body, token=self.customer)
                assert_problem(self, status, h, raw, 403)
            with self.subTest(method=method, path=path, who="anonymous"):
                status, h, raw = self.server.request(method, path, body)
                assert_problem(self, status, h, raw, 401)
        status, h, got = self.server.json("GET", f"{PRODUCTS}/{p['id']}")
        self.assertEqual(got["name"], p["name"])
        self.assertEqual(got["status"], "active")

    # ---- products: validation --------------------------------------------------------

    def test_validation_422(self):
        u = uniq("")
        cases = [
            ("negative price", ("amount", "price"),
             product_body(price=-1)),
            ("amount above 1e12", ("amount", "price"),
             product_body(price=10 ** 12 + 1)),
            ("lowercase currency", ("currency",),
             product_body(currency="usd")),
            ("mixed currencies", ("currency", "variants"),
             product_body(variants=[
                 {"sku": f"MX-{u}-1", "price": {"amount": 100, "currency": "USD"}},
                 {"sku": f"MX-{u}-2", "price": {"amount": 100, "currency": "EUR"}}])),
            ("zero variants", ("variants",), product_body(variants=[])),
            ("sku starting with dash", ("sku",), product_body(variants=[
                {"sku": f"-bad-{u}", "price": {"amount": 100, "currency": "USD"}}])),
            ("sku with space", ("sku",), product_body(variants=[
                {"sku": f"bad {u}", "price": {"amount": 100, "currency": "USD"}}])),
            ("sku too long", ("sku",), product_body(variants=[
                {"sku": "S" * 65, "price": {"amount": 100, "currency": "USD"}}])),
            ("ftp image", ("images",), product_body(images=["ftp://img.example.com/a.jpg"])),
            ("non-url image", ("images",), product_body(images=["not a url"])),
            ("unknown category", ("category_id",), product_body(category_id="cat_doesnotexist")),
            ("bad status", ("status",), product_body(status="deleted")),
            ("empty name", ("name",), product_body(name="")),
            ("bad slug", ("slug",), product_body(slug="Not A Slug")),
        ]
        for what, fields, body in cases:
            with self.subTest(what):
                status, h, raw = self.post_product_raw(body)
                doc = assert_problem(self, status, h, raw, 422)
                assert_field_error(self, doc, *fields)
        # Nothing of the rejected bodies was stored.
        status, h, raw = self.server.request("GET", f"{PRODUCTS}/prod-does-not-exist-{u}")
        assert_problem(self, status, h, raw, 404)

    def test_malformed_product_bodies_400(self):
        body = product_body()
        body["colour"] = "red"
        status, h, raw = self.post_product_raw(body)
        assert_problem(self, status, h, raw, 400)
        body = product_body()
        body["variants"][0]["price"]["amount"] = "1000"
        status, h, raw = self.post_product_raw(body)
        assert_problem(self, status, h, raw, 400)

    def test_float_amount_rejected(self):
        body = product_body()
        body["variants"][0]["price"]["amount"] = 12.5
        status, h, raw = self.post_product_raw(body)
        self.assertIn(status, (400, 422), raw)
        assert_problem(self, status, h, raw, status)

    def test_duplicate_sku_and_slug_409(self):
        p = self.create_product()
        sku = p["variants"][0]["sku"]
        status, h, raw = self.post_product_raw(product_body(variants=[
            {"sku": sku, "price": {"amount": 5, "currency": "USD"}}]))
        assert_problem(self, status, h, raw, 409)
        status, h, raw = self.post_product_raw(product_body(slug=p["slug"]))
        assert_problem(self, status, h, raw, 409)
        u = uniq("")
        status, h, raw = self.post_product_raw(product_body(variants=[
            {"sku": f"TWICE-{u}", "price": {"amount": 5, "currency": "USD"}},
            {"sku": f"TWICE-{u}", "price": {"amount": 6, "currency": "USD"}}]))
        self.assertIn(status, (409, 422), raw)
        assert_problem(self, status, h, raw, status)

    # ---- products: reads and updates -------------------------------------------------

    def test_get_by_id_and_slug(self):
        p = self.create_product()
        status, h1, by_id = self.server.json("GET", f"{PRODUCTS}/{p['id']}")
        self.assertEqual(status, 200, by_id)
        status, h2, by_slug = self.server.json("GET", f"{PRODUCTS}/{p['slug']}")
        self.assertEqual(status, 200, by_slug)
        self.assertEqual(by_id, by_slug)
        self.assertEqual(by_id, p)
        status, h, admin_view = self.server.json("GET", f"{ADMIN_PRODUCTS}/{p['id']}", token=self.admin)
        self.assertEqual(status, 200)
        self.assertEqual(admin_view, p)
        status, h, raw = self.server.request("GET", f"{PRODUCTS}/prd_doesnotexist")
        assert_problem(self, status, h, raw, 404)

    def test_patch_reflected_in_public_get(self):
        p = self.create_product(price=2000)
        path = f"{PRODUCTS}/{p['id']}"
        status, h, _ = self.server.json("GET", path)  # warm any cache
        self.assertEqual(status, 200)
        u = uniq("")
        patch = {"name": f"Renamed {u}", "variants": [
            {"sku": f"NEW-{u}-A", "price": {"amount": 1500, "currency": "USD"}},
            {"sku": f"NEW-{u}-B", "price": {"amount": 900, "currency": "USD"}}]}
        status, h, got = self.server.json("PATCH", f"{ADMIN_PRODUCTS}/{p['id']}", patch, token=self.admin)
        self.assertEqual(status, 200, got)
        self.assertEqual(got["name"], patch["name"])
        self.assertEqual(got["slug"], p["slug"])
        self.assertEqual([v["sku"] for v in got["variants"]], [f"NEW-{u}-A", f"NEW-{u}-B"],
                         "variants replaces the whole list")
        assert_money(self, got["price_from"], 900, "USD")
        self.assertGreaterEqual(got["updated_at"], p["updated_at"])

        def public_updated():
            s, _, b = self.server.json("GET", path)
            return s == 200 and b["name"] == patch["name"] and b["price_from"]["amount"] == 900
        self.eventually(public_updated, "public GET does not reflect the PATCH")
        # The old SKU is free again.
        self.create_product(variants=[{"sku": p["variants"][0]["sku"],
                                       "price": {"amount": 1, "currency": "USD"}}])

    def test_patch_validation(self):
        p = self.create_product()
        status, h, raw = self.server.request("PATCH", f"{ADMIN_PRODUCTS}/{p['id']}",
                                             {"variants": []}, token=self.admin)
        doc = assert_problem(self, status, h, raw, 422)
        assert_field_error(self, doc, "variants")
        status, h, raw = self.server.request("PATCH", f"{ADMIN_PRODUCTS}/prd_doesnotexist",
                                             {"name": "x"}, token=self.admin)
        assert_problem(self, status, h, raw, 404)

    def test_draft_is_hidden_from_public(self):
        cat = self.create_category()
        p = self.create_product(status="draft", category_id=cat["id"])
        self.assertEqual(p["status"], "draft")
        for key in (p["id"], p["slug"]):
            status, h, raw = self.server.request("GET", f"{PRODUCTS}/{key}")
            assert_problem(self, status, h, raw, 404)
        status, h, got = self.server.json("GET", f"{ADMIN_PRODUCTS}/{p['id']}", token=self.admin)
        self.assertEqual(status, 200, got)
        self.assertEqual(got["status"], "draft")
        public = list_all(self.server, f"{PRODUCTS}?category={cat['id']}")
        self.assertNotIn(p["id"], [x["id"] for x in public])
        admin_drafts = list_all(self.server, f"{ADMIN_PRODUCTS}?status=draft&category={cat['id']}",
                                token=self.admin)
        self.assertEqual([x["id"] for x in admin_drafts], [p["id"]])
        # Publishing makes it visible.
        status, h, got = self.server.json("PATCH", f"{ADMIN_PRODUCTS}/{p['id']}", {"status": "active"},
                                          token=self.admin)
        self.assertEqual(status, 200, got)
        self.eventually(lambda: self.server.request("GET", f"{PRODUCTS}/{p['id']}")[0] == 200,
                        "an activated product must become public")

    def test_archive(self):
        cat = self.create_category()
        p = self.create_product(category_id=cat["id"])
        path = f"{PRODUCTS}/{p['id']}"
        self.assertEqual(self.server.request("GET", path)[0], 200)
        self.assertIn(p["id"], [x["id"] for x in list_all(self.server, f"{PRODUCTS}?category={cat['id']}")])
        for _ in range(2):  # idempotent
            status, h, got = self.server.json("POST", f"{ADMIN_PRODUCTS}/{p['id']}/archive", token=self.admin)
            self.assertEqual(status, 200, got)
            self.assertEqual(got["status"], "archived")

        def gone():
            s, h, raw = self.server.request("GET", path)
            return s == 404 and self.server.request("GET", f"{PRODUCTS}/{p['slug']}")[0] == 404
        self.eventually(gone, "archived product still public")
        status, h, raw = self.server.request("GET", path)
        assert_problem(self, status, h, raw, 404)
        public = list_all(self.server, f"{PRODUCTS}?category={cat['id']}")
        self.assertNotIn(p["id"], [x["id"] for x in public])
        status, h, got = self.server.json("GET", f"{ADMIN_PRODUCTS}/{p['id']}", token=self.admin)
        self.assertEqual(got["status"], "archived")
        archived = list_all(self.server, f"{ADMIN_PRODUCTS}?status=archived&category={cat['id']}",
                            token=self.admin)
        self.assertEqual([x["id"] for x in archived], [p["id"]])
        status, h, raw = self.server.request("POST", f"{ADMIN_PRODUCTS}/prd_doesnotexist/archive",
                                             token=self.admin)
        assert_problem(self, status, h, raw, 404)

    # ---- lists -----------------------------------------------------------------------

    def test_list_filters_and_sorting(self):
        u = uniq("")
        root = self.create_category(f"Root {u}")
        child = self.create_category(f"Child {u}", parent_id=root["id"])
        other = self.create_category(f"Other {u}")
        p1 = self.create_product(name=f"Alpha {u}", price=500, category_id=root["id"])
        p2 = self.create_product(name=f"Charlie {u}", price=1500, category_id=child["id"])
        p3 = self.create_product(name=f"Bravo {u}", price=3000, category_id=child["id"])
        p4 = self.create_product(name=f"Delta {u}", price=1000, category_id=other["id"])
        self.create_product(name=f"Echo {u}", price=700, category_id=root["id"], status="draft")

        def ids(query):
            return [x["id"] for x in list_all(self.server, f"{PRODUCTS}?{query}")]

        self.assertEqual(set(ids(f"category={root['id']}")), {p1["id"], p2["id"], p3["id"]},
                         "category includes sub-categories, excludes drafts")
        self.assertEqual(set(ids(f"category={root['slug']}")), {p1["id"], p2["id"], p3["id"]},
                         "category by slug")
        self.assertEqual(set(ids(f"category={child['id']}")), {p2["id"], p3["id"]})
        self.assertEqual(set(ids(f"category={other['id']}")), {p4["id"]})
        self.assertEqual(set(ids(f"category={root['id']}&price_min=1000&price_max=2000")), {p2["id"]})
        self.assertEqual(set(ids(f"category={root['id']}&price_min=1500&price_max=3000")),
                         {p2["id"], p3["id"]}, "price bounds are inclusive")
        self.assertEqual(set(ids(f"category={root['id']}&price_min=501")), {p2["id"], p3["id"]})
        self.assertEqual(set(ids(f"category={root['id']}&price_max=500")), {p1["id"]})
        status, h, raw = self.server.request("GET", f"{PRODUCTS}?price_min=2000&price_max=1000")
        assert_field_error(self, assert_problem(self, status, h, raw, 400), "price_min")  # as search answers it
        self.assertEqual(ids(f"category={root['id']}&sort=price_asc"), [p1["id"], p2["id"], p3["id"]])
        self.assertEqual(ids(f"category={root['id']}&sort=price_desc"), [p3["id"], p2["id"], p1["id"]])
        self.assertEqual(ids(f"category={root['id']}&sort=name_asc"), [p1["id"], p3["id"], p2["id"]])
        items = list_all(self.server, f"{PRODUCTS}?sort=price_asc")
        prices = [x["price_from"]["amount"] for x in items]
        self.assertEqual(prices, sorted(prices), "global price_asc order")
        items = list_all(self.server, f"{PRODUCTS}?sort=price_desc")
        prices = [x["price_from"]["amount"] for x in items]
        self.assertEqual(prices, sorted(prices, reverse=True), "global price_desc order")
        self.assertTrue(all(x["status"] == "active" for x in items))

    def test_list_bad_query_400(self):
        for q in ("limit=101", "limit=0", "limit=-1", "limit=abc", "cursor=%21%21garbage%21%21",
                  "sort=bogus", "price_min=abc"):
            with self.subTest(q=q):
                status, h, raw = self.server.request("GET", f"{PRODUCTS}?{q}")
                assert_problem(self, status, h, raw, 400)
        for q in ("limit=1", "limit=100"):
            with self.subTest(q=q):
                status, h, doc = self.server.json("GET", f"{PRODUCTS}?{q}")
                self.assertEqual(status, 200, doc)
                self.assertLessEqual(len(doc["items"]), int(q.split("=")[1]))

    # ---- caching ---------------------------------------------------------------------

    def test_etag_and_304(self):
        p = self.create_product()
        path = f"{PRODUCTS}/{p['id']}"
        status, h, body = self.server.request("GET", path)
        self.assertEqual(status, 200)
        etag = h.get("etag")
        self.assertTrue(etag, f"no ETag: {h}")
        self.assertRegex(etag, r'^(W/)?"[^"]*"$', "ETag must be a quoted entity tag")
        cc = h.get("cache-control", "")
        self.assertIn("max-age", cc)
        self.assertIn("public", cc)
        status, h2, body2 = self.server.request("GET", path)
        self.assertEqual(h2.get("etag"), etag, "ETag must be stable while the product is unchanged")
        self.assertEqual(body2, body)

        status, h3, body3 = self.server.request("GET", path, headers={"If-None-Match": etag})
        self.assertEqual(status, 304, body3)
        self.assertEqual(body3, b"")
        self.assertEqual(h3.get("etag"), etag)
        status, h4, _ = self.server.request("GET", path, headers={"If-None-Match": '"not-the-etag"'})
        self.assertEqual(status, 200)
        status, h5, _ = self.server.request("GET", path, headers={"If-None-Match": f'"nope", {etag}'})
        self.assertEqual(status, 304, "If-None-Match with a list")
        status, h6, _ = self.server.request("GET", path, headers={"If-None-Match": "*"})
        self.assertEqual(status, 304, "If-None-Match: * matches any current representation")

        status, h, got = self.server.json("PATCH", f"{ADMIN_PRODUCTS}/{p['id']}",
                                          {"name": f"Etag Changed {uniq('')}"}, token=self.admin)
        self.assertEqual(status, 200, got)

        def new_etag():
            s, hh, _ = self.server.request("GET", path, headers={"If-None-Match": etag})
            return s == 200 and hh.get("etag") and hh.get("etag") != etag
        self.eventually(new_etag, "ETag unchanged (or 304) after PATCH")

    def test_list_has_etag_and_cache_control(self):
        self.create_product()
        status, h, body = self.server.request("GET", f"{PRODUCTS}?limit=5")
        self.assertEqual(status, 200)
        etag = h.get("etag")
        self.assertTrue(etag, h)
        self.assertIn("max-age", h.get("cache-control", ""))
        status, h2, body2 = self.server.request("GET", f"{PRODUCTS}?limit=5", headers={"If-None-Match": etag})
        self.assertEqual(status, 304)
        self.assertEqual(body2, b"")

    def test_admin_reads_not_publicly_cacheable(self):
        p = self.create_product()
        status, h, _ = self.server.request("GET", f"{ADMIN_PRODUCTS}/{p['id']}", token=self.admin)
        self.assertEqual(status, 200)
        self.assertNotIn("public", h.get("cache-control", ""),
                         "admin responses must not be cacheable by shared caches")


if __name__ == "__main__":
    unittest.main()

"""Inventory: stock per SKU, audited adjustments, validation, authorisation, pagination of the
audit trail, and no overselling under concurrent adjustments."""

import os
import sys
import threading
import unittest
from urllib.parse import urlencode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (ServerTestCase, assert_field_error, assert_problem,  # noqa: E402
                     assert_rfc3339, list_all, product_body, uniq)

ADMIN_PRODUCTS = "/api/v1/admin/products"
INVENTORY = "/api/v1/admin/inventory"

STOCK_FIELDS = {"sku", "available", "reserved", "sold", "updated_at"}
ADJUSTMENT_FIELDS = {"id", "sku", "delta", "reason", "actor_id", "available_after", "created_at"}


def stock_path(sku):
    return f"{INVENTORY}/{sku}"


def adjustments_path(sku):
    return f"{INVENTORY}/{sku}/adjustments"


class InventoryTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.server.make_admin()
        status, h, me = cls.server.json("GET", "/api/v1/users/me", token=cls.admin)
        if status != 200:
            raise AssertionError(f"GET /users/me as admin -> {status}: {me}")
        cls.admin_id = me["id"]
        cls.customer_user, cls.customer = cls.server.new_customer()

    # ---- helpers ---------------------------------------------------------------------

    def new_sku(self):
        """Creates an active product with one variant; returns its SKU."""
        body = product_body(status="active")
        status, h, p = self.server.json("POST", ADMIN_PRODUCTS, body, token=self.admin)
        self.assertEqual(status, 201, p)
        return p["variants"][0]["sku"]

    def get_stock(self, sku):
        status, h, stock = self.server.json("GET", stock_path(sku), token=self.admin)
        self.assertEqual(status, 200, stock)
        return stock

    def adjust(self, sku, delta, reason="test"):
        """POSTs an adjustment, asserts 201 and returns the {adjustment, stock} document."""
        status, h, doc = self.server.json("POST", adjustments_path(sku),
                                          {"delta": delta, "reason": reason}, token=self.admin)
        self.assertEqual(status, 201, doc)
        self.assertTrue(h.get("location"), f"201 without Location: {h}")
        self.assertIsInstance(doc, dict, doc)
        self.assertEqual(set(doc), {"adjustment", "stock"}, doc)
        return doc

    def adjust_raw(self, sku, body, token=None):
        return self.server.request("POST", adjustments_path(sku), body, token=token or self.admin)

    def list_adjustments(self, sku):
        return list_all(self.server, adjustments_path(sku), token=self.admin)

    def assert_stock(self, stock, sku, available, reserved=0, sold=0):
        self.assertIsInstance(stock, dict, stock)
        self.assertEqual(set(stock), STOCK_FIELDS, stock)
        self.assertEqual(stock["sku"], sku, stock)
        for k in ("available", "reserved", "sold"):
            self.assertIsInstance(stock[k], int, f"{k} is not an integer: {stock}")
            self.assertNotIsInstance(stock[k], bool)
        self.assertEqual((stock["available"], stock["reserved"], stock["sold"]),
                         (available, reserved, sold), stock)

    def assert_adjustment(self, adj, sku, delta, reason, available_after):
        self.assertIsInstance(adj, dict, adj)
        self.assertEqual(set(adj), ADJUSTMENT_FIELDS, adj)
        self.assertIsInstance(adj["id"], str)
        self.assertTrue(adj["id"], adj)
        self.assertEqual(adj["sku"], sku, adj)
        self.assertEqual(adj["delta"], delta, adj)
        self.assertEqual(adj["reason"], reason, adj)
        self.assertEqual(adj["actor_id"], self.admin_id, "actor_id must be the admin's user id")
        self.assertEqual(adj["available_after"], available_after, adj)
        assert_rfc3339(self, adj["created_at"], "created_at")

    # ---- stock and adjustments -------------------------------------------------------

    def test_new_sku_has_zero_stock(self):
        sku = self.new_sku()
        stock = self.get_stock(sku)
        self.assert_stock(stock, sku, 0, 0, 0)
        if stock["updated_at"] is not None:
            assert_rfc3339(self, stock["updated_at"], "updated_at")
        status, h, lst = self.server.json("GET", adjustments_path(sku), token=self.admin)
        self.assertEqual(status, 200, lst)
        self.assertEqual(lst, {"items": [], "next_cursor": None})

    def test_adjustments_and_audit_trail(self):
        sku = self.new_sku()
        first = self.adjust(sku, 10, "initial delivery")
        self.assert_adjustment(first["adjustment"], sku, 10, "initial delivery", 10)
        self.assert_stock(first["stock"], sku, 10)
        assert_rfc3339(self, first["stock"]["updated_at"], "updated_at")

        second = self.adjust(sku, -3, "damaged in the warehouse")
        self.assert_adjustment(second["adjustment"], sku, -3, "damaged in the warehouse", 7)
        self.assert_stock(second["stock"], sku, 7)
        self.assertNotEqual(first["adjustment"]["id"], second["adjustment"]["id"])

        stock = self.get_stock(sku)
        self.assert_stock(stock, sku, 7)
        assert_rfc3339(self, stock["updated_at"], "updated_at")
        self.assertEqual(stock, second["stock"], "the 201 body carries the stock after the adjustment")

        status, h, lst = self.server.json("GET", adjustments_path(sku), token=self.admin)
        self.assertEqual(status, 200, lst)
        self.assertEqual(h.get("cache-control"), "private, no-cache")  # as every admin read
        self.assertEqual(set(lst), {"items", "next_cursor"})
        self.assertIsNone(lst["next_cursor"])
        self.assertEqual(len(lst["items"]), 2, lst)
        newest, oldest = lst["items"]
        self.assert_adjustment(newest, sku, -3, "damaged in the warehouse", 7)
        self.assert_adjustment(oldest, sku, 10, "initial delivery", 10)
        self.assertEqual(newest, second["adjustment"], "newest first; list == POST answer")
        self.assertEqual(oldest, first["adjustment"])
        self.assertGreaterEqual(newest["created_at"], oldest["created_at"])

    def test_adjustments_are_per_sku(self):
        a, b = self.new_sku(), self.new_sku()
        self.adjust(a, 5)
        self.assert_stock(self.get_stock(b), b, 0)
        self.assertEqual(self.list_adjustments(b), [])
        self.assertEqual(len(self.list_adjustments(a)), 1)

    def test_below_zero_409_changes_nothing(self):
        sku = self.new_sku()
        status, h, raw = self.adjust_raw(sku, {"delta": -1, "reason": "nothing to remove"})
        assert_problem(self, status, h, raw, 409)
        self.assert_stock(self.get_stock(sku), sku, 0)
        self.assertEqual(self.list_adjustments(sku), [])

        self.adjust(sku, 2, "delivery")
        before = self.get_stock(sku)
        status, h, raw = self.adjust_raw(sku, {"delta": -3, "reason": "too many"})
        assert_problem(self, status, h, raw, 409)
        after = self.get_stock(sku)
        self.assertEqual(after, before, "a refused adjustment must change nothing")
        self.assert_stock(after, sku, 2)
        items = self.list_adjustments(sku)
        self.assertEqual(len(items), 1, f"a refused adjustment must leave no audit record: {items}")
        self.assertEqual(items[0]["delta"], 2)

        # Taking exactly everything is allowed.
        doc = self.adjust(sku, -2, "sell-off")
        self.assert_stock(doc["stock"], sku, 0)
        self.assertEqual(doc["adjustment"]["available_after"], 0)

    def test_validation(self):
        sku = self.new_sku()
        self.adjust(sku, 4, "delivery")
        cases_422 = [
            ("delta 0", {"delta": 0, "reason": "noop"}, "delta"),
            ("delta above 1,000,000", {"delta": 1_000_001, "reason": "huge"}, "delta"),
            ("delta below -1,000,000", {"delta": -1_000_001, "reason": "huge"}, "delta"),
            ("missing reason", {"delta": 1}, "reason"),
            ("empty reason", {"delta": 1, "reason": ""}, "reason"),
            ("reason of 201 chars", {"delta": 1, "reason": "r" * 201}, "reason"),
        ]
        for what, body, field in cases_422:
            with self.subTest(what):
                status, h, raw = self.adjust_raw(sku, body)
                doc = assert_problem(self, status, h, raw, 422)
                assert_field_error(self, doc, field)
        cases_400 = [
            ("delta as string", {"delta": "5", "reason": "typed"}),
            ("delta as bool", {"delta": True, "reason": "typed"}),
            ("reason as number", {"delta": 1, "reason": 5}),
            ("unknown field", {"delta": 1, "reason": "x", "note": "typo"}),
            ("malformed JSON", b'{"delta": 1, "reason": '),
            ("body not an object", [1, 2]),
        ]
        for what, body in cases_400:
            with self.subTest(what):
                status, h, raw = self.adjust_raw(sku, body)
                assert_problem(self, status, h, raw, 400)
        with self.subTest("missing delta"):
            status, h, raw = self.adjust_raw(sku, {"reason": "no delta"})
            self.assertIn(status, (400, 422), raw)
            doc = assert_problem(self, status, h, raw, status)
            if status == 422:
                assert_field_error(self, doc, "delta")
        with self.subTest("fractional delta"):
            status, h, raw = self.adjust_raw(sku, {"delta": 1.5, "reason": "half"})
            self.assertIn(status, (400, 422), raw)
            assert_problem(self, status, h, raw, status)
        # Nothing of the rejected bodies was applied.
        self.assert_stock(self.get_stock(sku), sku, 4)
        self.assertEqual(len(self.list_adjustments(sku)), 1)

    def test_validation_boundaries_accepted(self):
        sku = self.new_sku()
        doc = self.adjust(sku, 1_000_000, "r" * 200)
        self.assertEqual(doc["adjustment"]["reason"], "r" * 200)
        self.assert_stock(doc["stock"], sku, 1_000_000)
        doc = self.adjust(sku, -1_000_000, "é" * 200)  # 200 characters, 400 bytes of UTF-8
        self.assertEqual(doc["adjustment"]["reason"], "é" * 200)
        self.assert_stock(doc["stock"], sku, 0)
        doc = self.adjust(sku, 1, "x")
        self.assert_stock(doc["stock"], sku, 1)

    def test_unknown_sku_404(self):
        sku = f"NOPE-{uniq('')}"
        status, h, raw = self.server.request("GET", stock_path(sku), token=self.admin)
        assert_problem(self, status, h, raw, 404)
        status, h, raw = self.adjust_raw(sku, {"delta": 5, "reason": "ghost"})
        assert_problem(self, status, h, raw, 404)
        status, h, raw = self.server.request("GET", adjustments_path(sku), token=self.admin)
        assert_problem(self, status, h, raw, 404)

    def test_needs_admin(self):
        sku = self.new_sku()
        self.adjust(sku, 3, "delivery")
        calls = [
            ("GET", stock_path(sku), None),
            ("POST", adjustments_path(sku), {"delta": 5, "reason": "sneaky"}),
            ("GET", adjustments_path(sku), None),
        ]
        for method, path, body in calls:
            with self.subTest(method=method, path=path, who="customer"):
                status, h, raw = self.server.request(method, path, body, token=self.customer)
                assert_problem(self, status, h, raw, 403)
            with self.subTest(method=method, path=path, who="anonymous"):
                status, h, raw = self.server.request(method, path, body)
                assert_problem(self, status, h, raw, 401)
                self.assertIn("www-authenticate", h)
            with self.subTest(method=method, path=path, who="invalid bearer"):
                status, h, raw = self.server.request(method, path, body, token="x" * 43)
                assert_problem(self, status, h, raw, 401)
        self.assert_stock(self.get_stock(sku), sku, 3)
        self.assertEqual(len(self.list_adjustments(sku)), 1)

    def test_adjustments_pagination(self):
        sku = self.new_sku()
        posted = [self.adjust(sku, 1, f"step {i}")["adjustment"] for i in range(5)]
        expected_ids = [a["id"] for a in reversed(posted)]  # newest first
        seen, cursor, pages = [], None, 0
        while True:
            q = {"limit": 2}
            if cursor is not None:
                q["cursor"] = cursor
            status, h, doc = self.server.json("GET", f"{adjustments_path(sku)}?{urlencode(q)}",
                                              token=self.admin)
            self.assertEqual(status, 200, doc)
            self.assertEqual(set(doc), {"items", "next_cursor"})
            self.assertLessEqual(len(doc["items"]), 2)
            pages += 1
            seen.extend(doc["items"])
            cursor = doc["next_cursor"]
            if cursor is None:
                break
            self.assertIsInstance(cursor, str)
            self.assertLess(pages, 10, "pagination does not end")
        self.assertEqual(pages, 3, "5 records at limit=2 make 3 pages")
        self.assertEqual([a["id"] for a in seen], expected_ids, "every record once, newest first")
        self.assertEqual([a["available_after"] for a in seen], [5, 4, 3, 2, 1])
        self.assertEqual([a["reason"] for a in seen], [f"step {i}" for i in range(4, -1, -1)])
        for q in ("limit=0", "limit=101", "limit=abc", "cursor=%21%21garbage%21%21"):
            with self.subTest(q=q):
                status, h, raw = self.server.request("GET", f"{adjustments_path(sku)}?{q}",
                                                     token=self.admin)
                assert_problem(self, status, h, raw, 400)

    # ---- concurrency -----------------------------------------------------------------

    def test_concurrent_decrements_never_oversell(self):
        sku = self.new_sku()
        self.adjust(sku, 10, "delivery")
        n = 20
        barrier = threading.Barrier(n, timeout=30)
        results = [None] * n
        # Connect first (one after the other), so that the race is between requests.
        conns = []
        try:
            for _ in range(n):
                conn = self.server.connection()
                conn.connect()
                conns.append(conn)
        except BaseException:
            for conn in conns:
                conn.close()
            raise

        def worker(i):
            conn = conns[i]
            try:
                try:
                    barrier.wait()
                except threading.BrokenBarrierError:
                    pass
                results[i] = self.server.json("POST", adjustments_path(sku),
                                              {"delta": -1, "reason": f"order {i}"},
                                              token=self.admin, conn=conn)
            except Exception as e:  # reported below
                results[i] = e
            finally:
                conn.close()

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertFalse(any(t.is_alive() for t in threads), "requests did not finish within 60 s")
        errors = [r for r in results if isinstance(r, Exception)]
        self.assertEqual(errors, [], "requests failed at the transport level")
        statuses = sorted(r[0] for r in results)
        self.assertEqual(statuses.count(201), 10, f"statuses: {statuses}")
        self.assertEqual(statuses.count(409), 10, f"statuses: {statuses}")
        afters = sorted(r[2]["adjustment"]["available_after"] for r in results if r[0] == 201)
        self.assertEqual(afters, list(range(10)), "each successful decrement saw its own stock")
        for status, h, doc in results:
            if status == 409:
                assert_problem(self, status, h, doc, 409)
        self.assert_stock(self.get_stock(sku), sku, 0)
        items = self.list_adjustments(sku)
        self.assertEqual(len(items), 11, "one delivery plus ten decrements")
        self.assertEqual(sorted(a["delta"] for a in items), [-1] * 10 + [10])
        self.assertEqual(len({a["id"] for a in items}), 11)
        # Newest first: available_after rises strictly from the newest to the oldest.
        self.assertEqual([a["available_after"] for a in items], list(range(11)))


if __name__ == "__main__":
    unittest.main()

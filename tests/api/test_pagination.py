"""Cursor pagination stays stable while products are inserted between pages."""

import os
import sys
import unittest
from urllib.parse import urlencode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ServerTestCase, list_all, product_body  # noqa: E402

PRODUCTS = "/api/v1/products"
SEEDED = 50
PAGE = 7


class PaginationTest(ServerTestCase):

    @classmethod
    def prepare_data_dir(cls, server):
        server.seed(SEEDED)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.server.make_admin()
        cls.inserted = 0

    def insert_two(self):
        """Creates one very cheap and one very expensive product, so that under every sort
        order new rows land both before and after the current cursor position."""
        for amount in (1 + self.inserted, 900_000_000 + self.inserted):
            self.inserted += 1
            status, h, p = self.server.json("POST", "/api/v1/admin/products",
                                            product_body(price=amount), token=self.admin)
            self.assertEqual(status, 201, p)

    def walk(self, sort):
        before = list_all(self.server, f"{PRODUCTS}?sort={sort}")
        self.assertGreaterEqual(len(before), SEEDED, "seeded products missing from the public list")
        expected = {p["id"] for p in before}
        seen, order, cursor = [], [], None
        for page_no in range(200):
            q = {"sort": sort, "limit": PAGE}
            if cursor is not None:
                q["cursor"] = cursor
            status, h, doc = self.server.json("GET", f"{PRODUCTS}?{urlencode(q)}")
            self.assertEqual(status, 200, doc)
            self.assertEqual(set(doc), {"items", "next_cursor"})
            self.assertLessEqual(len(doc["items"]), PAGE)
            if doc["next_cursor"] is not None:
                self.assertEqual(len(doc["items"]), PAGE, f"short page {page_no} with a next_cursor")
                self.assertIsInstance(doc["next_cursor"], str)
            seen.extend(p["id"] for p in doc["items"])
            order.extend(p for p in doc["items"] if p["id"] in expected)
            cursor = doc["next_cursor"]
            if cursor is None:
                break
            self.insert_two()
        else:
            self.fail("pagination did not end within 200 pages")

        dups = {i for i in seen if seen.count(i) > 1}
        self.assertFalse(dups, f"{sort}: ids returned twice: {sorted(dups)}")
        missing = expected - set(seen)
        self.assertFalse(missing, f"{sort}: products present at the start never returned: {sorted(missing)}")
        # The products that existed at the start keep their relative order.
        self.assertEqual([p["id"] for p in order], [p["id"] for p in before],
                         f"{sort}: order of pre-existing products changed")
        return order

    def test_newest(self):
        order = self.walk("newest")
        times = [p["created_at"] for p in order]
        self.assertEqual(times, sorted(times, reverse=True), "newest: created_at must not increase")

    def test_price_asc(self):
        order = self.walk("price_asc")
        prices = [p["price_from"]["amount"] for p in order]
        self.assertEqual(prices, sorted(prices))

    def test_price_desc(self):
        order = self.walk("price_desc")
        prices = [p["price_from"]["amount"] for p in order]
        self.assertEqual(prices, sorted(prices, reverse=True))

    def test_name_asc(self):
        self.walk("name_asc")

    def test_default_limit_is_20(self):
        status, h, doc = self.server.json("GET", PRODUCTS)
        self.assertEqual(status, 200, doc)
        self.assertEqual(len(doc["items"]), 20)
        self.assertIsNotNone(doc["next_cursor"])

    def test_newest_is_the_default_sort(self):
        a = self.server.json("GET", f"{PRODUCTS}?limit=30")[2]["items"]
        b = self.server.json("GET", f"{PRODUCTS}?limit=30&sort=newest")[2]["items"]
        self.assertEqual([p["id"] for p in a], [p["id"] for p in b])


if __name__ == "__main__":
    unittest.main()

"""Cursor pagination stays stable while products are inserted between pages."""

import os
import sys
import unittest
from urllib.parse import urlencode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ServerTestCase, list_all, product_body, uniq  # noqa: E402

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
        """Walks every page of `sort`, inserting products between pages. Checks that no
        product repeats and none that existed at the start is missing, and that those keep
        their relative order. Returns (the pre-existing products in page order, every item
        of every page in page order)."""
        before = list_all(self.server, f"{PRODUCTS}?sort={sort}")
        self.assertGreaterEqual(len(before), SEEDED, "seeded products missing from the public list")
        expected = {p["id"] for p in before}
        seen, order, items, cursor = [], [], [], None
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
            items.extend(doc["items"])
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
        return order, items

    def test_newest(self):
        order, _ = self.walk("newest")
        times = [p["created_at"] for p in order]
        self.assertEqual(times, sorted(times, reverse=True), "newest: created_at must not increase")

    def test_price_asc(self):
        order, _ = self.walk("price_asc")
        prices = [p["price_from"]["amount"] for p in order]
        self.assertEqual(prices, sorted(prices))

    def test_price_desc(self):
        order, _ = self.walk("price_desc")
        prices = [p["price_from"]["amount"] for p in order]
        self.assertEqual(prices, sorted(prices, reverse=True))

    def test_name_asc(self):
        # The server orders by `name ASC, seq ASC` under SQLite's default BINARY collation:
        # names compare byte by byte in UTF-8 (case-sensitive: "Z" < "a"; UTF-8 byte order is
        # code point order, as Python compares str), and equal names keep insertion order.
        # These names tell that apart from a case-insensitive or locale order, and the three
        # twins check the tie-break (they may straddle a page boundary).
        tag = uniq("")
        probes = [f"zebra {tag}", f"Zebra {tag}", f"apple {tag}", f"\u00c9mile {tag}"]
        twins = f"Twin {tag}"
        created = {}
        for name in probes + [twins] * 3:
            status, h, p = self.server.json("POST", "/api/v1/admin/products", product_body(name=name),
                                            token=self.admin)
            self.assertEqual(status, 201, p)
            self.assertEqual(p["name"], name, p)
            created.setdefault(name, []).append(p["id"])

        _, items = self.walk("name_asc")
        names = [p["name"] for p in items]
        self.assertEqual(names, sorted(names), "name_asc: names across pages are not in ascending "
                                               "(code point / UTF-8 byte) order")
        ids = [p["id"] for p in items]
        self.assertEqual(len(ids), len(set(ids)), "name_asc: a product appears twice across pages")
        position = {p["id"]: i for i, p in enumerate(items)}
        for name, product_ids in created.items():
            for product_id in product_ids:
                self.assertIn(product_id, position, f"name_asc: {name!r} ({product_id}) never returned")
        self.assertEqual(sorted(probes, key=lambda n: position[created[n][0]]),
                         [f"Zebra {tag}", f"apple {tag}", f"zebra {tag}", f"\u00c9mile {tag}"],
                         "name_asc must be case-sensitive byte order, not case-insensitive")
        self.assertEqual(sorted(created[twins], key=position.get), created[twins],
                         "name_asc: products with equal names must keep insertion order")

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

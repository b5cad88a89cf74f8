"""`emporium seed`: fills the catalog with active products and categories, deterministically."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import SLUG_RE, Server, assert_money, list_all  # noqa: E402

N = 200
PRODUCTS = "/api/v1/products"


def fingerprint(p):
    """What a deterministic seed must reproduce (ids and timestamps may be random)."""
    return (p["slug"], p["name"], p["status"], p["price_from"]["amount"], p["price_from"]["currency"],
            tuple((v["sku"], v["price"]["amount"]) for v in p["variants"]))


class SeedTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.servers = []
        try:
            for _ in range(2):
                srv = Server(start=False)
                cls.servers.append(srv)
                srv.seed(N)
                srv.start()
        except BaseException:
            for srv in cls.servers:
                srv.close()
            raise
        cls.a, cls.b = cls.servers

    @classmethod
    def tearDownClass(cls):
        rcs = []
        for srv in cls.servers:
            try:
                rcs.append(srv.stop())
            finally:
                srv.close()
        if any(rc != 0 for rc in rcs):
            raise AssertionError(f"servers exited with {rcs} on SIGTERM (expected 0)")

    def test_public_list_has_all_seeded_products(self):
        status, h, first = self.a.json("GET", PRODUCTS)
        self.assertEqual(status, 200, first)
        self.assertTrue(first["items"], "seeded catalog lists no products")
        items = list_all(self.a, PRODUCTS)
        self.assertEqual(len(items), N, "every seeded product is active and listed")
        self.assertEqual(len({p["id"] for p in items}), N)
        self.assertEqual(len({p["slug"] for p in items}), N)
        for p in items[:20]:
            self.assertEqual(p["status"], "active")
            self.assertRegex(p["slug"], SLUG_RE)
            self.assertTrue(p["variants"])
            assert_money(self, p["price_from"])
            self.assertEqual(p["price_from"]["amount"], min(v["price"]["amount"] for v in p["variants"]))

    def test_get_by_slug(self):
        status, h, page = self.a.json("GET", f"{PRODUCTS}?limit=5")
        self.assertEqual(status, 200)
        p = page["items"][-1]
        status, h, got = self.a.json("GET", f"{PRODUCTS}/{p['slug']}")
        self.assertEqual(status, 200, got)
        self.assertEqual(got["id"], p["id"])
        self.assertEqual(got, p)

    def test_categories_created(self):
        status, h, cats = self.a.json("GET", "/api/v1/categories")
        self.assertEqual(status, 200)
        self.assertTrue(cats["items"], "seed creates categories")
        ids = {c["id"] for c in cats["items"]}
        items = list_all(self.a, PRODUCTS)
        self.assertTrue(any(p["category_id"] in ids for p in items), "seeded products are categorised")

    def test_deterministic(self):
        first_a = self.a.json("GET", f"{PRODUCTS}?sort=name_asc&limit=20")[2]["items"]
        first_b = self.b.json("GET", f"{PRODUCTS}?sort=name_asc&limit=20")[2]["items"]
        self.assertEqual([(p["name"], p["slug"]) for p in first_a], [(p["name"], p["slug"]) for p in first_b])
        all_a = sorted(fingerprint(p) for p in list_all(self.a, PRODUCTS))
        all_b = sorted(fingerprint(p) for p in list_all(self.b, PRODUCTS))
        self.assertEqual(all_a, all_b, "two seeds with the same N differ")
        cats_a = sorted((c["slug"], c["name"]) for c in self.a.json("GET", "/api/v1/categories")[2]["items"])
        cats_b = sorted((c["slug"], c["name"]) for c in self.b.json("GET", "/api/v1/categories")[2]["items"])
        self.assertEqual(cats_a, cats_b)


if __name__ == "__main__":
    unittest.main()

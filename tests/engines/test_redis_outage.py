"""The shop's Redis stopped and restarted while the shop serves.

Issue 15: "Redis stopped → catalog reads still served (first-level cache and database),
carts answer 503 with Retry-After (or degrade in a documented way), nothing acknowledged
is lost, and the shop recovers by itself when Redis returns."

The test starts a Redis server of its own (scripts/redis-server, durable: append-only file),
since it stops it; the shop runs on the tests' PostgreSQL server (as in the api_pg run).
While Redis is down it checks that product pages, lists and searches answer 200 (cached in
memory or read from the database), that cart calls answer 503 problem documents with
Retry-After and change nothing, and that /health/ready says which engine is down. Once
Redis is back: the cart stored before the outage is intact and carts work again with no
restart of the shop.
"""

import os
import shutil
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "api"))
import harness  # noqa: E402
from harness import PASSWORD, Server, on_postgres, unique_email  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from engine_servers import RedisServer  # noqa: E402


@unittest.skipUnless(on_postgres(), "needs the tests' PostgreSQL server (ctest's engines fixture)")
class RedisOutageTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="emporium-redis-outage-", dir="/tmp")
        self.redis = RedisServer(self.root)
        self.redis.start()
        # The harness points every shop it starts at this Redis.
        harness.REDIS_SERVER = self.redis.address()

    def tearDown(self):
        try:
            self.redis.stop()
        except Exception:  # noqa: BLE001 - the outage may have left it down already
            pass
        shutil.rmtree(self.root, ignore_errors=True)

    def eventually(self, what, check, timeout=15.0):
        give_up = time.monotonic() + timeout
        while True:
            result = check()
            if result:
                return result
            if time.monotonic() > give_up:
                self.fail(f"{what}: not within {timeout:.0f} s")
            time.sleep(0.1)

    def test_reads_go_on_carts_say_503_and_the_shop_recovers_by_itself(self):
        with Server(env={"EMPORIUM_SERVER_REQUEST_TIMEOUT_MS": "2000"}) as shop:
            admin = shop.make_admin()
            sku = shop.stocked_sku(admin, 50)
            status, _, products = shop.json("GET", "/api/v1/products?limit=5")
            self.assertEqual(status, 200, products)
            product_id = products["items"][0]["id"]
            email = unique_email("redis-outage")
            shop.signup(email)
            token = shop.login(email, PASSWORD)
            status, _, cart = shop.json("POST", "/api/v1/cart/items", {"sku": sku, "quantity": 2}, token=token)
            self.assertIn(status, (200, 201), cart)
            time.sleep(1.5)  # the append-only file is written every second
            status, _, page = shop.json("GET", f"/api/v1/products/{product_id}")
            self.assertEqual(status, 200, page)

            self.redis.stop()

            # Catalog reads: from memory or from the database.
            for path in (f"/api/v1/products/{product_id}", "/api/v1/products?limit=5",
                         "/api/v1/products?limit=7", "/api/v1/search?q=a"):
                started = time.monotonic()
                status, _, doc = shop.json("GET", path)
                self.assertEqual(status, 200, f"{path} while Redis is down: {doc}")
                self.assertLess(time.monotonic() - started, 2.5, path)
            # Carts: a clear 503 with Retry-After, and nothing changed.
            for method, path, body in (("GET", "/api/v1/cart", None),
                                       ("POST", "/api/v1/cart/items", {"sku": sku, "quantity": 1})):
                status, headers, doc = shop.json(method, path, body, token=token)
                self.assertEqual(status, 503, f"{method} {path} while Redis is down: {doc}")
                self.assertIn("retry-after", {k.lower() for k in headers}, headers)
                self.assertEqual(doc.get("status"), 503, doc)
            status, _, ready = shop.json("GET", "/health/ready")
            self.assertEqual(status, 503, ready)
            self.assertIn("redis", str(ready))

            self.redis.start()

            # Back by itself: the cart from before the outage, intact, and changes work again.
            def cart_answers():
                status, _, doc = shop.json("GET", "/api/v1/cart", token=token)
                return doc if status == 200 else None
            cart = self.eventually("the cart answers again", cart_answers)
            self.assertEqual([(i["sku"], i["quantity"]) for i in cart["items"]], [(sku, 2)], cart)
            status, _, cart = shop.json("POST", "/api/v1/cart/items", {"sku": sku, "quantity": 1}, token=token)
            self.assertIn(status, (200, 201), cart)
            self.assertEqual([(i["sku"], i["quantity"]) for i in cart["items"]], [(sku, 3)], cart)
            self.eventually("ready again", lambda: shop.json("GET", "/health/ready")[0] == 200)


if __name__ == "__main__":
    unittest.main()

"""A PostgreSQL server stopped and restarted under checkout load.

Issue 14: "a PostgreSQL server stopped and restarted under load gives clear 503s meanwhile,
no wrong answers, and the shop recovers by itself; connection loss mid-transaction never
double-applies a write."

The test starts PostgreSQL servers of its own (scripts/pg-server: a primary and an order
server, fsync on), since it stops one of them: the tests' shared server must stay up for
the others. Under checkout load it stops the order server, then the primary, each for a
few seconds, and checks: every answer meanwhile is a success or a 503 problem document
(never a 500, never a hang past the deadline); once the servers are back the shop answers
by itself (no restart); every acknowledged order exists; and for every SKU available +
reserved + sold equals the initial stock (nothing applied twice, nothing lost).
"""

import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "api"))
from harness import HOST, PASSWORD, Server, product_body, uniq, unique_email  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from engine_servers import PgServer  # noqa: E402

# Unpaid orders hold their stock: enough that the load never runs out of it, whatever the
# machine's speed (running out would stop acknowledgements for a reason other than the outage).
INITIAL_STOCK = 20_000
BUYERS = 8
OUTAGE_SECONDS = 3.0


class PostgresOutageTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="emporium-pg-outage-", dir="/tmp")
        os.chmod(self.root, 0o755)  # the postgres user enters it
        self.primary = PgServer(self.root, "primary")
        self.orders = PgServer(self.root, "orders")
        self.primary.start()
        self.orders.start()

    def tearDown(self):
        for server in (self.primary, self.orders):
            try:
                server.stop()
            except subprocess.SubprocessError:
                pass
        shutil.rmtree(self.root, ignore_errors=True)

    def test_a_stopped_server_gives_503s_and_the_shop_recovers_by_itself(self):
        env = {
            "EMPORIUM_POSTGRES_PRIMARY": self.primary.conninfo(),
            "EMPORIUM_POSTGRES_ORDER_SERVERS": self.orders.conninfo(),
            # A request waits at most this long for a server that does not answer.
            "EMPORIUM_SERVER_REQUEST_TIMEOUT_MS": "2000",
            # Its shoppers place orders they never pay, many each: the cap on unpaid orders per
            # account would refuse them (409) before the outage is even reached.
            "EMPORIUM_ORDERS_MAX_UNPAID_ORDERS_PER_USER": "1000000",
        }
        with Server(env=env) as shop:
            admin = shop.make_admin()
            skus = []
            for _ in range(2):
                status, _, product = shop.json("POST", "/api/v1/admin/products", product_body(), token=admin)
                self.assertEqual(status, 201, product)
                sku = product["variants"][0]["sku"]
                status, _, doc = shop.json("POST", f"/api/v1/admin/inventory/{sku}/adjustments",
                                           {"delta": INITIAL_STOCK, "reason": "initial stock"}, token=admin)
                self.assertEqual(status, 201, doc)
                skus.append(sku)
            buyers = []
            for _ in range(BUYERS):
                email = unique_email("outage")
                shop.signup(email)
                buyers.append(shop.login(email, PASSWORD))

            acknowledged = []  # (token, order_id)
            statuses = {}
            wrong = []
            lock = threading.Lock()
            stop = threading.Event()

            def note(method, path, response, body):
                with lock:
                    statuses[response.status] = statuses.get(response.status, 0) + 1
                    if response.status >= 500 and response.status != 503:
                        wrong.append((method, path, response.status, body[:300]))
                    if response.status == 503:
                        try:
                            problem = json.loads(body)
                        except ValueError:
                            problem = {}
                        if response.getheader("Content-Type", "").split(";")[0] != "application/problem+json" \
                                or problem.get("status") != 503:
                            wrong.append((method, path, "503 without a problem document", body[:300]))

            def buy(index, token):
                headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
                conn = http.client.HTTPConnection(HOST, shop.port, timeout=15)
                n = 0
                while not stop.is_set():
                    n += 1
                    sku = skus[(index + n) % len(skus)]
                    try:
                        conn.request("POST", "/api/v1/cart/items", body=f'{{"sku":"{sku}","quantity":1}}',
                                     headers=headers)
                        response = conn.getresponse()
                        note("POST", "/api/v1/cart/items", response, response.read())
                        conn.request("POST", "/api/v1/orders", body="{}",
                                     headers={**headers, "Idempotency-Key": uniq("outage")})
                        response = conn.getresponse()
                        body = response.read()
                        note("POST", "/api/v1/orders", response, body)
                        if response.status == 201:
                            with lock:
                                acknowledged.append((token, json.loads(body)["id"]))
                        else:
                            # An order that was not placed leaves its cart behind: start over with
                            # one unit, or the carts grow until the stock cannot cover any of them.
                            conn.request("DELETE", "/api/v1/cart", headers=headers)
                            response = conn.getresponse()
                            note("DELETE", "/api/v1/cart", response, response.read())
                        conn.request("GET", "/api/v1/orders?limit=5", headers=headers)
                        response = conn.getresponse()
                        note("GET", "/api/v1/orders", response, response.read())
                    except (OSError, http.client.HTTPException) as error:
                        with lock:
                            wrong.append(("connection", str(error)))
                        conn.close()
                        conn = http.client.HTTPConnection(HOST, shop.port, timeout=15)
                    time.sleep(0.01)

            threads = [threading.Thread(target=buy, args=(i, t)) for i, t in enumerate(buyers)]
            for thread in threads:
                thread.start()
            try:
                time.sleep(1.0)
                for server in (self.orders, self.primary):
                    before = len(acknowledged)
                    server.stop()
                    time.sleep(OUTAGE_SECONDS)
                    server.start()
                    # The shop comes back by itself: orders are acknowledged again.
                    deadline = time.monotonic() + 20
                    while time.monotonic() < deadline and len(acknowledged) <= before + 5:
                        time.sleep(0.1)
                    self.assertGreater(len(acknowledged), before + 5,
                                       f"no orders acknowledged after {server.dir} came back: {statuses}")
            finally:
                stop.set()
                for thread in threads:
                    thread.join(timeout=30)

            self.assertEqual(wrong, [], f"answers other than success or a 503 problem: {statuses}")
            self.assertGreater(statuses.get(503, 0), 0, f"the outage was not noticed: {statuses}")
            status, _, ready = shop.json("GET", "/health/ready")
            self.assertEqual(status, 200, ready)

            ordered = {sku: 0 for sku in skus}
            for token, order_id in acknowledged:
                status, _, order = shop.json("GET", f"/api/v1/orders/{order_id}", token=token)
                self.assertEqual(status, 200, f"acknowledged order {order_id} is gone: {order}")
                for line in order["items"]:
                    ordered[line["sku"]] += line["quantity"]
            for sku in skus:
                status, _, stock = shop.json("GET", f"/api/v1/admin/inventory/{sku}", token=admin)
                self.assertEqual(status, 200, stock)
                self.assertEqual(stock["available"] + stock["reserved"] + stock["sold"], INITIAL_STOCK, stock)
                self.assertGreaterEqual(stock["reserved"] + stock["sold"], ordered[sku], stock)


if __name__ == "__main__":
    unittest.main()

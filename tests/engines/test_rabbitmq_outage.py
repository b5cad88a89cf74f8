"""RabbitMQ stopped for 10 s under checkout load.

Issue 15, item 3: "RabbitMQ stopped for 10 s under checkout load → orders keep being
accepted, the outbox holds the events, and after restart every paid order gets exactly one
shipment and one confirmation mail."

The shop runs on the tests' PostgreSQL server (its own databases, as every api_pg test) with
its events on a RabbitMQ broker of this test's own (scripts/rabbitmq-server), since the test
stops it: the tests' shared broker must stay up for the others. Buyers place and pay orders
throughout; the broker is stopped for 10 s and started again (same data directory: its
durable queues and the messages in them survive). Checks: orders are acknowledged and paid
during the outage, readiness reports the broker down meanwhile (staying ready: the shop
serves without it) and up afterwards, and once
the events have flowed every paid order has exactly one shipment and exactly one
confirmation mail.
"""

import glob
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
from harness import (HOST, PASSWORD, Server, on_postgres, product_body, shop_database,  # noqa: E402
                     uniq, unique_email)
from test_payments import GOOD, SECRET, Paygw  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from engine_servers import Broker  # noqa: E402

INITIAL_STOCK = 5000
BUYERS = 4
OUTAGE_SECONDS = 10.0
SETTLE_SECONDS = 60.0


@unittest.skipUnless(on_postgres(), "needs the tests' PostgreSQL server (EMPORIUM_API_POSTGRES; run with ctest)")
class RabbitMqOutageTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="emporium-rmq-outage-", dir="/tmp")
        self.broker = Broker(self.root)
        self.broker.start()
        self.paygw = Paygw()

    def tearDown(self):
        self.paygw.stop()
        try:
            self.broker.stop()
        except subprocess.SubprocessError:
            pass
        shutil.rmtree(self.root, ignore_errors=True)

    def test_orders_are_taken_while_the_broker_is_down_and_every_paid_order_ships_and_mails_once(self):
        env = {
            "EMPORIUM_RABBITMQ_URL": self.broker.url(),
            "EMPORIUM_RABBITMQ_PREFIX": uniq("outage").replace("-", "_"),
            "EMPORIUM_PAYMENTS_PROVIDER_URL": self.paygw.url,
            "EMPORIUM_PAYMENTS_WEBHOOK_SECRET": SECRET,
        }
        with Server(env=env) as shop:
            admin = shop.make_admin()
            status, _, product = shop.json("POST", "/api/v1/admin/products", product_body(), token=admin)
            self.assertEqual(status, 201, product)
            sku = product["variants"][0]["sku"]
            status, _, doc = shop.json("POST", f"/api/v1/admin/inventory/{sku}/adjustments",
                                       {"delta": INITIAL_STOCK, "reason": "initial stock"}, token=admin)
            self.assertEqual(status, 201, doc)
            buyers = []
            for _ in range(BUYERS):
                email = unique_email("rmq-outage")
                shop.signup(email)
                buyers.append(shop.login(email, PASSWORD))

            paid = []  # (token, order_id, paid at, during the outage)
            wrong = []
            lock = threading.Lock()
            stop = threading.Event()
            outage = threading.Event()

            def buy(token):
                headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
                conn = http.client.HTTPConnection(HOST, shop.port, timeout=30)

                def call(method, path, body, extra=None):
                    conn.request(method, path, body=json.dumps(body), headers={**headers, **(extra or {})})
                    response = conn.getresponse()
                    return response.status, response.read()

                while not stop.is_set():
                    try:
                        status, body = call("POST", "/api/v1/cart/items", {"sku": sku, "quantity": 1})
                        if status != 201 and status != 200:
                            wrong.append(("cart", status, body[:300]))
                            continue
                        status, body = call("POST", "/api/v1/orders", {}, {"Idempotency-Key": uniq("rmq")})
                        if status != 201:
                            wrong.append(("order", status, body[:300]))
                            continue
                        order_id = json.loads(body)["id"]
                        during = outage.is_set()
                        status, body = call("POST", f"/api/v1/orders/{order_id}/payment", {"card": GOOD})
                        if status != 200:
                            wrong.append(("payment", status, body[:300]))
                            continue
                        with lock:
                            paid.append((token, order_id, during and outage.is_set()))
                    except (OSError, http.client.HTTPException) as error:
                        with lock:
                            wrong.append(("connection", str(error)))
                        conn.close()
                        conn = http.client.HTTPConnection(HOST, shop.port, timeout=30)
                    time.sleep(0.1)  # checkout load, not a flood: the consumers must drain it afterwards

            threads = [threading.Thread(target=buy, args=(token,)) for token in buyers]
            for thread in threads:
                thread.start()
            try:
                time.sleep(2.0)
                self.broker.stop()
                outage.set()
                down_since = time.monotonic()
                ready_during = None
                while time.monotonic() - down_since < OUTAGE_SECONDS:
                    time.sleep(0.5)
                    if ready_during is None and time.monotonic() - down_since > 2:
                        ready_during = shop.json("GET", "/health/ready")
                outage.clear()
                self.broker.start()
                time.sleep(3.0)  # and a little load after the broker is back
            finally:
                stop.set()
                for thread in threads:
                    thread.join(timeout=60)

            self.assertEqual(wrong, [], "every order was accepted and paid, broker or not")
            during = [p for p in paid if p[2]]
            self.assertGreater(len(during), 5, f"orders paid while the broker was down: {len(during)}")
            # Readiness reports the broker down, and the process stays ready: it takes orders.
            self.assertIsNotNone(ready_during)
            self.assertEqual(ready_during[0], 200, ready_during)
            self.assertEqual(ready_during[2]["checks"].get("rabbitmq"), "failing", ready_during)

            # After the restart the outbox drains: every paid order ships, and mails once.
            order_ids = {order_id for _, order_id, _ in paid}
            spool = os.path.join(shop.data_dir, "mail", "new")

            def confirmations():
                counts = {}
                for path in glob.glob(os.path.join(spool, "*")):
                    with open(path, encoding="utf-8") as f:
                        text = f.read()
                    for line in text.splitlines():  # (text mode reads CRLF as \n)
                        if line.startswith("Subject: Your Emporium order ") and line.endswith(" is confirmed"):
                            order_id = line[len("Subject: Your Emporium order "):-len(" is confirmed")]
                            counts[order_id] = counts.get(order_id, 0) + 1
                return counts

            def shipments():
                db = shop_database(shop.data_dir)
                try:
                    rows = db.execute("SELECT order_id, count(*) FROM shipments GROUP BY order_id")
                finally:
                    db.close()
                return {row[0]: int(row[1]) for row in rows}

            deadline = time.monotonic() + SETTLE_SECONDS
            while time.monotonic() < deadline:
                shipped, mailed = shipments(), confirmations()
                if order_ids <= set(shipped) and order_ids <= set(mailed):
                    break
                time.sleep(0.5)
            time.sleep(2.0)  # a duplicate would show up by now
            shipped, mailed = shipments(), confirmations()
            if not order_ids <= set(shipped) or not order_ids <= set(mailed):
                print(shop.log_tail(80), file=sys.stderr)
            counts = (f"{len(order_ids)} paid, {len(set(shipped) & order_ids)} shipped, "
                      f"{len(set(mailed) & order_ids)} confirmed by mail")
            self.assertEqual(sorted(order_ids - set(shipped)), [], f"paid orders without a shipment ({counts})")
            self.assertEqual(sorted(order_ids - set(mailed)), [], f"paid orders without a confirmation mail ({counts})")
            self.assertEqual({o: n for o, n in shipped.items() if n != 1}, {}, "orders shipped twice")
            self.assertEqual({o: n for o, n in mailed.items() if n != 1}, {}, "orders confirmed twice")
            status, _, ready = shop.json("GET", "/health/ready")
            self.assertEqual(status, 200, ready)
            self.assertEqual(ready["checks"].get("rabbitmq"), "ok", ready)
            print(f"paid {len(paid)} orders, {len(during)} while the broker was down; all shipped and mailed once",
                  file=sys.stderr)


if __name__ == "__main__":
    unittest.main()

"""Checkout under contention and over time: a flash sale never oversells, and an unpaid
order whose stock reservation expires is cancelled with its stock released."""

import http.client
import json
import threading
import time
import unittest

from harness import HOST, PASSWORD, Server, unique_email

BUYERS = 200
UNITS = 50


class FlashSaleTest(unittest.TestCase):
    def test_200_buyers_for_50_units_make_exactly_50_orders(self):
        with Server() as server:
            admin = server.make_admin()
            sku = server.stocked_sku(admin, UNITS, reason="sale")
            tokens = []
            for _ in range(BUYERS):
                email = unique_email("flash")
                server.signup(email)
                token = server.login(email, PASSWORD)
                status, _, cart = server.json("POST", "/api/v1/cart/items", {"sku": sku, "quantity": 1}, token=token)
                self.assertEqual(status, 201, cart)
                tokens.append(token)
            connections = [http.client.HTTPConnection(HOST, server.port, timeout=60) for _ in tokens]
            for connection in connections:
                connection.connect()
            start = threading.Barrier(len(tokens))
            results = [None] * len(tokens)

            def buy(i):
                start.wait()
                connections[i].request("POST", "/api/v1/orders", body="{}",
                                       headers={"Authorization": f"Bearer {tokens[i]}",
                                                "Content-Type": "application/json"})
                response = connections[i].getresponse()
                results[i] = (response.status, response.read())

            threads = [threading.Thread(target=buy, args=(i,)) for i in range(len(tokens))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            statuses = [status for status, _ in results]
            self.assertEqual(statuses.count(201), UNITS, sorted(set(statuses)))
            self.assertEqual(statuses.count(409), BUYERS - UNITS, sorted(set(statuses)))
            _, _, stock = server.json("GET", f"/api/v1/admin/inventory/{sku}", token=admin)
            self.assertEqual((stock["available"], stock["reserved"], stock["sold"]), (0, UNITS, 0))


class ReservationExpiryTest(unittest.TestCase):
    def test_expired_reservation_cancels_the_order_and_releases_stock(self):
        with Server(env={"EMPORIUM_INVENTORY_RESERVATION_TTL_SECONDS": "2"}) as server:
            admin = server.make_admin()
            sku = server.stocked_sku(admin, 3)
            _, token = server.new_customer()
            server.json("POST", "/api/v1/cart/items", {"sku": sku, "quantity": 2}, token=token)
            status, _, order = server.json("POST", "/api/v1/orders", {}, token=token)
            self.assertEqual(status, 201, order)
            _, _, stock = server.json("GET", f"/api/v1/admin/inventory/{sku}", token=admin)
            self.assertEqual((stock["available"], stock["reserved"]), (1, 2))
            deadline = time.monotonic() + 15
            state = None
            while time.monotonic() < deadline:
                _, _, state = server.json("GET", f"/api/v1/orders/{order['id']}/status", token=token)
                if state["status"] == "CANCELLED":
                    break
                time.sleep(0.2)
            self.assertEqual(state["status"], "CANCELLED", state)
            self.assertIn("expired", state["history"][-1]["reason"])
            _, _, stock = server.json("GET", f"/api/v1/admin/inventory/{sku}", token=admin)
            self.assertEqual((stock["available"], stock["reserved"], stock["sold"]), (3, 0, 0))


if __name__ == "__main__":
    unittest.main()

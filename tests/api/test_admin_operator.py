"""The operator API of the admin console (issue 17): every customer's orders (filters, cursor
pages across shards), any order with its history, payment and shipment, the operator's cancel
and refund (idempotent, audited, stock back), accounts and their admin role, and the live
system summary (the payment provider down under its fault switch)."""

import datetime
import os
import sys
import time
import unittest
from urllib.parse import quote, urlencode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, assert_problem, uniq, wait_for  # noqa: E402
from test_payments import GOOD, SECRET, Paygw  # noqa: E402

ADMIN_ORDERS = "/api/v1/admin/orders"
CUSTOMERS = "/api/v1/admin/customers"
SYSTEM = "/api/v1/admin/system"
FAULTS = "/api/v1/admin/faults"
ORDER_FIELDS = {"id", "status", "items", "item_count", "subtotal", "total", "shipping_address",
                "reservation_expires_at", "created_at", "updated_at"}
USER_FIELDS = {"id", "email", "name", "role", "created_at"}


def rfc3339(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class OperatorApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.paygw = Paygw()
        cls.server = Server(env={"EMPORIUM_PAYMENTS_PROVIDER_URL": cls.paygw.url,
                                 "EMPORIUM_PAYMENTS_WEBHOOK_SECRET": SECRET,
                                 "EMPORIUM_ADMIN_FAULT_INJECTION": "true"})
        try:
            cls.server.start()
            cls.admin = cls.server.make_admin()
            cls.admin_id = cls.server.json("GET", "/api/v1/users/me", token=cls.admin)[2]["id"]
            # Another operator: reads and acts on orders neither of them placed.
            cls.other_admin = cls.server.make_admin()
            cls.other_admin_id = cls.server.json("GET", "/api/v1/users/me", token=cls.other_admin)[2]["id"]
        except BaseException:
            cls.server.close()
            cls.paygw.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            rc = cls.server.stop()
            if rc != 0:
                raise AssertionError(f"server exited with code {rc}\n{cls.server.log_tail()}")
        finally:
            cls.server.close()
            cls.paygw.stop()

    # ---- helpers ------------------------------------------------------------------------

    def sku(self, stock=10, price=1500):
        return self.server.stocked_sku(self.admin, stock, reason="test", price=price)

    def customer(self):
        email = f"op-{uniq()}@example.com"
        user = self.server.signup(email)
        return user, self.server.login(email), email

    def place(self, token, sku, quantity=1):
        status, _, cart = self.server.json("POST", "/api/v1/cart/items", {"sku": sku, "quantity": quantity},
                                           token=token)
        self.assertEqual(status, 201, cart)
        status, _, order = self.server.json("POST", "/api/v1/orders", {}, token=token)
        self.assertEqual(status, 201, order)
        return order

    def pay(self, token, order_id):
        status, _, payment = self.server.json("POST", f"/api/v1/orders/{order_id}/payment", {"card": GOOD},
                                              token=token)
        self.assertEqual(status, 200, payment)
        return payment

    def available(self, sku):
        return self.server.json("GET", f"/api/v1/admin/inventory/{sku}", token=self.admin)[2]["available"]

    def list_orders(self, token=None, **params):
        query = urlencode(params)
        return self.server.json("GET", ADMIN_ORDERS + ("?" + query if query else ""), token=token or self.admin)

    def all_pages(self, path, params, limit=2):
        ids, cursor = [], None
        for _ in range(100):
            query = dict(params, limit=limit)
            if cursor:
                query["cursor"] = cursor
            status, h, page = self.server.json("GET", f"{path}?{urlencode(query)}", token=self.admin)
            self.assertEqual(status, 200, page)
            self.assertLessEqual(len(page["items"]), limit)
            ids += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                return ids
        self.fail("the pages never ended")

    def view(self, order_id, token=None):
        status, h, doc = self.server.json("GET", f"{ADMIN_ORDERS}/{order_id}", token=token or self.admin)
        self.assertEqual(status, 200, doc)
        self.assertEqual(h.get("cache-control"), "no-store")
        return doc

    def act(self, action, order_id, body=None, token=None):
        return self.server.json("POST", f"{ADMIN_ORDERS}/{order_id}/{action}", body, token=token or self.admin)

    # ---- access ---------------------------------------------------------------------------

    def test_customers_get_403_and_anonymous_401_on_every_operator_route(self):
        user, token, _ = self.customer()
        order = self.place(token, self.sku())
        routes = [("GET", ADMIN_ORDERS, None), ("GET", f"{ADMIN_ORDERS}/{order['id']}", None),
                  ("POST", f"{ADMIN_ORDERS}/{order['id']}/cancel", {}),
                  ("POST", f"{ADMIN_ORDERS}/{order['id']}/refund", {}),
                  ("GET", CUSTOMERS, None), ("PUT", f"{CUSTOMERS}/{user['id']}/role", {"role": "admin"}),
                  ("GET", SYSTEM, None)]
        for method, path, body in routes:
            with self.subTest(method=method, path=path):
                status, h, raw = self.server.request(method, path, body, token=token)
                assert_problem(self, status, h, raw, 403)
                status, h, raw = self.server.request(method, path, body)
                assert_problem(self, status, h, raw, 401)
        # Nothing happened to the order or the role.
        self.assertEqual(self.view(order["id"])["order"]["status"], "PENDING_PAYMENT")
        self.assertEqual(self.server.json("GET", "/api/v1/users/me", token=token)[2]["role"], "customer")

    # ---- listing every order ----------------------------------------------------------------

    def test_orders_of_every_customer_newest_first_with_each_filter(self):
        started = int(time.time()) - 1
        sku = self.sku(stock=50)
        alice, alice_token, alice_email = self.customer()
        bob, bob_token, _ = self.customer()
        alice_orders = [self.place(alice_token, sku) for _ in range(3)]
        bob_orders = [self.place(bob_token, sku) for _ in range(2)]

        # user_id: one customer's orders, newest first, each a whole Order.
        status, h, page = self.list_orders(user_id=alice["id"])
        self.assertEqual(status, 200, page)
        self.assertEqual(h.get("cache-control"), "no-store")
        self.assertEqual([o["id"] for o in page["items"]], [o["id"] for o in reversed(alice_orders)])
        self.assertIsNone(page["next_cursor"])
        self.assertEqual(set(page["items"][0]), ORDER_FIELDS)

        # Both customers' orders (in different shards or not) are all there, each once.
        mine = {o["id"] for o in alice_orders + bob_orders}
        listed = [i for i in self.all_pages(ADMIN_ORDERS, {"created_after": rfc3339(started)}, limit=2) if i in mine]
        self.assertEqual(sorted(listed), sorted(mine))

        # status: the cancelled one only.
        self.assertEqual(self.act("cancel", alice_orders[0]["id"])[0], 200)
        _, _, page = self.list_orders(user_id=alice["id"], status="CANCELLED")
        self.assertEqual([o["id"] for o in page["items"]], [alice_orders[0]["id"]])
        _, _, page = self.list_orders(user_id=alice["id"], status="PENDING_PAYMENT")
        self.assertEqual({o["id"] for o in page["items"]}, {alice_orders[1]["id"], alice_orders[2]["id"]})

        # q: an order id, or a customer's email (any case).
        _, _, page = self.list_orders(q=bob_orders[1]["id"])
        self.assertEqual([o["id"] for o in page["items"]], [bob_orders[1]["id"]])
        _, _, page = self.list_orders(q=alice_email.upper())
        self.assertEqual(len(page["items"]), 3)
        _, _, page = self.list_orders(q=f"nobody-{uniq()}@example.com")
        self.assertEqual(page, {"items": [], "next_cursor": None})
        _, _, page = self.list_orders(q=alice_email, user_id=bob["id"])  # two customers: nothing matches both
        self.assertEqual(page["items"], [])

        # created_after / created_before.
        _, _, page = self.list_orders(user_id=bob["id"], created_after=rfc3339(time.time() + 3600))
        self.assertEqual(page["items"], [])
        _, _, page = self.list_orders(user_id=bob["id"], created_before=rfc3339(started))
        self.assertEqual(page["items"], [])
        _, _, page = self.list_orders(user_id=bob["id"], created_after=rfc3339(started),
                                      created_before=rfc3339(time.time() + 3600))
        self.assertEqual(len(page["items"]), 2)

    def test_pages_are_stable_while_orders_are_placed(self):
        sku = self.sku(stock=50)
        user, token, _ = self.customer()
        placed = [self.place(token, sku)["id"] for _ in range(4)]  # the fifth unpaid one comes later
        status, _, first = self.list_orders(user_id=user["id"], limit=2)
        self.assertEqual(status, 200, first)
        self.assertEqual([o["id"] for o in first["items"]], [placed[3], placed[2]])
        newer = self.place(token, sku)["id"]  # lands before the cursor: not on the next pages
        seen = [o["id"] for o in first["items"]]
        cursor = first["next_cursor"]
        while cursor:
            status, _, page = self.list_orders(user_id=user["id"], limit=2, cursor=cursor)
            self.assertEqual(status, 200, page)
            seen += [o["id"] for o in page["items"]]
            cursor = page["next_cursor"]
        self.assertEqual(seen, list(reversed(placed)))
        self.assertNotIn(newer, seen)

    def test_bad_list_parameters_are_400(self):
        for query in ("status=LOST", "limit=0", "limit=101", "cursor=nonsense", "created_after=yesterday",
                      "created_before=1700000000", "q=hello", "page=2", "status=PAID&status=PAID",
                      "user_id=" + "u" * 65):
            with self.subTest(query=query):
                status, h, raw = self.server.request("GET", f"{ADMIN_ORDERS}?{query}", token=self.admin)
                assert_problem(self, status, h, raw, 400)
        # A cursor of another list is refused too.
        _, token, _ = self.customer()
        sku = self.sku()
        self.place(token, sku)
        self.place(token, sku)
        own = self.server.json("GET", "/api/v1/orders?limit=1", token=token)[2]["next_cursor"]
        status, h, raw = self.server.request("GET", f"{ADMIN_ORDERS}?cursor={quote(own)}", token=self.admin)
        assert_problem(self, status, h, raw, 400)

    # ---- one order --------------------------------------------------------------------------

    def test_another_admin_reads_any_order_with_history_payment_and_shipment(self):
        sku = self.sku()
        user, token, _ = self.customer()
        unpaid = self.place(token, sku)
        doc = self.view(unpaid["id"], token=self.other_admin)
        self.assertEqual(set(doc), {"order", "user_id", "history", "payment", "shipment"})
        self.assertEqual(doc["order"], unpaid)
        self.assertEqual(doc["user_id"], user["id"])
        self.assertEqual([(e["status"], e["actor"]) for e in doc["history"]], [("PENDING_PAYMENT", user["id"])])
        self.assertIsNone(doc["payment"])
        self.assertIsNone(doc["shipment"])

        paid = self.place(token, sku)
        self.pay(token, paid["id"])
        doc = wait_for(lambda: (lambda d: d if d["shipment"] and d["order"]["status"] == "FULFILLING" else None)(
            self.view(paid["id"], token=self.other_admin)), seconds=15)
        self.assertIsNotNone(doc, "no shipment after payment")
        self.assertEqual(doc["payment"]["status"], "succeeded")
        self.assertEqual(doc["payment"]["order_id"], paid["id"])
        self.assertEqual(doc["shipment"]["order_id"], paid["id"])
        self.assertEqual(doc["shipment"]["status"], "label_created")
        self.assertEqual([e["status"] for e in doc["history"]], ["PENDING_PAYMENT", "PAID", "FULFILLING"])
        self.assertIsNone(doc["history"][-1]["actor"])  # the shipping consumer's own work

        for missing in ("ord_0_doesnotexist", "ord_999_x", "nonsense"):
            status, h, raw = self.server.request("GET", f"{ADMIN_ORDERS}/{missing}", token=self.admin)
            assert_problem(self, status, h, raw, 404)
        status, h, raw = self.server.request("GET", f"{ADMIN_ORDERS}/{paid['id']}?x=1", token=self.admin)
        assert_problem(self, status, h, raw, 400)

    # ---- cancel and refund --------------------------------------------------------------------

    def test_operator_cancel_releases_stock_is_idempotent_and_audited(self):
        sku = self.sku(stock=5)
        _, token, _ = self.customer()
        order = self.place(token, sku, quantity=2)
        self.assertEqual(self.available(sku), 3)

        status, h, cancelled = self.act("cancel", order["id"], {"reason": "  customer called  "})
        self.assertEqual(status, 200, cancelled)
        self.assertEqual(h.get("cache-control"), "no-store")
        self.assertEqual(cancelled["status"], "CANCELLED")
        self.assertEqual(self.available(sku), 5)
        status, _, again = self.act("cancel", order["id"], {"reason": "again"}, token=self.other_admin)
        self.assertEqual((status, again), (200, cancelled))
        self.assertEqual(self.available(sku), 5)

        history = self.view(order["id"], token=self.other_admin)["history"]
        self.assertEqual(len(history), 2, history)  # the repeat recorded nothing
        self.assertEqual(history[-1]["status"], "CANCELLED")
        self.assertEqual(history[-1]["actor"], self.admin_id)
        self.assertEqual(history[-1]["reason"], "cancelled by an operator: customer called")
        # The shopper sees the cancellation too.
        self.assertEqual(self.server.json("GET", f"/api/v1/orders/{order['id']}", token=token)[2]["status"],
                         "CANCELLED")

        # No body at all is no reason.
        other = self.place(token, sku)
        status, _, doc = self.act("cancel", other["id"])
        self.assertEqual(status, 200, doc)
        self.assertEqual(self.view(other["id"])["history"][-1]["reason"], "cancelled by an operator")

    def test_bad_action_bodies_change_nothing(self):
        sku = self.sku(stock=5)
        _, token, _ = self.customer()
        order = self.place(token, sku)
        for body, expected in (({"reason": "x" * 201}, 422), ({"reason": 5}, 400), ({"why": "x"}, 400)):
            for action in ("cancel", "refund"):
                with self.subTest(body=body, action=action):
                    status, h, raw = self.server.request("POST", f"{ADMIN_ORDERS}/{order['id']}/{action}", body,
                                                         token=self.admin)
                    assert_problem(self, status, h, raw, expected)
        self.assertEqual(self.view(order["id"])["order"]["status"], "PENDING_PAYMENT")
        self.assertEqual(self.available(sku), 4)
        for action in ("cancel", "refund"):
            status, h, raw = self.server.request("POST", f"{ADMIN_ORDERS}/ord_0_missing/{action}", {},
                                                 token=self.admin)
            assert_problem(self, status, h, raw, 404)

    def test_operator_refund_of_a_paid_order_is_idempotent_and_audited(self):
        sku = self.sku(stock=5)
        _, token, _ = self.customer()
        unpaid = self.place(token, sku)
        status, h, raw = self.server.request("POST", f"{ADMIN_ORDERS}/{unpaid['id']}/refund", {}, token=self.admin)
        assert_problem(self, status, h, raw, 409)  # nothing was paid
        self.assertEqual(self.view(unpaid["id"])["order"]["status"], "PENDING_PAYMENT")

        paid = self.place(token, sku)
        self.pay(token, paid["id"])
        status, _, refunded = self.act("refund", paid["id"], {"reason": "damaged"}, token=self.other_admin)
        self.assertEqual(status, 200, refunded)
        self.assertEqual(refunded["status"], "REFUNDED")
        status, _, again = self.act("refund", paid["id"], {}, token=self.admin)
        self.assertEqual((status, again), (200, refunded))
        doc = wait_for(lambda: (lambda d: d if d["payment"]["status"] == "refunded" else None)(
            self.view(paid["id"])), seconds=15)
        self.assertIsNotNone(doc, "the payment was not refunded")
        last = doc["history"][-1]
        self.assertEqual((last["status"], last["actor"]), ("REFUNDED", self.other_admin_id))
        self.assertEqual(last["reason"], "refunded by an operator: damaged")
        self.assertEqual([e["status"] for e in doc["history"]].count("REFUNDED"), 1)
        # Cancelling a refunded order answers it as it is.
        self.assertEqual(self.act("cancel", paid["id"])[:3:2], (200, refunded))

    def test_shipped_orders_can_neither_be_cancelled_nor_refunded(self):
        sku = self.sku(stock=5)
        _, token, _ = self.customer()
        order = self.place(token, sku)
        self.pay(token, order["id"])
        doc = wait_for(lambda: (lambda d: d if d["shipment"] and d["order"]["status"] == "FULFILLING" else None)(
            self.view(order["id"])), seconds=15)
        self.assertIsNotNone(doc, "no shipment after payment")
        number = doc["shipment"]["tracking_number"]
        status, _, tracking = self.server.json("POST", f"/api/v1/admin/shipments/{number}/events",
                                               {"status": "in_transit"}, token=self.admin)
        self.assertEqual(status, 201, tracking)
        for action in ("cancel", "refund"):
            status, h, raw = self.server.request("POST", f"{ADMIN_ORDERS}/{order['id']}/{action}", {},
                                                 token=self.admin)
            assert_problem(self, status, h, raw, 409)
        self.assertEqual(self.view(order["id"])["order"]["status"], "SHIPPED")

    # ---- customers and roles ------------------------------------------------------------------

    def test_customers_newest_first_with_filters_and_pages(self):
        tag = uniq("tag").lower()
        emails = [f"{tag}-{i}@example.com" for i in range(3)]
        users = [self.server.signup(email) for email in emails]
        status, h, page = self.server.json("GET", f"{CUSTOMERS}?q={tag.upper()}", token=self.admin)
        self.assertEqual(status, 200, page)
        self.assertEqual(h.get("cache-control"), "no-store")
        self.assertEqual({u["id"] for u in page["items"]}, {u["id"] for u in users})
        for item in page["items"]:
            self.assertEqual(set(item), USER_FIELDS)  # no hash, no token
            self.assertEqual(item["role"], "customer")
        created = [u["created_at"] for u in page["items"]]
        self.assertEqual(created, sorted(created, reverse=True))
        self.assertEqual(sorted(self.all_pages(CUSTOMERS, {"q": tag}, limit=1)), sorted(u["id"] for u in users))

        status, _, admins = self.server.json("GET", f"{CUSTOMERS}?role=admin&limit=100", token=self.admin)
        self.assertEqual(status, 200, admins)
        self.assertTrue({self.admin_id, self.other_admin_id} <= {u["id"] for u in admins["items"]})
        self.assertTrue(all(u["role"] == "admin" for u in admins["items"]))
        status, _, none = self.server.json("GET", f"{CUSTOMERS}?q={tag}&role=admin", token=self.admin)
        self.assertEqual(none, {"items": [], "next_cursor": None})

        for query in ("role=owner", "q=" + "x" * 255, "limit=0", "cursor=zzz", "sort=email", "role=admin&role=admin"):
            with self.subTest(query=query):
                status, h, raw = self.server.request("GET", f"{CUSTOMERS}?{query}", token=self.admin)
                assert_problem(self, status, h, raw, 400)

    def test_granting_the_admin_role_lets_the_user_in_at_once_and_withdrawing_it_shuts_them_out(self):
        user, token, _ = self.customer()
        self.assertEqual(self.server.request("GET", SYSTEM, token=token)[0], 403)
        status, h, granted = self.server.json("PUT", f"{CUSTOMERS}/{user['id']}/role", {"role": "admin"},
                                              token=self.admin)
        self.assertEqual(status, 200, granted)
        self.assertEqual(h.get("cache-control"), "no-store")
        self.assertEqual(set(granted), USER_FIELDS)
        self.assertEqual(granted["role"], "admin")
        # The session opened as a customer carries the new role at once.
        self.assertEqual(self.server.request("GET", SYSTEM, token=token)[0], 200)
        status, _, again = self.server.json("PUT", f"{CUSTOMERS}/{user['id']}/role", {"role": "admin"},
                                            token=self.other_admin)
        self.assertEqual((status, again), (200, granted))

        status, _, withdrawn = self.server.json("PUT", f"{CUSTOMERS}/{user['id']}/role", {"role": "customer"},
                                                token=self.other_admin)
        self.assertEqual((status, withdrawn["role"]), (200, "customer"))
        self.assertEqual(self.server.request("GET", SYSTEM, token=token)[0], 403)
        self.assertEqual(self.server.json("GET", "/api/v1/users/me", token=token)[2]["role"], "customer")

    def test_an_admin_cannot_withdraw_their_own_role_and_bad_requests_change_nothing(self):
        status, h, raw = self.server.request("PUT", f"{CUSTOMERS}/{self.admin_id}/role", {"role": "customer"},
                                             token=self.admin)
        assert_problem(self, status, h, raw, 409)
        self.assertEqual(self.server.request("GET", SYSTEM, token=self.admin)[0], 200)
        user, _, _ = self.customer()
        for body, expected in (({"role": "owner"}, 422), ({}, 422), ({"role": 1}, 400), ({"role": "admin", "x": 1}, 400)):
            with self.subTest(body=body):
                status, h, raw = self.server.request("PUT", f"{CUSTOMERS}/{user['id']}/role", body, token=self.admin)
                assert_problem(self, status, h, raw, expected)
        status, h, raw = self.server.request("PUT", f"{CUSTOMERS}/usr_missing/role", {"role": "admin"},
                                             token=self.admin)
        assert_problem(self, status, h, raw, 404)
        _, _, page = self.server.json("GET", f"{CUSTOMERS}?q={quote(user['email'])}", token=self.admin)
        self.assertEqual([u["role"] for u in page["items"]], ["customer"])

    # ---- the system view ----------------------------------------------------------------------

    def component(self, doc, name):
        return next(c for c in doc["components"] if c["name"] == name)

    def test_system_summary_shape_and_the_payment_provider_down_under_its_fault_switch(self):
        # Some traffic between two of the summary's once-a-second samples: the window sees it.
        time.sleep(1.2)
        for _ in range(5):
            self.server.request("GET", "/api/v1/products")
        time.sleep(1.2)
        status, h, doc = self.server.json("GET", SYSTEM, token=self.admin)
        self.assertEqual(status, 200, doc)
        self.assertEqual(h.get("cache-control"), "no-store")
        self.assertEqual(set(doc), {"generated_at", "window_seconds", "components", "circuit_breakers"})
        names = [c["name"] for c in doc["components"]]
        for name in ("gateway", "users", "catalog", "search", "cart", "orders", "payments", "shipping",
                     "database", "cache", "bus", "search_index", "payment_provider"):
            self.assertIn(name, names)
        for c in doc["components"]:
            self.assertIn(c["status"], ("ok", "degraded", "down"), c)
        gateway = self.component(doc, "gateway")
        self.assertGreater(doc["window_seconds"], 0)
        self.assertGreater(gateway["requests_per_second"], 0, gateway)
        self.assertGreaterEqual(gateway["error_rate"], 0)
        self.assertGreater(gateway["p99_ms"], 0)
        self.assertGreaterEqual(gateway["blocking_pool"]["threads"], 1)
        self.assertGreater(self.component(doc, "catalog")["requests_per_second"], 0)
        self.assertEqual(self.component(doc, "database")["status"], "ok")
        provider = self.component(doc, "payment_provider")
        self.assertEqual((provider["status"], provider["fault"]), ("ok", "off"))
        self.assertIn({"name": "payment_provider", "state": "closed"}, doc["circuit_breakers"])

        status, _, fault = self.server.json("PUT", f"{FAULTS}/payment_provider", {"mode": "down"}, token=self.admin)
        self.assertEqual(status, 200, fault)
        try:
            provider = self.component(self.server.json("GET", SYSTEM, token=self.admin)[2], "payment_provider")
            self.assertEqual((provider["status"], provider["fault"]), ("down", "down"))
        finally:
            self.assertEqual(self.server.request("DELETE", f"{FAULTS}/payment_provider", token=self.admin)[0], 204)
        provider = self.component(self.server.json("GET", SYSTEM, token=self.admin)[2], "payment_provider")
        self.assertEqual(provider["status"], "ok")

        status, h, raw = self.server.request("GET", f"{SYSTEM}?verbose=1", token=self.admin)
        assert_problem(self, status, h, raw, 400)


if __name__ == "__main__":
    unittest.main()

"""Orders: checkout from the cart (price snapshot, all-or-nothing stock reservation, the cart
emptied), Idempotency-Key replays, validation, ownership, cancel (stock released, idempotent),
no overselling under concurrent checkouts, pagination, shipping addresses."""

import datetime
import json
import os
import re
import sys
import threading
import unittest
from urllib.parse import urlencode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (ServerTestCase, assert_field_error, assert_money,  # noqa: E402
                     assert_problem, assert_rfc3339, list_all, parse_json, product_body, uniq)

ORDERS = "/api/v1/orders"
CART = "/api/v1/cart"
ITEMS = "/api/v1/cart/items"
ADDRESSES = "/api/v1/users/me/addresses"
ADMIN_PRODUCTS = "/api/v1/admin/products"
INVENTORY = "/api/v1/admin/inventory"

ORDER_FIELDS = {"id", "status", "items", "item_count", "subtotal", "total", "shipping_address",
                "reservation_expires_at", "created_at", "updated_at"}
LINE_FIELDS = {"sku", "product_id", "product_name", "variant_name", "quantity", "unit_price",
               "line_total"}
SHIPPING_FIELDS = {"name", "line1", "line2", "city", "region", "postal_code", "country", "phone"}
STATUS_FIELDS = {"order_id", "status", "history"}
HISTORY_FIELDS = {"status", "at", "reason"}
ORDER_STATES = {"PENDING_PAYMENT", "PAYMENT_PENDING", "PAID", "FULFILLING", "SHIPPED",
                "DELIVERED", "CANCELLED", "REFUNDED"}

ORDER_ID_RE = re.compile(r"^ord_([0-9]+)_\S+$")
DEFAULT_SHARDS = 4
RESERVATION_TTL_S = 900  # inventory.reservation_ttl_seconds default


def parse_time(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc)


def address_input(**over):
    """A valid AddressInput with every optional string set (is_default left out)."""
    a = {"name": "Alice Liddell", "line1": "1 Main Street", "line2": "Apt 4",
         "city": "Springfield", "region": "IL", "postal_code": "12345", "country": "US",
         "phone": "+1 555 0100"}
    a.update(over)
    return a


def order_path(order_id):
    return f"{ORDERS}/{order_id}"


class OrdersTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.server.make_admin()

    # ---- catalog and inventory helpers -----------------------------------------------

    def create_product(self, price=1000, name=None):
        body = product_body(price=price, status="active", name=name)
        status, h, p = self.server.json("POST", ADMIN_PRODUCTS, body, token=self.admin)
        self.assertEqual(status, 201, p)
        return p

    def new_sku(self, stock=0, price=1000):
        """An active one-variant product with `stock` units available; returns (sku, product)."""
        p = self.create_product(price=price)
        sku = p["variants"][0]["sku"]
        if stock:
            self.stock_up(sku, stock)
        return sku, p

    def stock_up(self, sku, delta, reason="delivery"):
        status, h, doc = self.server.json("POST", f"{INVENTORY}/{sku}/adjustments",
                                          {"delta": delta, "reason": reason}, token=self.admin)
        self.assertEqual(status, 201, doc)
        return doc

    def get_stock(self, sku):
        status, h, stock = self.server.json("GET", f"{INVENTORY}/{sku}", token=self.admin)
        self.assertEqual(status, 200, stock)
        return stock

    def assert_stock(self, sku, available, reserved, sold=0, msg=""):
        stock = self.get_stock(sku)
        self.assertEqual((stock["available"], stock["reserved"], stock["sold"]),
                         (available, reserved, sold),
                         f"{msg} stock of {sku} (available, reserved, sold): {stock}")
        return stock

    # ---- cart helpers ----------------------------------------------------------------

    def add_to_cart(self, token, sku, quantity):
        status, h, cart = self.server.json("POST", ITEMS, {"sku": sku, "quantity": quantity},
                                           token=token)
        self.assertEqual(status, 201, cart)
        return cart

    def get_cart(self, token):
        status, h, cart = self.server.json("GET", CART, token=token)
        self.assertEqual(status, 200, cart)
        return cart

    def cart_quantities(self, token):
        return {line["sku"]: line["quantity"] for line in self.get_cart(token)["items"]}

    def cart_index(self, token, sku):
        skus = [line["sku"] for line in self.get_cart(token)["items"]]
        self.assertIn(sku, skus)
        return skus.index(sku)

    # ---- order helpers ---------------------------------------------------------------

    def place(self, token, body=None, key=None, headers=None):
        """POST /orders; returns (status, headers, raw bytes)."""
        hdrs = dict(headers or {})
        if key is not None:
            hdrs["Idempotency-Key"] = key
        return self.server.request("POST", ORDERS, body, headers=hdrs, token=token)

    def place_ok(self, token, body=None, key=None):
        """Asserts 201, Location and a well-formed PENDING_PAYMENT order; returns (order, headers)."""
        status, h, raw = self.place(token, body, key)
        self.assertEqual(status, 201, f"POST {ORDERS} -> {status}: {raw[:800]!r}")
        self.assertTrue(h.get("content-type", "").startswith("application/json"), h)
        order = parse_json(raw, "order")
        self.assert_order(order)
        self.assertEqual(order["status"], "PENDING_PAYMENT", order)
        loc = h.get("location", "")
        self.assertTrue(loc.endswith(order_path(order["id"])),
                        f"Location {loc!r} must name {order_path(order['id'])}")
        return order, h

    def get_order(self, token, order_id):
        status, h, order = self.server.json("GET", order_path(order_id), token=token)
        self.assertEqual(status, 200, order)
        self.assert_order(order)
        return order

    def get_status(self, token, order_id):
        status, h, doc = self.server.json("GET", f"{order_path(order_id)}/status", token=token)
        self.assertEqual(status, 200, doc)
        self.assert_order_status(doc, order_id)
        return doc

    def cancel(self, token, order_id):
        return self.server.request("POST", f"{order_path(order_id)}/cancel", token=token)

    def list_orders(self, token):
        items = list_all(self.server, ORDERS, token=token)
        for o in items:
            self.assert_order(o)
        return items

    def assert_order(self, order):
        self.assertIsInstance(order, dict, order)
        self.assertEqual(set(order), ORDER_FIELDS, order)
        self.assertIsInstance(order["id"], str, order)
        m = ORDER_ID_RE.match(order["id"])
        self.assertTrue(m, f"order id {order['id']!r} does not look like ord_<shard>_<random>")
        self.assertLess(int(m.group(1)), DEFAULT_SHARDS, f"shard out of range: {order['id']}")
        self.assertIn(order["status"], ORDER_STATES, order)
        self.assertIsInstance(order["items"], list, order)
        self.assertTrue(order["items"], f"an order has at least one line: {order}")
        units, total, currency = 0, 0, None
        for line in order["items"]:
            self.assertIsInstance(line, dict, line)
            self.assertEqual(set(line), LINE_FIELDS, line)
            self.assertIsInstance(line["quantity"], int, line)
            self.assertNotIsInstance(line["quantity"], bool)
            self.assertTrue(1 <= line["quantity"] <= 99, line)
            assert_money(self, line["unit_price"])
            assert_money(self, line["line_total"], line["unit_price"]["amount"] * line["quantity"],
                         line["unit_price"]["currency"])
            self.assertTrue(line["product_id"].startswith("prd_"), line)
            self.assertIsInstance(line["product_name"], str)
            self.assertIsInstance(line["variant_name"], str)
            units += line["quantity"]
            total += line["line_total"]["amount"]
            currency = line["unit_price"]["currency"]
        self.assertEqual(len({line["sku"] for line in order["items"]}), len(order["items"]),
                         f"one line per SKU: {order}")
        self.assertEqual(order["item_count"], units, f"item_count is the number of units: {order}")
        assert_money(self, order["subtotal"], total, currency)
        # Assumption: no shipping fees or taxes exist in the spec, so total == subtotal.
        assert_money(self, order["total"], order["subtotal"]["amount"], currency)
        if order["shipping_address"] is not None:
            self.assertIsInstance(order["shipping_address"], dict, order)
            self.assertEqual(set(order["shipping_address"]), SHIPPING_FIELDS, order)
        assert_rfc3339(self, order["created_at"], "created_at")
        assert_rfc3339(self, order["updated_at"], "updated_at")
        self.assertGreaterEqual(parse_time(order["updated_at"]), parse_time(order["created_at"]))
        if order["status"] == "PENDING_PAYMENT":
            assert_rfc3339(self, order["reservation_expires_at"], "reservation_expires_at")
        elif order["reservation_expires_at"] is not None:
            assert_rfc3339(self, order["reservation_expires_at"], "reservation_expires_at")

    def assert_order_status(self, doc, order_id):
        self.assertIsInstance(doc, dict, doc)
        self.assertEqual(set(doc), STATUS_FIELDS, doc)
        self.assertEqual(doc["order_id"], order_id, doc)
        self.assertIsInstance(doc["history"], list, doc)
        self.assertTrue(doc["history"], doc)
        for entry in doc["history"]:
            self.assertEqual(set(entry), HISTORY_FIELDS, entry)
            self.assertIn(entry["status"], ORDER_STATES, entry)
            assert_rfc3339(self, entry["at"], "history[].at")
            self.assertTrue(entry["reason"] is None or isinstance(entry["reason"], str), entry)
        self.assertEqual(doc["history"][0]["status"], "PENDING_PAYMENT", doc)
        self.assertEqual(doc["history"][-1]["status"], doc["status"],
                         f"the current status is the last history entry: {doc}")
        times = [parse_time(e["at"]) for e in doc["history"]]
        self.assertEqual(times, sorted(times), f"history is oldest first: {doc}")

    def assert_error_names_line(self, doc, index, sku=None):
        """errors[] has a field items[<index>] (whose message names `sku`, when given)."""
        errors = doc.get("errors") or []
        field = f"items[{index}]"
        hits = [e for e in errors if e.get("field") == field]
        self.assertTrue(hits, f"errors[] has no field {field!r}: {doc}")
        if sku is not None:
            self.assertTrue(any(sku in (e.get("message") or "") for e in hits),
                            f"the message for {field} must name the SKU {sku}: {doc}")

    # ---- checkout --------------------------------------------------------------------

    def test_checkout_happy_path(self):
        sku, product = self.new_sku(stock=5, price=1250)
        user, token = self.server.new_customer()
        self.add_to_cart(token, sku, 2)
        before = now_utc()
        order, h = self.place_ok(token, key=uniq("idem-"))
        after = now_utc()
        self.assertNotEqual(h.get("idempotent-replayed", "").lower(), "true",
                            "a first request is not a replay")

        self.assertEqual(len(order["items"]), 1, order)
        line = order["items"][0]
        self.assertEqual(line["sku"], sku)
        self.assertEqual(line["product_id"], product["id"])
        self.assertEqual(line["product_name"], product["name"])
        self.assertEqual(line["variant_name"], "Default")
        self.assertEqual(line["quantity"], 2)
        assert_money(self, line["unit_price"], 1250, "USD")
        assert_money(self, line["line_total"], 2500, "USD")
        assert_money(self, order["subtotal"], 2500, "USD")
        assert_money(self, order["total"], 2500, "USD")
        self.assertEqual(order["item_count"], 2)
        self.assertIsNone(order["shipping_address"],
                          "no body and no default address: shipping_address is null")

        created = parse_time(order["created_at"])
        slack = datetime.timedelta(seconds=5)
        self.assertTrue(before - slack <= created <= after + slack,
                        f"created_at {order['created_at']} is not now ({before}..{after})")
        expires = parse_time(order["reservation_expires_at"])
        self.assertLess(abs((expires - created).total_seconds() - RESERVATION_TTL_S), 5,
                        f"reservation_expires_at must be {RESERVATION_TTL_S} s after created_at: {order}")
        in_future = (expires - now_utc()).total_seconds()
        self.assertTrue(RESERVATION_TTL_S - 120 < in_future <= RESERVATION_TTL_S + 5,
                        f"reservation_expires_at is {in_future:.0f} s ahead, expected ~15 min")

        # The cart was emptied; the stock is reserved.
        cart = self.get_cart(token)
        self.assertEqual(cart["items"], [], cart)
        self.assertEqual(cart["item_count"], 0, cart)
        self.assert_stock(sku, 3, 2, 0, "after checkout:")

        # Reads.
        status, h, got = self.server.json("GET", order_path(order["id"]), token=token)
        self.assertEqual(status, 200, got)
        self.assertEqual(got, order, "GET /orders/{id} must equal the 201 body")
        self.assertNotIn("public", h.get("cache-control", ""), "an order is user-specific")

        st = self.get_status(token, order["id"])
        self.assertEqual(st["status"], "PENDING_PAYMENT")
        self.assertEqual([e["status"] for e in st["history"]], ["PENDING_PAYMENT"], st)

        status, h, lst = self.server.json("GET", ORDERS, token=token)
        self.assertEqual(status, 200, lst)
        self.assertEqual(set(lst), {"items", "next_cursor"}, lst)
        self.assertIsNone(lst["next_cursor"])
        self.assertEqual(lst["items"], [order], "the list holds exactly the new order")

    def test_checkout_without_idempotency_key_and_several_lines(self):
        a, pa = self.new_sku(stock=4, price=300)
        b, pb = self.new_sku(stock=4, price=700)
        user, token = self.server.new_customer()
        self.add_to_cart(token, a, 3)
        self.add_to_cart(token, b, 1)
        order, h = self.place_ok(token)
        lines = {line["sku"]: line for line in order["items"]}
        self.assertEqual(set(lines), {a, b}, order)
        self.assertEqual(lines[a]["quantity"], 3)
        self.assertEqual(lines[b]["quantity"], 1)
        self.assertEqual(lines[a]["product_id"], pa["id"])
        self.assertEqual(lines[b]["product_id"], pb["id"])
        self.assertEqual(order["item_count"], 4)
        assert_money(self, order["subtotal"], 3 * 300 + 700, "USD")
        self.assert_stock(a, 1, 3)
        self.assert_stock(b, 3, 1)
        self.assertEqual(self.cart_quantities(token), {})
        self.assertEqual([o["id"] for o in self.list_orders(token)], [order["id"]])

    # ---- idempotency -----------------------------------------------------------------

    def test_idempotency_key_replay(self):
        sku, _ = self.new_sku(stock=5)
        user, token = self.server.new_customer()
        self.add_to_cart(token, sku, 2)
        key = uniq("idem-")
        body = {"shipping_address": address_input()}
        other_body = {"shipping_address": address_input(city="Shelbyville")}

        status1, h1, raw1 = self.place(token, body, key)
        self.assertEqual(status1, 201, raw1)
        first = parse_json(raw1, "order")
        self.assert_order(first)
        self.assertNotEqual(h1.get("idempotent-replayed", "").lower(), "true")
        self.assert_stock(sku, 3, 2)

        # Same key, same body: the first answer again, nothing new.
        status2, h2, raw2 = self.place(token, body, key)
        self.assertEqual(status2, status1, raw2)
        self.assertEqual(parse_json(raw2, "replay"), first, "a replay returns the first body")
        self.assertEqual(h2.get("idempotent-replayed", "").lower(), "true",
                         f"a replay must say Idempotent-Replayed: true: {h2}")
        self.assertEqual([o["id"] for o in self.list_orders(token)], [first["id"]],
                         "a replay must not create a second order")
        self.assert_stock(sku, 3, 2, 0, "after the replay:")
        # The same JSON written otherwise (spacing, key order) is the same request.
        reformatted = json.dumps({"shipping_address": dict(reversed(list(body["shipping_address"].items())))},
                                 indent=4).encode()
        status, h, raw = self.place(token, reformatted, key, headers={"Content-Type": "application/json"})
        self.assertEqual((status, parse_json(raw, "replay")), (201, first))
        self.assertEqual(h.get("idempotent-replayed", "").lower(), "true", h)

        # A new key with the (now empty) cart is a new request: 422.
        status, h, raw = self.place(token, body, uniq("idem-"))
        assert_problem(self, status, h, raw, 422)
        self.assertEqual(len(self.list_orders(token)), 1)

        # With a filled cart the replay still creates nothing and leaves the cart alone.
        self.add_to_cart(token, sku, 1)
        status3, h3, raw3 = self.place(token, body, key)
        self.assertEqual(status3, 201, raw3)
        self.assertEqual(parse_json(raw3, "replay"), first)
        self.assertEqual(h3.get("idempotent-replayed", "").lower(), "true", h3)
        self.assertEqual(len(self.list_orders(token)), 1, "a replay must not create an order")
        self.assert_stock(sku, 3, 2, 0, "after the replay with a filled cart:")
        self.assertEqual(self.cart_quantities(token), {sku: 1}, "a replay must not touch the cart")

        # Same key, another body: 422, nothing created.
        status, h, raw = self.place(token, other_body, key)
        assert_problem(self, status, h, raw, 422)
        self.assertEqual(len(self.list_orders(token)), 1)
        self.assert_stock(sku, 3, 2, 0, "after the key reuse with another body:")
        self.assertEqual(self.cart_quantities(token), {sku: 1})
        status, h, raw = self.place(token, None, key)
        assert_problem(self, status, h, raw, 422)
        self.assertEqual(len(self.list_orders(token)), 1)

        # The cart is still good for a new order under a new key.
        second, h = self.place_ok(token, other_body, uniq("idem-"))
        self.assertNotEqual(second["id"], first["id"])
        self.assertEqual([o["id"] for o in self.list_orders(token)], [second["id"], first["id"]])
        self.assert_stock(sku, 2, 3)

        # The order moves on (cancelled): a replay still answers exactly as the first time.
        status, _, raw = self.server.request("POST", f"/api/v1/orders/{first['id']}/cancel", token=token)
        self.assertEqual(status, 200, raw)
        status4, h4, raw4 = self.place(token, body, key)
        self.assertEqual(status4, 201, raw4)
        self.assertEqual(parse_json(raw4, "replay after cancel"), first)

    def test_bad_idempotency_key_400(self):
        sku, _ = self.new_sku(stock=5)
        user, token = self.server.new_customer()
        self.add_to_cart(token, sku, 1)
        for what, key in (("300 characters", "k" * 300), ("256 characters", "k" * 256),
                          ("contains a space", "bad key"), ("sent empty", "")):
            with self.subTest(what):
                status, h, raw = self.place(token, None, key)
                assert_problem(self, status, h, raw, 400)
        self.assertEqual(self.list_orders(token), [])
        self.assert_stock(sku, 5, 0)
        self.assertEqual(self.cart_quantities(token), {sku: 1})
        # 255 visible ASCII characters are fine.
        key = ("K-" + uniq("") + "~!" * 200)[:255]
        order, h = self.place_ok(token, None, key)
        status, h, raw = self.place(token, None, key)
        self.assertEqual(status, 201, raw)
        self.assertEqual(parse_json(raw, "replay"), order)
        self.assertEqual(h.get("idempotent-replayed", "").lower(), "true", h)
        self.assert_stock(sku, 4, 1)

    # ---- refused checkouts -----------------------------------------------------------

    def test_empty_cart_422(self):
        user, token = self.server.new_customer()
        for key in (None, uniq("idem-")):
            with self.subTest("never had a cart", key=key is not None):
                status, h, raw = self.place(token, None, key)
                assert_problem(self, status, h, raw, 422)
        sku, _ = self.new_sku(stock=3)
        self.add_to_cart(token, sku, 1)
        status, h, raw = self.server.request("DELETE", CART, token=token)
        self.assertEqual(status, 204, raw)
        with self.subTest("emptied cart"):
            status, h, raw = self.place(token, None, uniq("idem-"))
            assert_problem(self, status, h, raw, 422)
        self.assertEqual(self.list_orders(token), [])
        self.assert_stock(sku, 3, 0)

    def test_archived_product_in_cart_422(self):
        good, _ = self.new_sku(stock=5)
        gone, gone_product = self.new_sku(stock=5)
        user, token = self.server.new_customer()
        self.add_to_cart(token, good, 2)
        self.add_to_cart(token, gone, 1)
        index = self.cart_index(token, gone)
        status, h, p = self.server.json("POST", f"{ADMIN_PRODUCTS}/{gone_product['id']}/archive",
                                        token=self.admin)
        self.assertEqual(status, 200, p)
        self.assertEqual(p["status"], "archived")

        status, h, raw = self.place(token, None, uniq("idem-"))
        doc = assert_problem(self, status, h, raw, 422)
        self.assert_error_names_line(doc, index)
        self.assertEqual(self.list_orders(token), [])
        self.assert_stock(good, 5, 0, 0, "all-or-nothing:")
        self.assert_stock(gone, 5, 0)
        self.assertEqual(self.cart_quantities(token).get(good), 2,
                         "a refused checkout must not empty the cart")

        # Without the archived line the checkout goes through.
        status, h, raw = self.server.request("DELETE", f"{ITEMS}/{gone}", token=token)
        self.assertEqual(status, 200, raw)
        order, h = self.place_ok(token)
        self.assertEqual([line["sku"] for line in order["items"]], [good])
        self.assert_stock(good, 3, 2)
        self.assert_stock(gone, 5, 0)

    def test_lines_gone_from_catalog_are_numbered_as_the_cart_shows_them(self):
        # A SKU dropped from its product disappears from the cart's view; checkout passes it
        # over the same way, so items[i] in an error is the i-th line the shopper sees.
        good, _ = self.new_sku(stock=5)
        archived, archived_product = self.new_sku(stock=5)
        u = uniq("v")
        kept, dropped = f"KEEP-{u}", f"DROP-{u}"
        variants = [{"sku": sku, "name": sku, "price": {"amount": 700, "currency": "USD"}} for sku in (kept, dropped)]
        status, h, product = self.server.json("POST", ADMIN_PRODUCTS,
                                              product_body(status="active", variants=variants), token=self.admin)
        self.assertEqual(status, 201, product)
        self.stock_up(dropped, 5)
        user, token = self.server.new_customer()
        for sku in (dropped, archived, good):
            self.add_to_cart(token, sku, 1)
        status, h, p = self.server.json("PATCH", f"{ADMIN_PRODUCTS}/{product['id']}",
                                        {"variants": [variants[0]]}, token=self.admin)
        self.assertEqual(status, 200, p)
        status, h, p = self.server.json("POST", f"{ADMIN_PRODUCTS}/{archived_product['id']}/archive",
                                        token=self.admin)
        self.assertEqual(status, 200, p)
        self.assertEqual([line["sku"] for line in self.get_cart(token)["items"]], [archived, good])

        status, h, raw = self.place(token, None, uniq("idem-"))
        doc = assert_problem(self, status, h, raw, 422)
        self.assert_error_names_line(doc, 0, archived)
        self.assertFalse([e for e in doc.get("errors") or [] if e.get("field") == "items[2]"], doc)
        self.assertEqual(self.list_orders(token), [])

        status, h, raw = self.server.request("DELETE", f"{ITEMS}/{archived}", token=token)
        self.assertEqual(status, 200, raw)
        order, h = self.place_ok(token)
        self.assertEqual([line["sku"] for line in order["items"]], [good])
        self.assert_stock(good, 4, 1)

    def test_insufficient_stock_409_reserves_nothing(self):
        plenty, _ = self.new_sku(stock=5)
        scarce, _ = self.new_sku(stock=1)
        user, token = self.server.new_customer()
        self.add_to_cart(token, plenty, 2)
        self.add_to_cart(token, scarce, 3)
        index = self.cart_index(token, scarce)

        status, h, raw = self.place(token, None, uniq("idem-"))
        doc = assert_problem(self, status, h, raw, 409)
        self.assert_error_names_line(doc, index, scarce)
        self.assertEqual(self.list_orders(token), [])
        self.assert_stock(plenty, 5, 0, 0, "all-or-nothing:")
        self.assert_stock(scarce, 1, 0)
        self.assertEqual(self.cart_quantities(token), {plenty: 2, scarce: 3},
                         "a refused checkout must not touch the cart")

        # A SKU that was never stocked.
        unstocked, _ = self.new_sku(stock=0)
        user2, token2 = self.server.new_customer()
        self.add_to_cart(token2, unstocked, 1)
        status, h, raw = self.place(token2)
        doc = assert_problem(self, status, h, raw, 409)
        self.assert_error_names_line(doc, 0, unstocked)
        self.assert_stock(unstocked, 0, 0)
        self.assertEqual(self.list_orders(token2), [])

        # Exactly the available amount is fine.
        status, h, raw = self.server.request("PATCH", f"{ITEMS}/{scarce}", {"quantity": 1},
                                             token=token)
        self.assertEqual(status, 200, raw)
        order, h = self.place_ok(token)
        self.assertEqual(order["item_count"], 3)
        self.assert_stock(plenty, 3, 2)
        self.assert_stock(scarce, 0, 1)

    def test_price_and_name_snapshot(self):
        sku, product = self.new_sku(stock=5, price=1000)
        user, token = self.server.new_customer()
        self.add_to_cart(token, sku, 2)
        order, h = self.place_ok(token, None, uniq("idem-"))
        assert_money(self, order["items"][0]["unit_price"], 1000, "USD")

        new_name = f"Renamed {uniq('')}"
        status, h, p = self.server.json(
            "PATCH", f"{ADMIN_PRODUCTS}/{product['id']}",
            {"name": new_name,
             "variants": [{"sku": sku, "name": "Default", "price": {"amount": 1500, "currency": "USD"}}]},
            token=self.admin)
        self.assertEqual(status, 200, p)
        self.assertEqual(p["variants"][0]["price"]["amount"], 1500, p)

        got = self.get_order(token, order["id"])
        self.assertEqual(got, order, "the order is a snapshot: catalog changes must not show")
        line = got["items"][0]
        assert_money(self, line["unit_price"], 1000, "USD")
        assert_money(self, line["line_total"], 2000, "USD")
        self.assertEqual(line["product_name"], product["name"])
        assert_money(self, got["total"], 2000, "USD")
        listed = {o["id"]: o for o in self.list_orders(token)}
        self.assertEqual(listed[order["id"]], order)

        # A new checkout takes the catalog's current price and name.
        self.add_to_cart(token, sku, 1)
        newer, h = self.place_ok(token)
        assert_money(self, newer["items"][0]["unit_price"], 1500, "USD")
        self.assertEqual(newer["items"][0]["product_name"], new_name)
        self.assertEqual(self.get_order(token, order["id"]), order)

    # ---- ownership and authentication ------------------------------------------------

    def test_other_users_order_is_404(self):
        sku, _ = self.new_sku(stock=5)
        user_a, token_a = self.server.new_customer()
        user_b, token_b = self.server.new_customer()
        self.add_to_cart(token_a, sku, 2)
        order, h = self.place_ok(token_a)
        oid = order["id"]

        for what, method, path in (("GET", "GET", order_path(oid)),
                                   ("status", "GET", f"{order_path(oid)}/status"),
                                   ("cancel", "POST", f"{order_path(oid)}/cancel")):
            with self.subTest(what):
                status, h, raw = self.server.request(method, path, token=token_b)
                assert_problem(self, status, h, raw, 404)
        self.assertEqual(self.list_orders(token_b), [], "B does not see A's orders")
        self.assertEqual(self.get_order(token_a, oid), order, "B's cancel must not touch A's order")
        self.assert_stock(sku, 3, 2)

        # Unknown ids are 404 too.
        for bad in (f"ord_0_{uniq('nope')}", "nope"):
            with self.subTest(unknown=bad):
                for method, path in (("GET", order_path(bad)),
                                     ("GET", f"{order_path(bad)}/status"),
                                     ("POST", f"{order_path(bad)}/cancel")):
                    status, h, raw = self.server.request(method, path, token=token_a)
                    assert_problem(self, status, h, raw, 404)

    def test_anonymous_and_invalid_bearer_401(self):
        sku, _ = self.new_sku(stock=5)
        user, token = self.server.new_customer()
        self.add_to_cart(token, sku, 1)
        order, h = self.place_ok(token)
        oid = order["id"]
        # A guest cart does not allow checkout either.
        status, h, guest = self.server.json("POST", ITEMS, {"sku": sku, "quantity": 1})
        self.assertEqual(status, 201, guest)
        guest_token = guest["cart_token"]

        calls = [("POST", ORDERS), ("GET", ORDERS), ("GET", order_path(oid)),
                 ("GET", f"{order_path(oid)}/status"), ("POST", f"{order_path(oid)}/cancel")]
        for method, path in calls:
            with self.subTest("anonymous", method=method, path=path):
                status, h, raw = self.server.request(method, path,
                                                     headers={"X-Cart-Token": guest_token})
                assert_problem(self, status, h, raw, 401)
                self.assertIn("www-authenticate", h)
            with self.subTest("invalid bearer", method=method, path=path):
                status, h, raw = self.server.request(method, path, token="x" * 43)
                assert_problem(self, status, h, raw, 401)
        self.assertEqual(self.get_order(token, oid)["status"], "PENDING_PAYMENT")
        self.assert_stock(sku, 4, 1)

    # ---- cancel ----------------------------------------------------------------------

    def test_cancel_releases_stock_and_is_idempotent(self):
        sku, _ = self.new_sku(stock=5)
        user, token = self.server.new_customer()
        self.add_to_cart(token, sku, 2)
        order, h = self.place_ok(token, None, uniq("idem-"))
        self.assert_stock(sku, 3, 2)

        status, h, raw = self.server.request("POST", order_path(order["id"]) + "/cancel",
                                             headers={"Idempotency-Key": "has space"}, token=token)
        assert_problem(self, status, h, raw, 400)
        self.assert_stock(sku, 3, 2)
        status, h, raw = self.cancel(token, order["id"])
        self.assertEqual(status, 200, raw)
        cancelled = parse_json(raw, "order")
        self.assert_order(cancelled)
        self.assertEqual(cancelled["id"], order["id"])
        self.assertEqual(cancelled["status"], "CANCELLED")
        self.assertEqual(cancelled["items"], order["items"])
        self.assertEqual(cancelled["created_at"], order["created_at"])
        self.assertGreaterEqual(parse_time(cancelled["updated_at"]), parse_time(order["updated_at"]))
        self.assert_stock(sku, 5, 0, 0, "cancel releases the reservation:")

        got = self.get_order(token, order["id"])
        self.assertEqual(got["status"], "CANCELLED")
        st = self.get_status(token, order["id"])
        self.assertEqual(st["status"], "CANCELLED")
        self.assertEqual([e["status"] for e in st["history"]], ["PENDING_PAYMENT", "CANCELLED"], st)

        # Again: 200, and the stock is not released twice.
        status, h, raw = self.cancel(token, order["id"])
        self.assertEqual(status, 200, raw)
        again = parse_json(raw, "order")
        self.assert_order(again)
        self.assertEqual(again["status"], "CANCELLED")
        self.assertEqual(again["id"], order["id"])
        self.assert_stock(sku, 5, 0, 0, "a second cancel must not release again:")
        st = self.get_status(token, order["id"])
        self.assertEqual([e["status"] for e in st["history"]], ["PENDING_PAYMENT", "CANCELLED"],
                         f"a repeated cancel adds no history entry: {st}")
        listed = self.list_orders(token)
        self.assertEqual([(o["id"], o["status"]) for o in listed], [(order["id"], "CANCELLED")])

        # The released units can be bought again, all of them.
        other, other_token = self.server.new_customer()
        self.add_to_cart(other_token, sku, 5)
        self.place_ok(other_token)
        self.assert_stock(sku, 0, 5)

    # ---- concurrency -----------------------------------------------------------------

    def test_concurrent_checkouts_never_oversell(self):
        sku, _ = self.new_sku(stock=5)
        n = 12
        tokens = []
        for _ in range(n):
            user, token = self.server.new_customer()
            self.add_to_cart(token, sku, 1)
            tokens.append(token)
        barrier = threading.Barrier(n, timeout=30)
        results = [None] * n
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
                results[i] = self.server.request("POST", ORDERS, None,
                                                 headers={"Idempotency-Key": uniq(f"race{i}-")},
                                                 token=tokens[i], conn=conn)
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
        self.assertEqual(statuses.count(201), 5, f"statuses: {statuses}")
        self.assertEqual(statuses.count(409), 7, f"statuses: {statuses}")

        order_ids = set()
        for i, (status, h, raw) in enumerate(results):
            if status == 201:
                order = parse_json(raw, "order")
                self.assert_order(order)
                self.assertEqual(order["items"][0]["sku"], sku)
                order_ids.add(order["id"])
                self.assertEqual(self.cart_quantities(tokens[i]), {}, "winner's cart is emptied")
                self.assertEqual([o["id"] for o in self.list_orders(tokens[i])], [order["id"]])
            else:
                doc = assert_problem(self, status, h, raw, 409)
                self.assert_error_names_line(doc, 0, sku)
                self.assertEqual(self.cart_quantities(tokens[i]), {sku: 1}, "loser's cart is kept")
                self.assertEqual(self.list_orders(tokens[i]), [])
        self.assertEqual(len(order_ids), 5, "every order has its own id")
        self.assert_stock(sku, 0, 5, 0, "after the race:")

    # ---- listing ---------------------------------------------------------------------

    def test_list_pagination_newest_first(self):
        sku, _ = self.new_sku(stock=10)
        user, token = self.server.new_customer()
        placed = []
        for qty in (1, 2, 3):
            self.add_to_cart(token, sku, qty)
            order, h = self.place_ok(token, None, uniq("idem-"))
            placed.append(order)
        shards = {ORDER_ID_RE.match(o["id"]).group(1) for o in placed}
        self.assertEqual(len(shards), 1, f"a user's orders live in one shard: {placed}")
        expected = [o["id"] for o in reversed(placed)]

        seen, cursor, pages = [], None, 0
        while True:
            q = {"limit": 2}
            if cursor is not None:
                q["cursor"] = cursor
            status, h, doc = self.server.json("GET", f"{ORDERS}?{urlencode(q)}", token=token)
            self.assertEqual(status, 200, doc)
            self.assertEqual(set(doc), {"items", "next_cursor"}, doc)
            self.assertLessEqual(len(doc["items"]), 2, doc)
            pages += 1
            seen.extend(doc["items"])
            cursor = doc["next_cursor"]
            if cursor is None:
                break
            self.assertIsInstance(cursor, str)
            self.assertLess(pages, 10, "pagination does not end")
        self.assertEqual(pages, 2, "3 orders at limit=2 make 2 pages")
        self.assertEqual([o["id"] for o in seen], expected, "every order once, newest first")
        self.assertEqual([o["item_count"] for o in seen], [3, 2, 1])
        by_id = {o["id"]: o for o in placed}
        for o in seen:
            self.assertEqual(o, by_id[o["id"]], "a listed order equals the 201 body")

        for q in ("limit=0", "limit=101", "limit=abc", "cursor=%21%21garbage%21%21"):
            with self.subTest(q=q):
                status, h, raw = self.server.request("GET", f"{ORDERS}?{q}", token=token)
                assert_problem(self, status, h, raw, 400)

    # ---- shipping address ------------------------------------------------------------

    def create_address(self, token, **over):
        status, h, a = self.server.json("POST", ADDRESSES, address_input(**over), token=token)
        self.assertEqual(status, 201, a)
        return a

    def shipping_of(self, address):
        return {k: address[k] for k in SHIPPING_FIELDS}

    def test_inline_shipping_address(self):
        sku, _ = self.new_sku(stock=5)
        user, token = self.server.new_customer()
        full = address_input(name="Bob Builder", city="Bricksville")
        self.add_to_cart(token, sku, 1)
        order, h = self.place_ok(token, {"shipping_address": full}, uniq("idem-"))
        self.assertEqual(order["shipping_address"], full)
        self.assertEqual(self.get_order(token, order["id"])["shipping_address"], full)

        minimal = {"name": "Carol", "line1": "2 Side Road", "city": "Ogdenville",
                   "postal_code": "99999", "country": "GB"}
        self.add_to_cart(token, sku, 1)
        order, h = self.place_ok(token, {"shipping_address": minimal})
        expected = dict(minimal, line2="", region="", phone="")
        self.assertEqual(order["shipping_address"], expected,
                         "absent optional strings come back as \"\"")

    def test_inline_address_follows_the_address_book_rules(self):
        # One set of rules for both: what the address book accepts (and how it trims) an
        # order's shipping address accepts the same way, and what it refuses is refused.
        sku, _ = self.new_sku(stock=5)
        user, token = self.server.new_customer()
        padded = address_input(name="  Dana Scully ", country=" US ", phone=" +1 555 0199 ")
        kept = self.create_address(token, **padded)
        self.add_to_cart(token, sku, 1)
        order, h = self.place_ok(token, {"shipping_address": padded}, uniq("idem-"))
        self.assertEqual(order["shipping_address"], self.shipping_of(kept))
        self.assertEqual((order["shipping_address"]["name"], order["shipping_address"]["country"]),
                         ("Dana Scully", "US"))
        self.add_to_cart(token, sku, 1)
        for over, field in (({"phone": "call me maybe"}, "phone"), ({"city": "   "}, "city")):
            with self.subTest(field=field):
                status, h, raw = self.server.request("POST", ADDRESSES, address_input(**over), token=token)
                assert_field_error(self, assert_problem(self, status, h, raw, 422), field)
                status, h, raw = self.place(token, {"shipping_address": address_input(**over)}, uniq("idem-"))
                assert_field_error(self, assert_problem(self, status, h, raw, 422), f"shipping_address.{field}")

    def test_shipping_address_from_address_book(self):
        sku, _ = self.new_sku(stock=10)
        user, token = self.server.new_customer()
        plain = self.create_address(token, name="Plain Address", is_default=False)
        default = self.create_address(token, name="Default Address", city="Capital City",
                                      is_default=True)
        self.assertIs(default["is_default"], True, default)

        self.add_to_cart(token, sku, 1)
        order, h = self.place_ok(token, {"address_id": plain["id"]}, uniq("idem-"))
        self.assertEqual(order["shipping_address"], self.shipping_of(plain))

        self.add_to_cart(token, sku, 1)
        order, h = self.place_ok(token)
        self.assertEqual(order["shipping_address"], self.shipping_of(default),
                         "without a body the default address is used")

        # An address edited later does not change the order (a snapshot).
        status, h, p = self.server.json("PATCH", f"{ADDRESSES}/{default['id']}",
                                        {"city": "Elsewhere"}, token=token)
        self.assertEqual(status, 200, p)
        self.assertEqual(self.get_order(token, order["id"])["shipping_address"]["city"],
                         "Capital City")

    def test_invalid_shipping_choices(self):
        sku, _ = self.new_sku(stock=5)
        user, token = self.server.new_customer()
        other, other_token = self.server.new_customer()
        foreign = self.create_address(other_token, name="Not Yours")
        self.add_to_cart(token, sku, 2)

        for what, address_id in (("another user's address", foreign["id"]),
                                 ("unknown address", f"adr_{uniq('nope')}")):
            with self.subTest(what):
                status, h, raw = self.place(token, {"address_id": address_id}, uniq("idem-"))
                self.assertIn(status, (404, 422), raw)
                assert_problem(self, status, h, raw, status)
        for what, addr, field in (("bad country", address_input(country="usa"), "country"),
                                  ("missing name", {k: v for k, v in address_input().items()
                                                    if k != "name"}, "name"),
                                  ("empty line1", address_input(line1=""), "line1")):
            with self.subTest(what):
                status, h, raw = self.place(token, {"shipping_address": addr}, uniq("idem-"))
                doc = assert_problem(self, status, h, raw, 422)
                assert_field_error(self, doc, field)
        for what, body in (("unknown field", {"coupon": "FREE"}),
                           ("unknown field in address",
                            {"shipping_address": address_input(floor="3")}),
                           ("address_id as number", {"address_id": 12345}),
                           ("body not an object", [1, 2]),
                           ("malformed JSON", b'{"address_id": ')):
            with self.subTest(what):
                status, h, raw = self.place(token, body, uniq("idem-"))
                assert_problem(self, status, h, raw, 400)

        self.assertEqual(self.list_orders(token), [])
        self.assert_stock(sku, 5, 0, 0, "refused checkouts reserve nothing:")
        self.assertEqual(self.cart_quantities(token), {sku: 2})
        order, h = self.place_ok(token)
        self.assertIsNone(order["shipping_address"])
        self.assertEqual(self.get_status(token, order["id"])["status"], "PENDING_PAYMENT")
        self.assertEqual([o["id"] for o in self.list_orders(token)], [order["id"]])


if __name__ == "__main__":
    unittest.main()

"""Cart: guest carts addressed by X-Cart-Token, signed-in users' carts, merging a guest cart
on login, line arithmetic, validation, current catalog prices, Cache-Control: private."""

import datetime
import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (PASSWORD, TOKEN_RE, ServerTestCase, assert_field_error,  # noqa: E402
                     assert_money, assert_problem, assert_rfc3339, parse_json, product_body,
                     uniq)

CART = "/api/v1/cart"
ITEMS = "/api/v1/cart/items"
SESSIONS = "/api/v1/sessions"
ADMIN_PRODUCTS = "/api/v1/admin/products"

CART_FIELDS = {"cart_token", "items", "item_count", "subtotal", "updated_at", "expires_at"}
LINE_FIELDS = {"sku", "product_id", "product_name", "variant_name", "quantity", "unit_price",
               "line_total", "available"}

GUEST_TTL = datetime.timedelta(days=7)
USER_TTL = datetime.timedelta(days=30)


def parse_time(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


def unknown_cart_token():
    """Well-formed (43 base64url characters) but never issued."""
    return ("Zz" + uniq("").replace("-", "") + "A" * 43)[:43]


class CartTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.server.make_admin()

    # ---- helpers ---------------------------------------------------------------------

    def create_product(self, price=1000, variants=None, status="active", name=None):
        body = product_body(price=price, variants=variants, status=status, name=name)
        status_code, h, p = self.server.json("POST", ADMIN_PRODUCTS, body, token=self.admin)
        self.assertEqual(status_code, 201, p)
        return p

    def new_sku(self, price=1000):
        p = self.create_product(price=price)
        return p["variants"][0]["sku"]

    def call(self, method, path, body=None, cart=None, token=None, headers=None):
        """Raw request with optional X-Cart-Token and bearer; returns (status, headers, bytes)."""
        hdrs = dict(headers or {})
        if cart is not None:
            hdrs["X-Cart-Token"] = cart
        return self.server.request(method, path, body, headers=hdrs, token=token)

    def cart_ok(self, method, path, body=None, cart=None, token=None, expected=200):
        """Asserts `expected`, a private Cache-Control and a well-formed Cart; returns
        (cart, headers)."""
        status, h, raw = self.call(method, path, body, cart=cart, token=token)
        self.assertEqual(status, expected, f"{method} {path} -> {status}: {raw[:500]!r}")
        self.assertTrue(h.get("content-type", "").startswith("application/json"), h)
        self.assertIn("private", h.get("cache-control", ""),
                      f"{method} {path}: a cart is user-specific, Cache-Control must say private: {h}")
        self.assertNotIn("public", h.get("cache-control", ""), h)
        doc = self.parse(raw)
        self.assert_cart(doc)
        return doc, h

    def parse(self, raw):
        return parse_json(raw, "cart")

    def get_cart(self, cart=None, token=None):
        return self.cart_ok("GET", CART, cart=cart, token=token)[0]

    def add(self, sku, quantity, cart=None, token=None):
        return self.cart_ok("POST", ITEMS, {"sku": sku, "quantity": quantity}, cart=cart,
                            token=token, expected=201)

    def new_guest_cart(self, sku, quantity=1):
        """Creates a guest cart holding one line; returns its token."""
        doc, h = self.add(sku, quantity)
        token = doc["cart_token"]
        self.assertIsInstance(token, str, doc)
        self.assertRegex(token, TOKEN_RE, "cart_token must be 43 base64url characters")
        return token

    def lines(self, cart):
        return {line["sku"]: line for line in cart["items"]}

    def quantities(self, cart):
        return {line["sku"]: line["quantity"] for line in cart["items"]}

    def assert_cart(self, cart):
        self.assertIsInstance(cart, dict, cart)
        self.assertEqual(set(cart), CART_FIELDS, cart)
        self.assertIsInstance(cart["items"], list, cart)
        if cart["cart_token"] is not None:
            self.assertRegex(cart["cart_token"], TOKEN_RE)
        total, quantity, currency = 0, 0, None
        for line in cart["items"]:
            self.assertEqual(set(line), LINE_FIELDS, line)
            self.assertIsInstance(line["quantity"], int)
            self.assertNotIsInstance(line["quantity"], bool)
            self.assertTrue(1 <= line["quantity"] <= 99, line)
            assert_money(self, line["unit_price"])
            assert_money(self, line["line_total"], line["unit_price"]["amount"] * line["quantity"],
                         line["unit_price"]["currency"])
            self.assertIsInstance(line["available"], bool, line)
            self.assertIsInstance(line["product_id"], str)
            self.assertTrue(line["product_id"].startswith("prd_"), line)
            self.assertIsInstance(line["product_name"], str)
            self.assertIsInstance(line["variant_name"], str)
            total += line["line_total"]["amount"]
            quantity += line["quantity"]
            currency = line["unit_price"]["currency"]
        self.assertEqual(len({line["sku"] for line in cart["items"]}), len(cart["items"]),
                         f"one line per SKU: {cart}")
        self.assertIsInstance(cart["item_count"], int)
        # Assumption: item_count is the number of units; the number of lines is tolerated.
        self.assertIn(cart["item_count"], (quantity, len(cart["items"])), cart)
        if cart["items"]:
            assert_money(self, cart["subtotal"], total, currency)
        elif cart["subtotal"] is not None:
            assert_money(self, cart["subtotal"], 0)
        for k in ("updated_at", "expires_at"):
            if cart[k] is not None:
                assert_rfc3339(self, cart[k], k)

    def assert_ttl(self, cart, ttl):
        assert_rfc3339(self, cart["updated_at"], "updated_at")
        assert_rfc3339(self, cart["expires_at"], "expires_at")
        updated, expires = parse_time(cart["updated_at"]), parse_time(cart["expires_at"])
        now = datetime.datetime.now(datetime.timezone.utc)
        self.assertLess(abs((updated - now).total_seconds()), 300, f"updated_at is not now: {cart}")
        self.assertLess(abs((expires - updated - ttl).total_seconds()), 5,
                        f"expires_at must be {ttl} after the last change: {cart}")

    def assert_404(self, method, path, body=None, cart=None, token=None):
        status, h, raw = self.call(method, path, body, cart=cart, token=token)
        return assert_problem(self, status, h, raw, 404)

    # ---- guest carts -----------------------------------------------------------------

    def test_empty_cart_without_token(self):
        for _ in range(2):  # nothing is created by reading
            cart, h = self.cart_ok("GET", CART)
            self.assertIsNone(cart["cart_token"], cart)
            self.assertEqual(cart["items"], [])
            self.assertEqual(cart["item_count"], 0)
            self.assertIsNone(cart["updated_at"], cart)
            self.assertIsNone(cart["expires_at"], cart)
            self.assertNotIn("x-cart-token", h, "reading must not create a cart")

    def test_guest_flow(self):
        u = uniq("")
        p = self.create_product(name=f"Tee {u}", variants=[
            {"sku": f"TEE-{u}-S", "name": "Small", "price": {"amount": 1250, "currency": "USD"}},
            {"sku": f"TEE-{u}-L", "name": "Large", "price": {"amount": 800, "currency": "USD"}}])
        small, large = f"TEE-{u}-S", f"TEE-{u}-L"

        cart, h = self.add(small, 2)
        token = cart["cart_token"]
        self.assertIsInstance(token, str, cart)
        self.assertEqual(len(token), 43, token)
        self.assertRegex(token, TOKEN_RE)
        self.assertEqual(h.get("x-cart-token"), token, "the new token must also be in X-Cart-Token")
        self.assertEqual(len(cart["items"]), 1, cart)
        line = cart["items"][0]
        self.assertEqual(line["sku"], small)
        self.assertEqual(line["product_id"], p["id"])
        self.assertEqual(line["product_name"], f"Tee {u}")
        self.assertEqual(line["variant_name"], "Small")
        self.assertEqual(line["quantity"], 2)
        assert_money(self, line["unit_price"], 1250, "USD")
        assert_money(self, line["line_total"], 2500, "USD")
        assert_money(self, cart["subtotal"], 2500, "USD")
        self.assert_ttl(cart, GUEST_TTL)

        got = self.get_cart(cart=token)
        self.assertEqual(got["cart_token"], token)
        self.assertEqual(got["items"], cart["items"])

        # The same SKU again adds to its line.
        cart, h = self.add(small, 3, cart=token)
        self.assertEqual(cart["cart_token"], token)
        self.assertEqual(self.quantities(cart), {small: 5})
        assert_money(self, self.lines(cart)[small]["line_total"], 6250, "USD")

        cart, h = self.add(large, 1, cart=token)
        self.assertEqual(self.quantities(cart), {small: 5, large: 1})
        self.assertEqual(self.lines(cart)[large]["variant_name"], "Large")
        self.assertEqual(self.lines(cart)[large]["product_id"], p["id"])
        assert_money(self, cart["subtotal"], 6250 + 800, "USD")

        cart, h = self.cart_ok("PATCH", f"{ITEMS}/{small}", {"quantity": 7}, cart=token)
        self.assertEqual(self.quantities(cart), {small: 7, large: 1})
        assert_money(self, self.lines(cart)[small]["line_total"], 8750, "USD")
        assert_money(self, cart["subtotal"], 8750 + 800, "USD")

        cart, h = self.cart_ok("PATCH", f"{ITEMS}/{small}", {"quantity": 0}, cart=token)
        self.assertEqual(self.quantities(cart), {large: 1}, "quantity 0 removes the line")

        cart, h = self.cart_ok("DELETE", f"{ITEMS}/{large}", cart=token)
        self.assertEqual(cart["items"], [])
        self.assertEqual(cart["item_count"], 0)
        self.assertEqual(self.get_cart(cart=token)["items"], [])

        # Lines that are not in the cart.
        self.assert_404("PATCH", f"{ITEMS}/{small}", {"quantity": 1}, cart=token)
        self.assert_404("DELETE", f"{ITEMS}/{large}", cart=token)

        # Emptying the whole cart.
        self.add(small, 1, cart=token)
        self.add(large, 2, cart=token)
        status, h, raw = self.call("DELETE", CART, cart=token)
        self.assertEqual(status, 204, raw)
        self.assertEqual(raw, b"")
        cart = self.get_cart(cart=token)
        self.assertEqual(cart["items"], [])
        self.assertEqual(cart["item_count"], 0)

    def test_patch_and_delete_without_cart_404(self):
        sku = self.new_sku()
        self.assert_404("PATCH", f"{ITEMS}/{sku}", {"quantity": 1})
        self.assert_404("DELETE", f"{ITEMS}/{sku}")

    def test_guest_carts_are_separate(self):
        a, b = self.new_sku(), self.new_sku()
        ta = self.new_guest_cart(a, 1)
        tb = self.new_guest_cart(b, 2)
        self.assertNotEqual(ta, tb)
        self.assertEqual(self.quantities(self.get_cart(cart=ta)), {a: 1})
        self.assertEqual(self.quantities(self.get_cart(cart=tb)), {b: 2})

    def test_quantity_validation(self):
        sku = self.new_sku()
        token = self.new_guest_cart(sku, 60)
        for what, qty in (("zero", 0), ("100", 100), ("negative", -1)):
            with self.subTest(what, where="POST without token"):
                status, h, raw = self.call("POST", ITEMS, {"sku": sku, "quantity": qty})
                doc = assert_problem(self, status, h, raw, 422)
                assert_field_error(self, doc, "quantity")
            with self.subTest(what, where="POST"):
                status, h, raw = self.call("POST", ITEMS, {"sku": sku, "quantity": qty}, cart=token)
                doc = assert_problem(self, status, h, raw, 422)
                assert_field_error(self, doc, "quantity")
        with self.subTest("sum beyond 99"):
            status, h, raw = self.call("POST", ITEMS, {"sku": sku, "quantity": 40}, cart=token)
            doc = assert_problem(self, status, h, raw, 422)
            assert_field_error(self, doc, "quantity")
        self.assertEqual(self.quantities(self.get_cart(cart=token)), {sku: 60},
                         "a refused add must change nothing")
        cart, h = self.add(sku, 39, cart=token)
        self.assertEqual(self.quantities(cart), {sku: 99}, "99 per line is allowed")
        status, h, raw = self.call("POST", ITEMS, {"sku": sku, "quantity": 1}, cart=token)
        assert_problem(self, status, h, raw, 422)
        for what, qty in (("100", 100), ("negative", -1)):
            with self.subTest(what, where="PATCH"):
                status, h, raw = self.call("PATCH", f"{ITEMS}/{sku}", {"quantity": qty}, cart=token)
                doc = assert_problem(self, status, h, raw, 422)
                assert_field_error(self, doc, "quantity")
        cart, h = self.cart_ok("PATCH", f"{ITEMS}/{sku}", {"quantity": 99}, cart=token)
        self.assertEqual(self.quantities(cart), {sku: 99})
        cart, h = self.cart_ok("PATCH", f"{ITEMS}/{sku}", {"quantity": 1}, cart=token)
        self.assertEqual(self.quantities(cart), {sku: 1})

    def test_malformed_bodies_400(self):
        sku = self.new_sku()
        token = self.new_guest_cart(sku, 2)
        cases = [
            ("POST", ITEMS, {"sku": sku, "quantity": 1, "colour": "red"}, "unknown field"),
            ("POST", ITEMS, {"sku": sku, "quantity": "2"}, "quantity as string"),
            ("POST", ITEMS, {"sku": 12345, "quantity": 1}, "sku as number"),
            ("POST", ITEMS, b'{"sku": ', "malformed JSON"),
            ("PATCH", f"{ITEMS}/{sku}", {"quantity": 1, "note": "x"}, "unknown field"),
            ("PATCH", f"{ITEMS}/{sku}", {"quantity": "3"}, "quantity as string"),
        ]
        for method, path, body, what in cases:
            with self.subTest(method=method, what=what):
                status, h, raw = self.call(method, path, body, cart=token)
                assert_problem(self, status, h, raw, 400)
        with self.subTest("unknown field, guest without token"):
            status, h, raw = self.call("POST", ITEMS, {"sku": sku, "quantity": 1, "colour": "red"})
            assert_problem(self, status, h, raw, 400)
        self.assertEqual(self.quantities(self.get_cart(cart=token)), {sku: 2})

    def test_unknown_and_inactive_sku_422(self):
        known = self.new_sku()
        token = self.new_guest_cart(known, 1)
        draft = self.create_product(status="draft")["variants"][0]["sku"]
        archived_product = self.create_product()
        archived = archived_product["variants"][0]["sku"]
        status, h, got = self.server.json("POST", f"{ADMIN_PRODUCTS}/{archived_product['id']}/archive",
                                          token=self.admin)
        self.assertEqual(status, 200, got)
        self.assertEqual(got["status"], "archived")
        for what, sku in (("unknown", f"NOPE-{uniq('')}"), ("draft", draft), ("archived", archived)):
            with self.subTest(what, where="existing cart"):
                status, h, raw = self.call("POST", ITEMS, {"sku": sku, "quantity": 1}, cart=token)
                doc = assert_problem(self, status, h, raw, 422)
                assert_field_error(self, doc, "sku")
            with self.subTest(what, where="no token"):
                status, h, raw = self.call("POST", ITEMS, {"sku": sku, "quantity": 1})
                doc = assert_problem(self, status, h, raw, 422)
                assert_field_error(self, doc, "sku")
        self.assertEqual(self.quantities(self.get_cart(cart=token)), {known: 1})

    def test_unknown_or_garbage_cart_token_404(self):
        sku = self.new_sku()
        for what, bad in (("unknown", unknown_cart_token()), ("garbage", "garbage!not-a-token"),
                          ("short", "abc")):
            with self.subTest(what, call="GET"):
                self.assert_404("GET", CART, cart=bad)
            with self.subTest(what, call="POST"):
                self.assert_404("POST", ITEMS, {"sku": sku, "quantity": 1}, cart=bad)
            with self.subTest(what, call="PATCH"):
                self.assert_404("PATCH", f"{ITEMS}/{sku}", {"quantity": 1}, cart=bad)
            with self.subTest(what, call="DELETE line"):
                self.assert_404("DELETE", f"{ITEMS}/{sku}", cart=bad)
            with self.subTest(what, call="DELETE cart"):
                status, h, raw = self.call("DELETE", CART, cart=bad)
                self.assertIn(status, (204, 404), raw)
                if status == 404:
                    assert_problem(self, status, h, raw, 404)
        # A 404 never hands out a cart.
        self.assert_404("GET", CART, cart=unknown_cart_token())

    def test_at_most_50_lines(self):
        u = uniq("")
        variants = [{"sku": f"MANY-{u}-{i}", "name": f"V{i}", "price": {"amount": 100 + i, "currency": "USD"}}
                    for i in range(51)]
        self.create_product(variants=variants)
        token = self.new_guest_cart(variants[0]["sku"], 1)
        for v in variants[1:50]:
            self.add(v["sku"], 1, cart=token)
        status, h, raw = self.call("POST", ITEMS, {"sku": variants[50]["sku"], "quantity": 1}, cart=token)
        assert_problem(self, status, h, raw, 422)
        cart = self.get_cart(cart=token)
        self.assertEqual(len(cart["items"]), 50)
        self.assertNotIn(variants[50]["sku"], self.lines(cart))
        # Adding to an existing line is still fine.
        cart, h = self.add(variants[0]["sku"], 1, cart=token)
        self.assertEqual(self.lines(cart)[variants[0]["sku"]]["quantity"], 2)

    # ---- signed-in users -------------------------------------------------------------

    def test_user_cart_separate_persistent_private(self):
        user_sku, guest_sku, extra_sku = self.new_sku(), self.new_sku(), self.new_sku()
        guest = self.new_guest_cart(guest_sku, 3)
        user_a, token_a = self.server.new_customer()
        cart = self.get_cart(token=token_a)
        self.assertEqual(cart["items"], [], "a new user starts with an empty cart")

        cart, h = self.add(user_sku, 2, token=token_a)
        self.assertEqual(self.quantities(cart), {user_sku: 2})
        self.assert_ttl(cart, USER_TTL)
        self.assertEqual(self.quantities(self.get_cart(token=token_a)), {user_sku: 2})
        self.assertEqual(self.quantities(self.get_cart(cart=guest)), {guest_sku: 3},
                         "the guest cart is separate from the user's")

        # Persists across requests, connections and sessions.
        conn = self.server.connection()
        try:
            status, h, doc = self.server.json("GET", CART, token=token_a, conn=conn)
        finally:
            conn.close()
        self.assertEqual(status, 200, doc)
        self.assertEqual(self.quantities(doc), {user_sku: 2})
        token_a2 = self.server.login(user_a["email"], PASSWORD)
        self.assertNotEqual(token_a2, token_a)
        self.assertEqual(self.quantities(self.get_cart(token=token_a2)), {user_sku: 2},
                         "the cart belongs to the user, not to the session")

        # Another user does not see it.
        user_b, token_b = self.server.new_customer()
        self.assertEqual(self.get_cart(token=token_b)["items"], [])
        cart, h = self.add(user_sku, 1, token=token_b)
        self.assertEqual(self.quantities(cart), {user_sku: 1})
        self.assertEqual(self.quantities(self.get_cart(token=token_a)), {user_sku: 2})

        # With a bearer token, X-Cart-Token is ignored.
        cart = self.get_cart(cart=guest, token=token_a)
        self.assertEqual(self.quantities(cart), {user_sku: 2})
        cart, h = self.add(extra_sku, 1, cart=guest, token=token_a)
        self.assertEqual(self.quantities(cart), {user_sku: 2, extra_sku: 1})
        self.assertEqual(self.quantities(self.get_cart(cart=guest)), {guest_sku: 3})

        # Line operations on the user's cart.
        cart, h = self.cart_ok("PATCH", f"{ITEMS}/{user_sku}", {"quantity": 5}, token=token_a)
        self.assertEqual(self.quantities(cart), {user_sku: 5, extra_sku: 1})
        cart, h = self.cart_ok("DELETE", f"{ITEMS}/{extra_sku}", token=token_a)
        self.assertEqual(self.quantities(cart), {user_sku: 5})
        self.assert_404("PATCH", f"{ITEMS}/{extra_sku}", {"quantity": 1}, token=token_b)
        self.assert_404("DELETE", f"{ITEMS}/{extra_sku}", token=token_b)
        status, h, raw = self.call("DELETE", CART, token=token_b)
        self.assertEqual(status, 204, raw)
        self.assertEqual(self.get_cart(token=token_b)["items"], [])
        self.assertEqual(self.quantities(self.get_cart(token=token_a)), {user_sku: 5},
                         "emptying B's cart leaves A's alone")

    def test_invalid_bearer_401(self):
        sku = self.new_sku()
        guest = self.new_guest_cart(sku, 1)
        user, token = self.server.new_customer()
        status, h, raw = self.server.request("DELETE", "/api/v1/sessions/current", token=token)
        self.assertEqual(status, 204, raw)
        for what, bad in (("garbage", "not-a-real-token"), ("unknown", "x" * 43), ("revoked", token)):
            for method, path, body in (("GET", CART, None),
                                       ("POST", ITEMS, {"sku": sku, "quantity": 1}),
                                       ("PATCH", f"{ITEMS}/{sku}", {"quantity": 2}),
                                       ("DELETE", f"{ITEMS}/{sku}", None),
                                       ("DELETE", CART, None)):
                with self.subTest(what, method=method, path=path):
                    status, h, raw = self.call(method, path, body, token=bad)
                    assert_problem(self, status, h, raw, 401)
                    self.assertIn("www-authenticate", h)
                with self.subTest(what, method=method, path=path, with_cart_token=True):
                    status, h, raw = self.call(method, path, body, cart=guest, token=bad)
                    assert_problem(self, status, h, raw, 401)
        self.assertEqual(self.quantities(self.get_cart(cart=guest)), {sku: 1},
                         "refused requests must not touch the guest cart")

    def test_login_merges_guest_cart(self):
        x, y = self.new_sku(price=300), self.new_sku(price=450)
        user, token1 = self.server.new_customer()
        self.add(x, 2, token=token1)
        guest = self.new_guest_cart(x, 3)
        self.add(y, 1, cart=guest)

        status, h, session = self.server.json("POST", SESSIONS,
                                              {"email": user["email"], "password": PASSWORD},
                                              headers={"X-Cart-Token": guest})
        self.assertEqual(status, 201, session)
        self.assertEqual(session["user"]["id"], user["id"])
        token2 = session["token"]

        cart = self.get_cart(token=token2)
        self.assertEqual(self.quantities(cart), {x: 5, y: 1}, "quantities add up")
        assert_money(self, cart["subtotal"], 5 * 300 + 450, "USD")
        self.assertEqual(self.quantities(self.get_cart(token=token1)), {x: 5, y: 1},
                         "merged into the user's cart, seen from every session")

        self.assert_404("GET", CART, cart=guest)
        self.assert_404("POST", ITEMS, {"sku": y, "quantity": 1}, cart=guest)
        self.assertEqual(self.quantities(self.get_cart(token=token2)), {x: 5, y: 1})

    def test_two_logins_at_once_merge_the_guest_cart_once(self):
        x, y = self.new_sku(), self.new_sku()
        for attempt in range(5):
            with self.subTest(attempt=attempt):
                user, token = self.server.new_customer()
                self.add(x, 1, token=token)
                guest = self.new_guest_cart(x, 2)
                self.add(y, 3, cart=guest)
                results = []

                def login():
                    conn = self.server.connection()
                    try:
                        results.append(self.server.json("POST", SESSIONS,
                                                        {"email": user["email"], "password": PASSWORD},
                                                        headers={"X-Cart-Token": guest}, conn=conn)[0])
                    finally:
                        conn.close()
                threads = [threading.Thread(target=login) for _ in range(2)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                self.assertEqual(sorted(results), [201, 201])
                self.assertEqual(self.quantities(self.get_cart(token=token)), {x: 3, y: 3},
                                 "the guest cart is merged once, whichever login came first")

    def test_merge_into_empty_user_cart_and_cap_99(self):
        x, y = self.new_sku(), self.new_sku()
        # No user cart yet.
        user, _ = self.server.new_customer()
        guest = self.new_guest_cart(x, 4)
        status, h, session = self.server.json("POST", SESSIONS,
                                              {"email": user["email"], "password": PASSWORD},
                                              headers={"X-Cart-Token": guest})
        self.assertEqual(status, 201, session)
        self.assertEqual(self.quantities(self.get_cart(token=session["token"])), {x: 4})
        self.assert_404("GET", CART, cart=guest)

        # Sum above 99 is capped at 99.
        user2, token = self.server.new_customer()
        self.add(y, 60, token=token)
        guest2 = self.new_guest_cart(y, 50)
        status, h, session = self.server.json("POST", SESSIONS,
                                              {"email": user2["email"], "password": PASSWORD},
                                              headers={"X-Cart-Token": guest2})
        self.assertEqual(status, 201, session)
        self.assertEqual(self.quantities(self.get_cart(token=session["token"])), {y: 99})

    def test_failed_login_keeps_guest_cart(self):
        sku = self.new_sku()
        user, token = self.server.new_customer()
        guest = self.new_guest_cart(sku, 2)
        status, h, raw = self.server.request("POST", SESSIONS,
                                             {"email": user["email"], "password": "wrong-password-123"},
                                             headers={"X-Cart-Token": guest})
        assert_problem(self, status, h, raw, 401)
        self.assertEqual(self.quantities(self.get_cart(cart=guest)), {sku: 2})
        self.assertEqual(self.get_cart(token=token)["items"], [])

    # ---- catalog interplay -----------------------------------------------------------

    def test_price_change_shows_on_next_get(self):
        p = self.create_product(price=1000)
        sku = p["variants"][0]["sku"]
        token = self.new_guest_cart(sku, 3)
        cart = self.get_cart(cart=token)
        assert_money(self, self.lines(cart)[sku]["unit_price"], 1000, "USD")
        status, h, got = self.server.json(
            "PATCH", f"{ADMIN_PRODUCTS}/{p['id']}",
            {"variants": [{"sku": sku, "name": "Default", "price": {"amount": 1500, "currency": "USD"}}]},
            token=self.admin)
        self.assertEqual(status, 200, got)
        cart = self.get_cart(cart=token)
        line = self.lines(cart)[sku]
        assert_money(self, line["unit_price"], 1500, "USD")
        assert_money(self, line["line_total"], 4500, "USD")
        assert_money(self, cart["subtotal"], 4500, "USD")

    def test_stocked_line_is_available(self):
        sku = self.new_sku()
        status, h, doc = self.server.json("POST", f"/api/v1/admin/inventory/{sku}/adjustments",
                                          {"delta": 10, "reason": "delivery"}, token=self.admin)
        self.assertEqual(status, 201, doc)
        cart, h = self.add(sku, 2)
        self.assertIs(self.lines(cart)[sku]["available"], True, cart)

    def test_cache_control_private(self):
        sku = self.new_sku()
        user, bearer = self.server.new_customer()
        token = self.new_guest_cart(sku, 1)
        calls = [("GET", CART, None, None, None, 200),
                 ("GET", CART, None, token, None, 200),
                 ("POST", ITEMS, {"sku": sku, "quantity": 1}, token, None, 201),
                 ("PATCH", f"{ITEMS}/{sku}", {"quantity": 3}, token, None, 200),
                 ("GET", CART, None, None, bearer, 200),
                 ("POST", ITEMS, {"sku": sku, "quantity": 1}, None, bearer, 201),
                 ("DELETE", f"{ITEMS}/{sku}", None, None, bearer, 200)]
        for method, path, body, cart, tok, expected in calls:
            with self.subTest(method=method, path=path, guest=cart is not None, user=tok is not None):
                self.cart_ok(method, path, body, cart=cart, token=tok, expected=expected)


if __name__ == "__main__":
    unittest.main()

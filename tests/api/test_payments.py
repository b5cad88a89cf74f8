"""Payments against the real provider simulator (`emporium paygw`, a separate process)."""

import json
import os
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request
from email import message_from_string
from email.utils import parsedate_to_datetime

from harness import HOST, Server, assert_problem, base_env, emporium_bin, uniq, wait_for

SECRET = "test-webhook-secret"
PAID_OR_LATER = ("PAID", "FULFILLING")  # the shipping consumer moves a paid order on shortly after
GOOD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}
DECLINED = {"number": "4000000000000002", "exp_month": 12, "exp_year": 2030, "cvc": "123"}


class Paygw:
    """`emporium paygw` on a free port."""

    def __init__(self, webhook_url="", port=0):
        self.dir = tempfile.mkdtemp(prefix="emporium-paygw-")
        port_file = os.path.join(self.dir, "port")
        cmd = [emporium_bin(), "paygw", "--port", str(port), "--port-file", port_file, "--webhook-secret", SECRET]
        if webhook_url:
            cmd += ["--webhook-url", webhook_url]
        self.proc = subprocess.Popen(cmd, env=base_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            if os.path.exists(port_file):
                self.port = int(open(port_file).read())
                return
            time.sleep(0.05)
        raise AssertionError("paygw did not start")

    @property
    def url(self):
        return f"http://{HOST}:{self.port}"

    def call(self, method, path, body=None):
        request = urllib.request.Request(self.url + path, method=method,
                                         data=json.dumps(body).encode() if body is not None else None,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    def settings(self, **values):
        return self.call("PUT", "/admin/settings", values)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


class PaymentsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.paygw = Paygw()
        cls.server = Server(env={"EMPORIUM_PAYMENTS_PROVIDER_URL": cls.paygw.url,
                                 "EMPORIUM_PAYMENTS_WEBHOOK_SECRET": SECRET})
        cls.server.start()
        cls.admin = cls.server.make_admin()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        cls.paygw.stop()

    def setUp(self):
        self.paygw.settings(error_rate=0, hang_rate=0, latency_ms=0)

    def product(self, stock=10, price=1500):
        return self.server.stocked_sku(self.admin, stock, reason="test", price=price)

    def order(self, sku, quantity=1):
        _, token = self.server.new_customer()
        status, _, cart = self.server.json("POST", "/api/v1/cart/items", {"sku": sku, "quantity": quantity},
                                           token=token)
        self.assertEqual(status, 201, cart)
        status, _, order = self.server.json("POST", "/api/v1/orders", {}, token=token)
        self.assertEqual(status, 201, order)
        return token, order

    def pay(self, token, order_id, card=GOOD):
        return self.server.json("POST", f"/api/v1/orders/{order_id}/payment", {"card": card}, token=token)

    def stock(self, sku):
        return self.server.json("GET", f"/api/v1/admin/inventory/{sku}", token=self.admin)[2]

    def order_status(self, token, order_id):
        return self.server.json("GET", f"/api/v1/orders/{order_id}/status", token=token)[2]["status"]

    def test_pay_marks_paid_commits_stock_and_never_stores_the_card(self):
        sku = self.product(stock=5)
        token, order = self.order(sku, 2)
        status, _, payment = self.pay(token, order["id"])
        self.assertEqual(status, 200, payment)
        self.assertEqual(payment["status"], "succeeded")
        self.assertEqual(payment["amount"], {"amount": 3000, "currency": "USD"})
        self.assertEqual(payment["card"], {"last4": "4242", "brand": "visa"})
        self.assertIn(self.order_status(token, order["id"]), PAID_OR_LATER)
        self.assertEqual(self.stock(sku), {**self.stock(sku), "available": 3, "reserved": 0, "sold": 2})
        status, _, again = self.server.json("GET", f"/api/v1/orders/{order['id']}/payment", token=token)
        self.assertEqual((status, again["id"]), (200, payment["id"]))
        for name in os.listdir(self.server.data_dir):
            if name.startswith("payments"):
                with open(os.path.join(self.server.data_dir, name), "rb") as f:
                    self.assertNotIn(b"4242424242424242", f.read(), f"card number stored in {name}")

    def test_a_card_token_payment_shows_the_card_the_provider_charged(self):
        sku = self.product()
        token, order = self.order(sku)
        card_token = self.paygw.call("POST", "/v1/tokens", {**GOOD, "number": "5555555555554444"})["id"]
        status, _, payment = self.server.json("POST", f"/api/v1/orders/{order['id']}/payment",
                                              {"card_token": card_token}, token=token)
        self.assertEqual((status, payment["status"]), (200, "succeeded"), payment)
        self.assertEqual(payment["card"], {"last4": "4444", "brand": "mastercard"})
        status, _, stored = self.server.json("GET", f"/api/v1/orders/{order['id']}/payment", token=token)
        self.assertEqual(stored["card"], payment["card"])

    def test_paying_twice_charges_once(self):
        sku = self.product()
        token, order = self.order(sku)
        before = self.paygw.call("GET", "/admin/stats")["charges"]
        self.paygw.settings(latency_ms=300)  # the clicks arrive while the first charge runs
        results = []
        threads = [threading.Thread(target=lambda: results.append(self.pay(token, order["id"]))) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # Every click gets the charge's outcome, not "processing".
        self.assertEqual([(status, payment["status"]) for status, _, payment in results], [(200, "succeeded")] * 4,
                         results)
        self.assertEqual(len({payment["id"] for _, _, payment in results}), 1)
        self.assertEqual(self.paygw.call("GET", "/admin/stats")["charges"] - before, 1)
        self.assertIn(self.order_status(token, order["id"]), PAID_OR_LATER)

    def test_decline_cancels_the_order_and_releases_stock(self):
        sku = self.product(stock=4)
        token, order = self.order(sku, 3)
        status, _, problem = self.pay(token, order["id"], DECLINED)
        self.assertEqual(status, 422, problem)
        self.assertEqual(problem["errors"], [{"field": "card", "message": "card_declined"}])
        self.assertEqual(self.order_status(token, order["id"]), "CANCELLED")
        stock = self.stock(sku)
        self.assertEqual((stock["available"], stock["reserved"], stock["sold"]), (4, 0, 0))
        status, _, _ = self.pay(token, order["id"])
        self.assertEqual(status, 409)

    def test_provider_down_keeps_orders_pending_then_pays_each_once(self):
        sku = self.product(stock=20)
        before = self.paygw.call("GET", "/admin/stats")["charges"]
        self.paygw.settings(error_rate=1.0)
        pending = []
        for _ in range(5):
            token, order = self.order(sku)
            started = time.monotonic()
            status, _, payment = self.pay(token, order["id"])
            self.assertEqual(status, 202, payment)
            self.assertEqual(payment["status"], "processing")
            self.assertEqual(self.order_status(token, order["id"]), "PAYMENT_PENDING")
            pending.append((token, order["id"], time.monotonic() - started))
        # The breaker opened: later attempts fail fast instead of waiting for retries.
        self.assertLess(pending[-1][2], pending[0][2])
        self.paygw.settings(error_rate=0)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if all(self.order_status(t, o) in PAID_OR_LATER for t, o, _ in pending):
                break
            time.sleep(0.3)
        self.assertTrue(all(self.order_status(t, o) in PAID_OR_LATER for t, o, _ in pending),
                        [self.order_status(t, o) for t, o, _ in pending])
        self.assertEqual(self.paygw.call("GET", "/admin/stats")["charges"] - before, 5)
        stock = self.stock(sku)
        self.assertEqual((stock["available"], stock["reserved"], stock["sold"]), (15, 0, 5))

    def test_inline_retries_stop_before_the_request_deadline(self):
        # A hanging provider: each call waits out its 1 s timeout. Four inline attempts would
        # take about 5 s; the request has 3 s, so the shopper hears "processing" within them.
        env = {"EMPORIUM_PAYMENTS_PROVIDER_URL": self.paygw.url, "EMPORIUM_PAYMENTS_WEBHOOK_SECRET": SECRET,
               "EMPORIUM_PAYMENTS_PROVIDER_TIMEOUT_MS": "1000", "EMPORIUM_SERVER_REQUEST_TIMEOUT_MS": "3000"}
        with Server(env=env) as server:
            admin = server.make_admin()
            sku = server.stocked_sku(admin, 1)
            _, token = server.new_customer()
            server.json("POST", "/api/v1/cart/items", {"sku": sku, "quantity": 1}, token=token)
            _, _, order = server.json("POST", "/api/v1/orders", {}, token=token)
            self.paygw.settings(hang_rate=1.0, hang_ms=1500)
            started = time.monotonic()
            status, _, payment = server.json("POST", f"/api/v1/orders/{order['id']}/payment", {"card": GOOD},
                                             token=token)
            elapsed = time.monotonic() - started
            self.paygw.settings(hang_rate=0)
            self.assertEqual((status, payment["status"]), (202, "processing"), payment)
            self.assertLess(elapsed, 3.0)
            _, _, state = server.json("GET", f"/api/v1/orders/{order['id']}/status", token=token)
            self.assertEqual(state["status"], "PAYMENT_PENDING")

    def test_whole_journey_paid_shipped_delivered_with_mails(self):
        sku = self.product(stock=3)
        email = f"journey-{uniq()}@example.com"
        self.server.signup(email, name="Journey Tester")
        token = self.server.login(email)
        self.server.json("POST", "/api/v1/cart/items", {"sku": sku, "quantity": 1}, token=token)
        status, _, order = self.server.json("POST", "/api/v1/orders", {}, token=token)
        self.assertEqual(status, 201, order)
        self.assertEqual(self.server.json("GET", f"/api/v1/orders/{order['id']}/tracking", token=token)[0], 404)
        self.assertEqual(self.pay(token, order["id"])[0], 200)
        # The shipment is created from the OrderStatusChanged event, asynchronously.
        tracking = wait_for(lambda: (lambda r: r[2] if r[0] == 200 else None)(
            self.server.json("GET", f"/api/v1/orders/{order['id']}/tracking", token=token)))
        self.assertIsNotNone(tracking, "no shipment after payment")
        self.assertEqual(tracking["status"], "label_created")
        self.assertRegex(tracking["tracking_number"], r"^EMP[0-9A-Z]{10,20}$")
        self.assertEqual(wait_for(lambda: self.order_status(token, order["id"]) == "FULFILLING"), True)
        number = tracking["tracking_number"]
        _, customer = self.server.new_customer()
        self.assertEqual(self.server.json("POST", f"/api/v1/admin/shipments/{number}/events",
                                          {"status": "in_transit"}, token=customer)[0], 403)
        status, _, tracking = self.server.json("POST", f"/api/v1/admin/shipments/{number}/events",
                                               {"status": "in_transit", "description": "Left the warehouse"},
                                               token=self.admin)
        self.assertEqual(status, 201, tracking)
        self.assertEqual(self.order_status(token, order["id"]), "SHIPPED")
        for _ in range(2):  # the carrier resends its scan: recorded once
            status, _, tracking = self.server.json("POST", f"/api/v1/admin/shipments/{number}/events",
                                                   {"status": "delivered"}, token=self.admin)
            self.assertEqual(status, 201, tracking)
            self.assertEqual([e["status"] for e in tracking["events"]],
                             ["label_created", "in_transit", "delivered"])
        self.assertEqual(self.server.json("POST", f"/api/v1/admin/shipments/{number}/events",
                                          {"status": "in_transit"}, token=self.admin)[0], 409)
        _, _, history = self.server.json("GET", f"/api/v1/orders/{order['id']}/status", token=token)
        self.assertEqual([h["status"] for h in history["history"]],
                         ["PENDING_PAYMENT", "PAID", "FULFILLING", "SHIPPED", "DELIVERED"])

        spool = os.path.join(self.server.data_dir, "mail", "new")

        def mails():
            if not os.path.isdir(spool):
                return []
            found = []
            for name in os.listdir(spool):
                with open(os.path.join(spool, name), encoding="utf-8") as f:
                    text = f.read()
                if f"To: {email}" in text:
                    found.append(text)
            return found

        wait_for(lambda: len(mails()) >= 2)
        time.sleep(0.5)  # a duplicate would show up by now
        texts = mails()
        self.assertEqual(len(texts), 2, texts)
        subjects = sorted(t.split("Subject: ")[1].split("\r\n")[0] for t in texts)
        self.assertIn("is confirmed", subjects[0] + subjects[1])
        self.assertTrue(any(number in t for t in texts), "the shipping mail names the tracking number")
        self.assertTrue(any("Journey Tester" in t for t in texts))
        for text in texts:  # what a mail client reads
            message = message_from_string(text)
            self.assertIsNotNone(parsedate_to_datetime(message["Date"]), message["Date"])
            self.assertEqual(message["MIME-Version"], "1.0")
            self.assertEqual(message.get_content_charset(), "utf-8")

    def test_cancelling_a_paid_order_refunds_it(self):
        sku = self.product(stock=3)
        token, order = self.order(sku)
        self.assertEqual(self.pay(token, order["id"])[0], 200)
        status, _, cancelled = self.server.json("POST", f"/api/v1/orders/{order['id']}/cancel", token=token)
        self.assertEqual(status, 200, cancelled)
        self.assertEqual(cancelled["status"], "REFUNDED")
        status, _, payment = self.server.json("GET", f"/api/v1/orders/{order['id']}/payment", token=token)
        self.assertEqual((status, payment["status"]), (200, "refunded"))
        status, _, again = self.server.json("POST", f"/api/v1/orders/{order['id']}/cancel", token=token)
        self.assertEqual((status, again["status"]), (200, "REFUNDED"))

    def keyed_pay(self, token, order_id, key, body):
        return self.server.request("POST", f"/api/v1/orders/{order_id}/payment", body,
                                   headers={"Idempotency-Key": key}, token=token)

    def test_a_keyed_payment_repeated_gets_the_first_answer_and_one_charge(self):
        sku = self.product()
        token, order = self.order(sku)
        before = self.paygw.call("GET", "/admin/stats")["charges"]
        key = uniq("pay-key")
        status, h1, first = self.keyed_pay(token, order["id"], key, {"card": GOOD})
        self.assertEqual(status, 200, first)
        status, h2, again = self.keyed_pay(token, order["id"], key, {"card": GOOD})
        self.assertEqual(status, 200, again)
        self.assertEqual(again, first, "a repeat with the same key and body must return the first body")
        self.assertEqual(h2.get("idempotent-replayed"), "true")
        self.assertEqual(self.paygw.call("GET", "/admin/stats")["charges"] - before, 1)
        # The same key with another request (another body, or another order) is refused.
        for other_order, body in ((order["id"], {"card_token": "tok_other"}),
                                  (self.order(sku)[1]["id"], {"card": GOOD})):
            status, h, raw = self.keyed_pay(token, other_order, key, body)
            problem = assert_problem(self, status, h, raw, 422)
            self.assertIn("Idempotency-Key", [e.get("field") for e in problem.get("errors", [])], problem)
        # Another user's identical key is theirs alone.
        other_token, other = self.order(sku)
        status, _, theirs = self.keyed_pay(other_token, other["id"], key, {"card": GOOD})
        self.assertEqual(status, 200, theirs)

    def test_concurrent_requests_with_one_key_charge_once_and_agree(self):
        sku = self.product()
        token, order = self.order(sku)
        before = self.paygw.call("GET", "/admin/stats")["charges"]
        key = uniq("pay-key")
        results = []
        threads = [threading.Thread(target=lambda: results.append(
            self.keyed_pay(token, order["id"], key, {"card": GOOD}))) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # Each answer is the first one or "still running, retry shortly" (409 Retry-After).
        answers = [(status, raw) for status, _, raw in results if status != 409]
        self.assertTrue(answers, results)
        self.assertEqual({status for status, _ in answers}, {200}, results)
        self.assertEqual(len({raw for _, raw in answers}), 1, "every answer must be the first one")
        for status, h, raw in results:
            if status == 409:
                assert_problem(self, status, h, raw, 409)
                self.assertIn("retry-after", h)
        self.assertEqual(self.keyed_pay(token, order["id"], key, {"card": GOOD})[2], answers[0][1])
        self.assertEqual(self.paygw.call("GET", "/admin/stats")["charges"] - before, 1)

    def test_a_keyed_decline_is_answered_the_same_again(self):
        sku = self.product()
        token, order = self.order(sku)
        key = uniq("pay-key")
        status, h1, first = self.keyed_pay(token, order["id"], key, {"card": DECLINED})
        assert_problem(self, status, h1, first, 422)
        status, h2, again = self.keyed_pay(token, order["id"], key, {"card": DECLINED})
        self.assertEqual((status, again), (422, first))
        self.assertTrue(h2.get("content-type", "").startswith("application/problem+json"), h2)

    def test_a_refunded_order_puts_its_units_back_on_sale_once(self):
        sku = self.product(stock=5)
        token, order = self.order(sku, 2)
        self.assertEqual(self.pay(token, order["id"])[0], 200)
        self.assertEqual(self.stock(sku), {**self.stock(sku), "available": 3, "reserved": 0, "sold": 2})
        status, _, cancelled = self.server.json("POST", f"/api/v1/orders/{order['id']}/cancel", token=token)
        self.assertEqual((status, cancelled["status"]), (200, "REFUNDED"), cancelled)
        # The parcel never left: both units can be sold again, at once, and only once even
        # when the cancel is repeated and the refund event is delivered.
        self.assertEqual(self.stock(sku), {**self.stock(sku), "available": 5, "reserved": 0, "sold": 0})
        self.assertEqual(self.server.json("POST", f"/api/v1/orders/{order['id']}/cancel", token=token)[0], 200)
        time.sleep(0.5)
        self.assertEqual(self.stock(sku), {**self.stock(sku), "available": 5, "reserved": 0, "sold": 0})
        # Not an adjustment: the total of the SKU did not change, so the adjustments (the
        # only way the total changes) still add up to it.
        status, _, page = self.server.json("GET", f"/api/v1/admin/inventory/{sku}/adjustments", token=self.admin)
        self.assertEqual(status, 200, page)
        self.assertEqual(sum(a["delta"] for a in page["items"]), 5, page["items"])

    def test_cancel_while_the_provider_fails_refunds_once_it_is_back(self):
        sku = self.product(stock=3)
        token, order = self.order(sku)
        self.assertEqual(self.pay(token, order["id"])[0], 200)
        self.paygw.settings(error_rate=1)
        status, _, cancelled = self.server.json("POST", f"/api/v1/orders/{order['id']}/cancel", token=token)
        self.assertEqual((status, cancelled["status"]), (200, "REFUNDED"))  # the order at once
        self.paygw.settings(error_rate=0)  # the money as soon as the provider answers again
        refunded = wait_for(lambda: self.server.json(
            "GET", f"/api/v1/orders/{order['id']}/payment", token=token)[2]["status"] == "refunded")
        self.assertTrue(refunded, "the refund was not retried after the provider came back")

    def test_a_refunded_orders_parcel_cannot_be_scanned(self):
        sku = self.product(stock=3)
        token, order = self.order(sku)
        self.assertEqual(self.pay(token, order["id"])[0], 200)
        tracking = wait_for(
            lambda: self.server.json("GET", f"/api/v1/orders/{order['id']}/tracking", token=token)[0] == 200)
        self.assertTrue(tracking, "no shipment was created for the paid order")
        number = self.server.json("GET", f"/api/v1/orders/{order['id']}/tracking", token=token)[2]["tracking_number"]
        status, _, cancelled = self.server.json("POST", f"/api/v1/orders/{order['id']}/cancel", token=token)
        self.assertEqual((status, cancelled["status"]), (200, "REFUNDED"))
        status, _, problem = self.server.json("POST", f"/api/v1/admin/shipments/{number}/events",
                                              {"status": "in_transit"}, token=self.admin)
        self.assertEqual(status, 409, problem)
        self.assertEqual(self.order_status(token, order["id"]), "REFUNDED")

    def test_webhook_needs_a_valid_signature(self):
        body = json.dumps({"id": "evt_x", "type": "charge.succeeded", "data": {}})
        status, _, _ = self.server.request("POST", "/api/v1/webhooks/paygw", body.encode(),
                                           headers={"Content-Type": "application/json",
                                                    "Paygw-Signature": f"t={int(time.time())},v1=00"})
        self.assertEqual(status, 401)

    def test_other_users_cannot_pay_or_read(self):
        sku = self.product()
        token, order = self.order(sku)
        _, stranger = self.server.new_customer()
        self.assertEqual(self.pay(stranger, order["id"])[0], 404)
        self.assertEqual(self.server.json("GET", f"/api/v1/orders/{order['id']}/payment", token=stranger)[0], 404)
        self.assertEqual(self.server.json("GET", f"/api/v1/orders/{order['id']}/payment", token=token)[0], 404)

    def test_bad_card_input(self):
        sku = self.product()
        token, order = self.order(sku)
        status, _, _ = self.server.json("POST", f"/api/v1/orders/{order['id']}/payment", {"card": {"number": "42"}},
                                        token=token)
        self.assertEqual(status, 422)
        status, _, _ = self.server.json("POST", f"/api/v1/orders/{order['id']}/payment",
                                        {"card": GOOD, "extra": 1}, token=token)
        self.assertEqual(status, 400)
        status, _, _ = self.server.json("POST", f"/api/v1/orders/{order['id']}/payment", {"card": GOOD},
                                        token=token, headers={"Idempotency-Key": "has space"})
        self.assertEqual(status, 400)
        bad_luhn = {**GOOD, "number": "4242424242424241"}
        status, _, problem = self.pay(token, order["id"], bad_luhn)
        self.assertEqual(status, 422, problem)
        for bad_token in ("", "tok with spaces", "t" * 256):  # refused before any charge
            status, _, problem = self.server.json("POST", f"/api/v1/orders/{order['id']}/payment",
                                                  {"card_token": bad_token}, token=token)
            self.assertEqual(status, 422, problem)
            self.assertEqual([e["field"] for e in problem["errors"]], ["card_token"], problem)
        self.assertEqual(self.order_status(token, order["id"]), "PENDING_PAYMENT")
        self.assertEqual(self.pay(token, order["id"])[0], 200)  # the order can still be paid


def one_unit_order(server):
    """A new product with one unit in stock and a new customer's order for it, unpaid:
    returns (admin token, sku, customer token, order)."""
    admin = server.make_admin()
    sku = server.stocked_sku(admin, 1)
    _, token = server.new_customer()
    server.json("POST", "/api/v1/cart/items", {"sku": sku, "quantity": 1}, token=token)
    _, _, order = server.json("POST", "/api/v1/orders", {}, token=token)
    return admin, sku, token, order


class PaymentsNotConfiguredTest(unittest.TestCase):
    def test_503_without_provider(self):
        with Server() as server:
            _, _, token, order = one_unit_order(server)
            status, headers, _ = server.json("POST", f"/api/v1/orders/{order['id']}/payment", {"card": GOOD},
                                             token=token)
            self.assertEqual(status, 503)
            self.assertIn("retry-after", headers)



class PaymentAfterExpiryTest(unittest.TestCase):
    """The charge completes only after the stock reservation expired: the order must end
    cancelled with its stock available again, and the charge refunded (never PAID)."""

    def test_late_charge_is_refunded_and_order_stays_cancelled(self):
        paygw = Paygw()
        try:
            paygw.settings(latency_ms=3500)
            env = {"EMPORIUM_PAYMENTS_PROVIDER_URL": paygw.url, "EMPORIUM_PAYMENTS_WEBHOOK_SECRET": SECRET,
                   "EMPORIUM_PAYMENTS_PROVIDER_TIMEOUT_MS": "8000", "EMPORIUM_INVENTORY_RESERVATION_TTL_SECONDS": "2"}
            with Server(env=env) as server:
                admin, sku, token, order = one_unit_order(server)
                status, _, problem = server.json("POST", f"/api/v1/orders/{order['id']}/payment", {"card": GOOD},
                                                 token=token)
                self.assertEqual(status, 409, problem)
                _, _, state = server.json("GET", f"/api/v1/orders/{order['id']}/status", token=token)
                self.assertEqual(state["status"], "CANCELLED")
                self.assertNotIn("PAID", [h["status"] for h in state["history"]])
                _, _, payment = server.json("GET", f"/api/v1/orders/{order['id']}/payment", token=token)
                self.assertEqual(payment["status"], "refunded")
                _, _, stock = server.json("GET", f"/api/v1/admin/inventory/{sku}", token=admin)
                self.assertEqual((stock["available"], stock["reserved"], stock["sold"]), (1, 0, 0))
        finally:
            paygw.stop()


class GaveUpThenChargedTest(unittest.TestCase):
    """The provider does not answer in time, so the shop gives up when the reservation
    expires and cancels the order; the provider charged after all and says so by webhook.
    The charge must be refunded: never money taken for a cancelled order."""

    def test_a_charge_reported_after_giving_up_is_refunded(self):
        with socket.socket() as probe:  # the provider's port, known before the shop starts
            probe.bind((HOST, 0))
            paygw_port = probe.getsockname()[1]
        env = {"EMPORIUM_PAYMENTS_PROVIDER_URL": f"http://{HOST}:{paygw_port}",
               "EMPORIUM_PAYMENTS_WEBHOOK_SECRET": SECRET, "EMPORIUM_INVENTORY_RESERVATION_TTL_SECONDS": "2"}
        with Server(env=env) as server:
            paygw = Paygw(webhook_url=f"http://{HOST}:{server.port}", port=paygw_port)
            try:
                paygw.settings(latency_ms=5000)  # longer than the timeout and every inline retry
                admin, sku, token, order = one_unit_order(server)
                # Answered once the shop gave up (the reservation expired meanwhile).
                server.json("POST", f"/api/v1/orders/{order['id']}/payment", {"card": GOOD}, token=token)
                self.assertEqual(server.json("GET", f"/api/v1/orders/{order['id']}/payment", token=token)[2]["status"],
                                 "failed")
                paygw.settings(latency_ms=0)  # the provider recovers; its webhook retries now get through
                deadline = time.monotonic() + 20
                payment = {}
                while time.monotonic() < deadline:
                    payment = server.json("GET", f"/api/v1/orders/{order['id']}/payment", token=token)[2]
                    if payment.get("status") == "refunded":
                        break
                    time.sleep(0.2)
                self.assertEqual(payment.get("status"), "refunded", payment)
                _, _, state = server.json("GET", f"/api/v1/orders/{order['id']}/status", token=token)
                self.assertEqual(state["status"], "CANCELLED")
                _, _, stock = server.json("GET", f"/api/v1/admin/inventory/{sku}", token=admin)
                self.assertEqual((stock["available"], stock["reserved"], stock["sold"]), (1, 0, 0))
            finally:
                paygw.stop()


if __name__ == "__main__":
    unittest.main()

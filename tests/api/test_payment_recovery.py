"""A crash between "the payment succeeded" and "the order is paid" loses nothing.

The server is started with the crash point `payments.after_settle` armed
(EMPORIUM_FAILPOINTS): it dies, as kill -9 would, right after the payment's success is
committed and before the order is marked paid. After a restart the PaymentSucceeded event
of the payments outbox must finish the job: the order becomes paid and its stock sold, or,
when the order could no longer be paid (its reservation expired meanwhile), the charge is
refunded and the stock is available again. Never a charge without an order, never two.
"""

import time
import unittest

from harness import Server, product_body
from test_payments import GOOD, SECRET, Paygw

PASSWORD = "correct-horse-battery"
ADMIN_EMAIL = "recovery-admin@example.com"


class PaymentRecoveryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.paygw = Paygw()

    @classmethod
    def tearDownClass(cls):
        cls.paygw.stop()

    def env(self, **extra):
        env = {"EMPORIUM_PAYMENTS_PROVIDER_URL": self.paygw.url, "EMPORIUM_PAYMENTS_WEBHOOK_SECRET": SECRET}
        env.update(extra)
        return env

    def crash_while_paying(self, **extra_env):
        """Places an order for one unit and pays it on a server that dies after settling the
        payment. Returns (data dir owner, customer email, order id, sku)."""
        first = Server(env=self.env(EMPORIUM_FAILPOINTS="payments.after_settle", **extra_env))
        self.addCleanup(first.close)
        first.start()
        admin = first.make_admin(email=ADMIN_EMAIL, password=PASSWORD)
        status, _, product = first.json("POST", "/api/v1/admin/products", product_body(price=2500), token=admin)
        self.assertEqual(status, 201, product)
        sku = product["variants"][0]["sku"]
        status, _, doc = first.json("POST", f"/api/v1/admin/inventory/{sku}/adjustments",
                                    {"delta": 5, "reason": "test"}, token=admin)
        self.assertEqual(status, 201, doc)
        user, token = first.new_customer()
        status, _, _ = first.json("POST", "/api/v1/cart/items", {"sku": sku, "quantity": 1}, token=token)
        self.assertEqual(status, 201)
        status, _, order = first.json("POST", "/api/v1/orders", {}, token=token)
        self.assertEqual(status, 201, order)
        try:
            status, _, answer = first.json("POST", f"/api/v1/orders/{order['id']}/payment", {"card": GOOD},
                                           token=token)
            self.fail(f"the server answered {status} {answer} instead of dying at the crash point")
        except (ConnectionError, OSError, AssertionError) as error:
            if isinstance(error, AssertionError) and "instead of dying" in str(error):
                raise
        deadline = time.monotonic() + 10
        while first.alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertFalse(first.alive(), "the crash point did not end the server")
        first.stop()
        return first, user["email"], order["id"], sku

    def restart(self, first):
        second = Server(data_dir=first.data_dir, env=self.env())
        self.addCleanup(second.close)
        second.start()
        return second, second.login(ADMIN_EMAIL, PASSWORD)

    def wait_for(self, read, predicate, seconds=10):
        deadline = time.monotonic() + seconds
        value = read()
        while not predicate(value) and time.monotonic() < deadline:
            time.sleep(0.1)
            value = read()
        return value

    def test_order_is_paid_after_a_crash_between_payment_and_order(self):
        first, email, order_id, sku = self.crash_while_paying()
        second, admin = self.restart(first)
        token = second.login(email, PASSWORD)
        status = self.wait_for(
            lambda: second.json("GET", f"/api/v1/orders/{order_id}/status", token=token)[2]["status"],
            lambda s: s in ("PAID", "FULFILLING"))
        self.assertIn(status, ("PAID", "FULFILLING"))
        code, _, payment = second.json("GET", f"/api/v1/orders/{order_id}/payment", token=token)
        self.assertEqual(code, 200, payment)
        self.assertEqual(payment["status"], "succeeded")
        stock = second.json("GET", f"/api/v1/admin/inventory/{sku}", token=admin)[2]
        self.assertEqual((stock["available"], stock["reserved"], stock["sold"]), (4, 0, 1))
        # Paying again answers with the same payment: no second charge.
        code, _, again = second.json("POST", f"/api/v1/orders/{order_id}/payment", {"card": GOOD}, token=token)
        self.assertEqual(code, 200, again)
        self.assertEqual(again["id"], payment["id"])

    def test_order_whose_reservation_expired_during_the_outage_ends_consistent(self):
        # The charge landed while the reservation held; the reservation then expired while
        # the server was down. Two endings are right, whichever consumer runs first after
        # the restart: the order is paid and the unit sold (the money came in time), or the
        # order is cancelled, the charge refunded and the unit available again. Wrong would
        # be a kept charge for a cancelled order, or a paid order without its unit.
        first, email, order_id, sku = self.crash_while_paying(EMPORIUM_INVENTORY_RESERVATION_TTL_SECONDS="2")
        time.sleep(2.5)  # the reservation expires while the server is down
        second, admin = self.restart(first)
        token = second.login(email, PASSWORD)

        def state():
            order = second.json("GET", f"/api/v1/orders/{order_id}/status", token=token)[2]["status"]
            payment = second.json("GET", f"/api/v1/orders/{order_id}/payment", token=token)[2]["status"]
            stock = second.json("GET", f"/api/v1/admin/inventory/{sku}", token=admin)[2]
            return order, payment, (stock["available"], stock["reserved"], stock["sold"])

        def settled(s):
            order, payment, stock = s
            paid = order in ("PAID", "FULFILLING") and payment == "succeeded" and stock == (4, 0, 1)
            refunded = order in ("CANCELLED", "REFUNDED") and payment == "refunded" and stock == (5, 0, 0)
            return paid or refunded

        final = self.wait_for(state, settled)
        self.assertTrue(settled(final), f"inconsistent after recovery: {final}")


if __name__ == "__main__":
    unittest.main()

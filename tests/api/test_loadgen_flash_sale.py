"""emporium-bench's flash-sale scenario catches an oversell.

Runs the load generator ($EMPORIUM_BENCH_BIN, else emporium-bench beside $EMPORIUM_BIN) against
a tiny fake shop (standard library only) that implements just what the scenario touches:
sign-up, login, admin product + stock adjustment, add to cart, place order, read inventory.
One fake is deliberately broken — it checks the stock and later writes it back without a
lock, so concurrent buyers all see the same units — and the tool must report OVERSELL and
exit non-zero. The other takes a lock and the tool must report exactly M units sold, exit 0.
"""

import http.server
import json
import os
import subprocess
import threading
import unittest

UNITS = 10
BUYERS = 50
ADMIN_EMAIL = "admin@fake.example.com"
ADMIN_PASSWORD = "fake admin password"
EXIT_OVERSELL = 2


def bench_bin():
    path = os.environ.get("EMPORIUM_BENCH_BIN")
    if not path and os.environ.get("EMPORIUM_BIN"):
        path = os.path.join(os.path.dirname(os.path.abspath(os.environ["EMPORIUM_BIN"])), "emporium-bench")
    if not path or not os.access(path, os.X_OK):
        raise AssertionError(f"set EMPORIUM_BENCH_BIN to the built emporium-bench (got {path!r})")
    return os.path.abspath(path)


class FakeShop:
    """The shop's state; `broken` selects the racy order placement."""

    def __init__(self, broken):
        self.broken = broken
        self.lock = threading.Lock()
        self.users = {}      # email -> password
        self.carts = {}      # token -> {sku: quantity}
        self.stock = {}      # sku -> {"available", "reserved", "sold"}
        self.orders = 0
        # The broken shop lets every buyer read the stock before any of them writes it back:
        # the widest form of the check-then-act race a missing row lock allows. The timeout only
        # keeps a tool that does not send concurrently from hanging the test.
        self.race = threading.Barrier(BUYERS, timeout=20)

    def place_order(self, token):
        cart = self.carts.get(token) or {}
        if not cart:
            return 422, {"title": "empty cart"}
        (sku, qty), = cart.items()
        if self.broken:
            available = self.stock[sku]["available"]          # check ...
            try:
                self.race.wait()
            except threading.BrokenBarrierError:
                pass
            if available < qty:
                return 409, {"title": "out of stock"}
            self.stock[sku]["available"] = available - qty    # ... then act on a stale value
            self.stock[sku]["reserved"] = self.stock[sku]["reserved"] + qty
        else:
            with self.lock:
                if self.stock[sku]["available"] < qty:
                    return 409, {"title": "out of stock"}
                self.stock[sku]["available"] -= qty
                self.stock[sku]["reserved"] += qty
        with self.lock:
            self.orders += 1
            number = self.orders
            self.carts[token] = {}
        return 201, {"id": f"ord_0_{number}", "status": "PENDING_PAYMENT"}


def make_handler(shop):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, doc=None):
            body = json.dumps(doc).encode() if doc is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def body(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            return json.loads(raw) if raw else {}

        def token(self):
            auth = self.headers.get("Authorization") or ""
            return auth[len("Bearer "):] if auth.startswith("Bearer ") else None

        def do_GET(self):
            if self.path == "/health/live":
                return self.reply(200, {"status": "ok"})
            if self.path == "/health/ready":
                return self.reply(200, {"status": "ok", "checks": {"fake": "broken" if shop.broken else "locked"}})
            if self.path.startswith("/api/v1/admin/inventory/"):
                if self.token() != "tok-" + ADMIN_EMAIL:
                    return self.reply(403, {"title": "not an admin"})
                sku = self.path.rsplit("/", 1)[1]
                if sku not in shop.stock:
                    return self.reply(404, {"title": "unknown sku"})
                return self.reply(200, {"sku": sku, **shop.stock[sku], "updated_at": "2026-01-01T00:00:00Z"})
            return self.reply(404, {"title": "not found"})

        def do_POST(self):
            doc = self.body()
            token = self.token()
            if self.path == "/api/v1/users":
                with shop.lock:
                    if doc["email"] in shop.users:
                        return self.reply(409, {"title": "email taken"})
                    shop.users[doc["email"]] = doc["password"]
                return self.reply(201, {"id": "usr_" + doc["email"], "email": doc["email"]})
            if self.path == "/api/v1/sessions":
                if shop.users.get(doc["email"]) != doc["password"]:
                    return self.reply(401, {"title": "wrong email or password"})
                return self.reply(201, {"token": "tok-" + doc["email"], "token_type": "Bearer"})
            if self.path == "/api/v1/admin/products":
                if token != "tok-" + ADMIN_EMAIL:
                    return self.reply(403, {"title": "not an admin"})
                with shop.lock:
                    for variant in doc["variants"]:
                        shop.stock[variant["sku"]] = {"available": 0, "reserved": 0, "sold": 0}
                return self.reply(201, {"id": "prd_1", **doc})
            if self.path.startswith("/api/v1/admin/inventory/") and self.path.endswith("/adjustments"):
                if token != "tok-" + ADMIN_EMAIL:
                    return self.reply(403, {"title": "not an admin"})
                sku = self.path.split("/")[5]
                with shop.lock:
                    shop.stock[sku]["available"] += doc["delta"]
                    return self.reply(201, {"sku": sku, "delta": doc["delta"],
                                            "available_after": shop.stock[sku]["available"]})
            if self.path == "/api/v1/cart/items":
                if token is None:
                    return self.reply(401, {"title": "sign in"})
                with shop.lock:
                    cart = shop.carts.setdefault(token, {})
                    cart[doc["sku"]] = cart.get(doc["sku"], 0) + doc["quantity"]
                return self.reply(201, {"items": [{"sku": s, "quantity": q} for s, q in cart.items()]})
            if self.path == "/api/v1/orders":
                if token is None:
                    return self.reply(401, {"title": "sign in"})
                return self.reply(*shop.place_order(token))
            return self.reply(404, {"title": "not found"})

    return Handler


class FakeServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # every buyer connects at once


class RunningShop:
    def __init__(self, broken):
        self.shop = FakeShop(broken)
        self.server = FakeServer(("127.0.0.1", 0), make_handler(self.shop))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        return False

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"


def run_flash_sale(url, *extra):
    cmd = [bench_bin(), "flash-sale", "--url", url, "--flash-units", str(UNITS), "--flash-buyers", str(BUYERS),
           "--connections", "8", "--admin-email", ADMIN_EMAIL, "--admin-password", ADMIN_PASSWORD,
           "--no-ceiling", "--timeout", "60s", *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)


def make_admin(running):
    running.shop.users[ADMIN_EMAIL] = ADMIN_PASSWORD


class LoadgenFlashSaleTest(unittest.TestCase):
    def test_a_shop_that_oversells_is_caught(self):
        with RunningShop(broken=True) as running:
            make_admin(running)
            cp = run_flash_sale(running.url)
            self.assertNotEqual(cp.returncode, 0, cp.stdout + cp.stderr)
            self.assertEqual(cp.returncode, EXIT_OVERSELL, cp.stdout + cp.stderr)
            self.assertIn("OVERSELL", cp.stdout, cp.stdout + cp.stderr)
            self.assertGreater(running.shop.orders, UNITS, "the fake did not oversell: the buyers did not race")

    def test_an_oversell_in_json(self):
        with RunningShop(broken=True) as running:
            make_admin(running)
            cp = run_flash_sale(running.url, "--json")
            self.assertEqual(cp.returncode, EXIT_OVERSELL, cp.stdout + cp.stderr)
            report = json.loads(cp.stdout)
            sale = report["flash_sale"]
            self.assertEqual(sale["verdict"], "OVERSELL")
            self.assertEqual(sale["units_sold"], running.shop.orders)
            self.assertGreater(sale["units_sold"], UNITS)
            self.assertEqual(sale["buyers_ready"], BUYERS)

    def test_a_shop_with_a_lock_sells_exactly_the_units(self):
        with RunningShop(broken=False) as running:
            make_admin(running)
            cp = run_flash_sale(running.url, "--json")
            self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
            report = json.loads(cp.stdout)
            sale = report["flash_sale"]
            self.assertEqual(sale["verdict"], "OK")
            self.assertEqual(sale["units_sold"], UNITS)
            self.assertEqual(sale["orders_409"], BUYERS - UNITS)
            self.assertEqual(sale["inventory"], {"available": 0, "reserved": UNITS, "sold": 0})
            self.assertEqual(report["result"]["errors"], 0)
            self.assertEqual(report["server"]["ready"]["checks"]["fake"], "locked")
            self.assertGreaterEqual(report["machine"]["cores"], 1)


if __name__ == "__main__":
    unittest.main()

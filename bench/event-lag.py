#!/usr/bin/env python3
"""End-to-end event lag: from a payment's answer to the order's shipment existing.

Places orders one after another on a running shop (its own buyer and product), pays each
by card, then polls the order's tracking until the shipment the shipping service creates on
`PaymentSucceeded` is there: the time between the payment's answer and the first tracking
200 is the lag through the event bus (outbox → relay → broker → consumer → commit). Run it
beside a load (emporium-bench checkout) to see the lag at that rate. It also reads the
shop's /metrics before and after and prints the events the bus moved per second.

    bench/event-lag.py --url http://127.0.0.1:8080 --admin-email E --admin-password P [--probes 100]
"""

import argparse
import http.client
import json
import re
import time
import urllib.parse
import uuid

CARD = {"card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}}


class Shop:
    def __init__(self, url):
        parsed = urllib.parse.urlparse(url)
        self.conn = http.client.HTTPConnection(parsed.hostname, parsed.port or 80, timeout=30)

    def call(self, method, path, body=None, token=None, headers=None):
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        raw = response.read()
        try:
            doc = json.loads(raw) if raw else None
        except ValueError:
            doc = raw.decode(errors="replace")
        return response.status, doc


def counters(shop, names):
    """Sums of the counters in /metrics whose family name is in `names`."""
    shop.conn.request("GET", "/metrics")
    text = shop.conn.getresponse().read().decode()
    sums = {name: 0.0 for name in names}
    for line in text.splitlines():
        match = re.match(r"^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$", line)
        if match and match.group(1) in sums:
            sums[match.group(1)] += float(match.group(3))
    return sums


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--admin-email", required=True)
    parser.add_argument("--admin-password", required=True)
    parser.add_argument("--probes", type=int, default=100)
    parser.add_argument("--counters", default="emporium_bus_events_relayed_total,emporium_bus_events_handled_total")
    args = parser.parse_args()
    shop = Shop(args.url)
    names = [n for n in args.counters.split(",") if n]

    _, session = shop.call("POST", "/api/v1/sessions", {"email": args.admin_email, "password": args.admin_password})
    admin = session["token"]
    status, product = shop.call("POST", "/api/v1/admin/products", {
        "name": f"Lag probe {uuid.uuid4().hex[:8]}",
        "variants": [{"sku": f"LAG-{uuid.uuid4().hex[:10].upper()}", "name": "Default",
                      "price": {"amount": 100, "currency": "USD"}}]}, token=admin)
    assert status == 201, product
    sku = product["variants"][0]["sku"]
    status, _ = shop.call("POST", f"/api/v1/admin/inventory/{sku}/adjustments",
                          {"delta": args.probes + 10, "reason": "lag probe"}, token=admin)
    assert status == 201
    email = f"lag-{uuid.uuid4().hex[:10]}@example.com"
    shop.call("POST", "/api/v1/users", {"email": email, "password": "lag probe secret"})
    _, session = shop.call("POST", "/api/v1/sessions", {"email": email, "password": "lag probe secret"})
    buyer = session["token"]

    before, started = counters(shop, names), time.monotonic()
    lags, polls = [], 0
    for _ in range(args.probes):
        status, doc = shop.call("POST", "/api/v1/cart/items", {"sku": sku, "quantity": 1}, token=buyer)
        assert status in (200, 201), doc
        status, order = shop.call("POST", "/api/v1/orders", {}, token=buyer,
                                  headers={"Idempotency-Key": uuid.uuid4().hex})
        assert status == 201, order
        status, payment = shop.call("POST", f"/api/v1/orders/{order['id']}/payment", CARD, token=buyer)
        paid_at = time.monotonic()
        assert status in (200, 201, 202), payment
        while True:
            polls += 1
            status, _ = shop.call("GET", f"/api/v1/orders/{order['id']}/tracking", token=buyer)
            if status == 200:
                lags.append(1000 * (time.monotonic() - paid_at))
                break
            if time.monotonic() - paid_at > 30:
                raise SystemExit(f"no shipment for {order['id']} 30 s after its payment")
            time.sleep(0.002)
    after, elapsed = counters(shop, names), time.monotonic() - started
    print(json.dumps({
        "probes": len(lags),
        "lag_ms": {"p50": round(percentile(lags, 50), 1), "p90": round(percentile(lags, 90), 1),
                   "p99": round(percentile(lags, 99), 1), "max": round(max(lags), 1)},
        "tracking_polls_per_probe": round(polls / len(lags), 1),
        "per_second": {name: round((after[name] - before[name]) / elapsed, 1) for name in names},
    }, indent=2))


if __name__ == "__main__":
    main()

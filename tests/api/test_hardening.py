"""The HTTP edge against hostile or careless clients (issue 16 item 8): ambiguous JSON,
request targets that are not UTF-8, one access-log line for every response (the parser's
refusals too), security headers, the header-read timeout, connection caps, operator-only
endpoints and the cap on unpaid orders."""

import json
import os
import http.client
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (HOST, ServerTestCase, assert_problem, product_body, uniq,  # noqa: E402
                     unique_email, PASSWORD)

USERS = "/api/v1/users"
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def raw_exchange(port, data, timeout=5.0):
    """Sends raw bytes on a fresh connection; returns (every byte answered, whether the
    server closed the connection) within `timeout`."""
    sock = socket.create_connection((HOST, port), timeout=timeout)
    try:
        sock.sendall(data)
        received = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                return received, True
            if not chunk:
                return received, True
            received += chunk
        return received, False
    finally:
        sock.close()


def split_response(raw):
    """(status, lower-cased headers, body) of one HTTP/1.1 response in `raw`."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


class EdgeTest(ServerTestCase):
    SERVER_ENV = {"EMPORIUM_SERVER_MAX_BODY_BYTES": "4096", "EMPORIUM_SERVER_MAX_HEADER_BYTES": "2048",
                  "EMPORIUM_SERVER_HEADER_TIMEOUT_MS": "1000", "EMPORIUM_SERVER_IDLE_TIMEOUT_MS": "30000"}

    def assert_valid_problem(self, raw, expected_status):
        status, headers, body = split_response(raw)
        text = body.decode("utf-8")  # raises on bytes that are not UTF-8
        return assert_problem(self, status, headers, json.loads(text), expected_status)

    # ---- ambiguous JSON ----------------------------------------------------------------

    def test_a_key_given_twice_is_refused_naming_it(self):
        body = ('{"email": "%s", "password": "%s", "password": "other-password-123"}'
                % (unique_email(), PASSWORD)).encode()
        status, h, raw = self.server.request("POST", USERS, body, headers={"Content-Type": "application/json"})
        doc = assert_problem(self, status, h, raw, 400)
        self.assertIn({"field": "password", "message": "is given twice"}, doc["errors"], doc)

    def test_nul_and_control_characters_in_text_are_refused(self):
        for name, control in (("Mallory\\u0000admin", "U+0000"), ("bell\\u0007", "U+0007")):
            with self.subTest(control=control):
                body = ('{"email": "%s", "password": "%s", "name": "%s"}'
                        % (unique_email(), PASSWORD, name)).encode()
                status, h, raw = self.server.request("POST", USERS, body,
                                                     headers={"Content-Type": "application/json"})
                doc = assert_problem(self, status, h, raw, 400)
                self.assertIn({"field": "name", "message": f"holds a control character ({control})"},
                              doc["errors"], doc)

    def test_an_array_past_the_limit_is_refused(self):
        body = json.dumps({"email": unique_email(), "password": PASSWORD, "name": "x",
                           "tags": [0] * 1001}).encode()
        big = EdgeTest.SERVER_ENV["EMPORIUM_SERVER_MAX_BODY_BYTES"]
        self.assertLess(len(body), int(big))
        status, h, raw = self.server.request("POST", USERS, body, headers={"Content-Type": "application/json"})
        doc = assert_problem(self, status, h, raw, 400)
        self.assertIn({"field": "tags", "message": "is past the limit of 1000 elements"}, doc["errors"], doc)

    # ---- request targets that are not UTF-8 ----------------------------------------------

    def test_a_target_with_raw_bytes_outside_ascii_is_400_valid_json(self):
        for target in (b"/api/v1/products/caf\xe9", b"/api/v1/products/\xff\xfe", b"/health/live?q=\xc3\x28"):
            with self.subTest(target=target):
                raw, closed = raw_exchange(self.server.port, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n")
                doc = self.assert_valid_problem(raw, 400)
                self.assertTrue(closed)
                self.assertTrue(doc["instance"].isascii(), doc)
                self.assertNotIn("\ufffd", doc["instance"])
        raw, _ = raw_exchange(self.server.port, b"GET /api/v1/products/caf\xe9 HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(self.assert_valid_problem(raw, 400)["instance"], "/api/v1/products/caf%E9")

    def test_percent_escapes_that_decode_to_no_text_are_400(self):
        for target in ("/api/v1/search?q=%FF", "/api/v1/search?q=a%00b", "/api/v1/search?q=line%0Abreak"):
            with self.subTest(target=target):
                status, h, raw = self.server.request("GET", target)
                doc = assert_problem(self, status, h, raw, 400)
                self.assertIn("percent-encoded", doc["detail"])
        raw, closed = raw_exchange(self.server.port, b"GET /api/v1/products/%C3%28 HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertIn("percent-encoded", self.assert_valid_problem(raw, 400)["detail"])
        self.assertTrue(closed)
        status, _, raw = self.server.request("GET", "/api/v1/search?q=caf%C3%A9+cr%C3%A8me")
        self.assertEqual(status, 200, raw[:300])

    # ---- one access-log line for every response -----------------------------------------

    def access_lines(self, request_id, wait=True):
        if wait:
            self.server.access_record(request_id)
        time.sleep(0.2)
        return [r for r in self.server.log_records()
                if r.get("event") == "access" and r.get("request_id") == request_id]

    def test_the_parsers_refusals_are_logged_once_each(self):
        cases = (
            (431, b"GET /health/live HTTP/1.1\r\nHost: x\r\nX-Request-Id: %s\r\nX-Big: " + b"a" * 4000 + b"\r\n\r\n"),
            (413, b"POST /api/v1/users HTTP/1.1\r\nHost: x\r\nX-Request-Id: %s\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 100000\r\n\r\n{}"),
            (400, b"GET /health/live HTTP/1.1\r\nHost: a\r\nHost: b\r\nX-Request-Id: %s\r\n\r\n"),
            (400, b"GET /health/live?\xff HTTP/1.1\r\nHost: a\r\nX-Request-Id: %s\r\n\r\n"),
        )
        for expected, template in cases:
            with self.subTest(status=expected):
                request_id = uniq("reject")
                raw, _ = raw_exchange(self.server.port, template.replace(b"%s", request_id.encode()))
                self.assert_valid_problem(raw, expected)
                lines = self.access_lines(request_id)
                self.assertEqual(len(lines), 1, lines)
                self.assertEqual(lines[0]["status"], expected, lines[0])
                self.assertEqual(lines[0]["route"], "unmatched", lines[0])

    def test_an_ordinary_request_is_logged_once(self):
        request_id = uniq("plain")
        status, _, _ = self.server.request("GET", "/health/live", headers={"X-Request-Id": request_id})
        self.assertEqual(status, 200)
        self.assertEqual(len(self.access_lines(request_id)), 1)

    def test_operator_endpoints_are_open_to_loopback_by_default(self):
        for path in ("/metrics", "/health/ready"):
            with self.subTest(path=path):
                status, _, raw = self.server.request("GET", path)
                self.assertEqual(status, 200, raw[:300])

    # ---- security headers ------------------------------------------------------------------

    def test_every_response_carries_the_security_headers(self):
        responses = [self.server.request("GET", "/health/live"),
                     self.server.request("GET", "/api/v1/nothing-here"),
                     self.server.request("POST", USERS, b"{", headers={"Content-Type": "application/json"})]
        raw, _ = raw_exchange(self.server.port, b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
        status, headers, _ = split_response(raw)
        self.assertEqual(status, 400)
        responses.append((status, headers, b""))
        for status, headers, _ in responses:
            with self.subTest(status=status):
                for name, value in SECURITY_HEADERS.items():
                    self.assertEqual(headers.get(name), value, headers)

    # ---- header-read and idle timeouts -------------------------------------------------------

    def test_a_trickled_header_is_cut_off_at_the_header_timeout(self):
        sock = socket.create_connection((HOST, self.server.port), timeout=10)
        try:
            started = time.monotonic()
            sock.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\n")  # never finished
            self.assertEqual(sock.recv(1024), b"")  # closed, with nothing to say to a client not listening
            elapsed = time.monotonic() - started
            self.assertGreater(elapsed, 0.8)
            self.assertLess(elapsed, 5.0, "the idle timeout (30 s), not the header timeout (1 s), applied")
        finally:
            sock.close()

    def test_an_idle_connection_outlives_the_header_timeout(self):
        sock = socket.create_connection((HOST, self.server.port), timeout=10)
        try:
            time.sleep(2.0)  # twice the header timeout, well within the idle timeout
            sock.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            received = b""
            while True:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                received += chunk
            self.assertTrue(received.startswith(b"HTTP/1.1 200 "), received[:200])
        finally:
            sock.close()


class ConnectionCapTest(ServerTestCase):
    PER_ADDRESS = 3
    SERVER_ENV = {"EMPORIUM_SERVER_MAX_CONNECTIONS_PER_ADDRESS": str(PER_ADDRESS)}

    def assert_closed_at_once(self):
        sock = socket.create_connection((HOST, self.server.port), timeout=5)
        try:
            started = time.monotonic()
            try:
                sock.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
                data = sock.recv(1024)
            except (ConnectionResetError, BrokenPipeError):
                data = b""
            self.assertEqual(data, b"", "a connection past the cap was served")
            self.assertLess(time.monotonic() - started, 2.0)
        finally:
            sock.close()

    def served(self, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            raw, _ = raw_exchange(self.server.port, b"GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            if raw.startswith(b"HTTP/1.1 200 "):
                return True
            time.sleep(0.1)  # the server notices a closed connection on its next read
        return False

    def test_connections_past_the_cap_per_address_are_closed_at_once(self):
        self.server._close_connections()  # the harness's keep-alive connection would count too
        self.assertTrue(self.served())
        held = [socket.create_connection((HOST, self.server.port), timeout=5) for _ in range(self.PER_ADDRESS)]
        try:
            # Each held connection is answered once, so the server has surely accepted it: its
            # event loops accept on sockets of their own, and under load one of them could
            # otherwise accept the next connection before another has taken a held one.
            for sock in held:
                sock.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
                self.assertTrue(sock.recv(1024).startswith(b"HTTP/1.1 200 "))
            self.assert_closed_at_once()
        finally:
            held.pop().close()
        try:
            self.assertTrue(self.served(), "a freed place was not given to a new connection")
        finally:
            for sock in held:
                sock.close()
        # The server frees a place when it notices a close, on its next read of that
        # connection: until then a new connection may still be over the cap.
        deadline = time.monotonic() + 5.0
        while True:
            try:
                status, _, text = self.server.request("GET", "/metrics")
                break
            except (ConnectionError, http.client.RemoteDisconnected):
                self.server._close_connections()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.assertEqual(status, 200)
        refused = [line for line in text.decode().splitlines()
                   if line.startswith("emporium_http_connections_refused_total ")]
        self.assertEqual(len(refused), 1)
        self.assertGreaterEqual(int(refused[0].split()[1]), 1)


class TotalConnectionCapTest(ConnectionCapTest):
    PER_ADDRESS = 2  # held sockets: the total cap is what they reach
    SERVER_ENV = {"EMPORIUM_SERVER_MAX_CONNECTIONS": "2", "EMPORIUM_SERVER_MAX_CONNECTIONS_PER_ADDRESS": "100"}


class OperatorNetworksTest(ServerTestCase):
    # The tests connect from 127.0.0.1, which is outside this list.
    SERVER_ENV = {"EMPORIUM_SERVER_OPERATOR_NETWORKS": "192.0.2.0/24, 2001:db8::/32"}

    def test_operator_endpoints_are_404_outside_the_operator_networks(self):
        for path in ("/metrics", "/health/ready"):
            with self.subTest(path=path):
                status, h, raw = self.server.request("GET", path)
                doc = assert_problem(self, status, h, raw, 404)
                self.assertEqual(doc["detail"], "No resource at this path.")
        status, _, raw = self.server.request("GET", "/health/live")
        self.assertEqual(status, 200, raw)


class UnpaidOrdersCapTest(ServerTestCase):
    SERVER_ENV = {"EMPORIUM_ORDERS_MAX_UNPAID_ORDERS_PER_USER": "2"}

    def test_unpaid_orders_past_the_cap_are_409_until_one_is_cancelled(self):
        admin = self.server.make_admin()
        status, _, product = self.server.json("POST", "/api/v1/admin/products", product_body(status="active"),
                                              token=admin)
        self.assertEqual(status, 201, product)
        sku = product["variants"][0]["sku"]
        status, _, _ = self.server.json("POST", f"/api/v1/admin/inventory/{sku}/adjustments",
                                        {"delta": 100, "reason": "stock"}, token=admin)
        self.assertLess(status, 300)
        _, token = self.server.new_customer()

        def place():
            status, _, cart = self.server.json("POST", "/api/v1/cart/items", {"sku": sku, "quantity": 1}, token=token)
            self.assertLess(status, 300, cart)
            return self.server.request("POST", "/api/v1/orders", {}, token=token)

        placed = []
        for _ in range(2):
            status, _, raw = place()
            self.assertEqual(status, 201, raw)
            placed.append(json.loads(raw)["id"])
        status, h, raw = place()
        doc = assert_problem(self, status, h, raw, 409)
        self.assertIn("unpaid orders", doc["detail"])
        status, _, raw = self.server.request("POST", f"/api/v1/orders/{placed[0]}/cancel", token=token)
        self.assertEqual(status, 200, raw)
        status, _, raw = self.server.request("POST", "/api/v1/orders", {}, token=token)  # the cart is still full
        self.assertEqual(status, 201, raw)


if __name__ == "__main__":
    unittest.main()

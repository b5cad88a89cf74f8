"""HTTP layer: malformed bodies, media types, size limit, unknown routes, 405,
request ids, keep-alive, health endpoints."""

import json
import os
import re
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import HOST, PASSWORD, ServerTestCase, on_postgres, assert_problem, uniq, unique_email  # noqa: E402

USERS = "/api/v1/users"
MAX_BODY = 4096


class HttpTest(ServerTestCase):
    SERVER_ENV = {"EMPORIUM_SERVER_MAX_BODY_BYTES": str(MAX_BODY)}

    def fresh(self, method, path, body=None, headers=None):
        """One request on its own connection (for requests after which the server may
        legitimately close the connection)."""
        conn = self.server.connection()
        try:
            return self.server.request(method, path, body, headers=headers, conn=conn)
        finally:
            conn.close()

    # ---- bodies ----------------------------------------------------------------------

    def test_malformed_json_400(self):
        for raw in (b'{"email": ', b"{email: 'x'}", b'{"email": "a@example.com",}', b"\xff\xfe{}",
                    b'{"email":"a@example.com","password":"' + PASSWORD.encode() + b'"} trailing'):
            with self.subTest(raw=raw):
                status, h, body = self.fresh("POST", USERS, raw, headers={"Content-Type": "application/json"})
                assert_problem(self, status, h, body, 400)

    def test_json_array_400_or_422(self):
        status, h, body = self.fresh("POST", USERS, b'[{"email":"a@example.com"}]')
        self.assertIn(status, (400, 422), body)
        assert_problem(self, status, h, body, status)

    def test_wrong_content_type_415(self):
        raw = json.dumps({"email": unique_email(), "password": PASSWORD}).encode()
        for ctype in ("text/plain", "application/x-www-form-urlencoded"):
            with self.subTest(ctype=ctype):
                status, h, body = self.fresh("POST", USERS, raw, headers={"Content-Type": ctype})
                assert_problem(self, status, h, body, 415)

    def test_json_with_charset_accepted(self):
        raw = json.dumps({"email": unique_email(), "password": PASSWORD}).encode()
        status, h, body = self.fresh("POST", USERS, raw,
                                     headers={"Content-Type": "application/json; charset=utf-8"})
        self.assertEqual(status, 201, body)

    def test_oversized_body_413(self):
        big = {"email": unique_email(), "password": PASSWORD, "name": "x" * 10_000}
        raw = json.dumps(big).encode()
        self.assertGreater(len(raw), 10_000)
        status, h, body = self.fresh("POST", USERS + "?from=test", raw, headers={
            "Content-Type": "application/json", "X-Request-Id": "too-large-1"})
        problem = assert_problem(self, status, h, body, 413)
        self.assertEqual(problem["instance"], USERS)  # the path, as on every other error
        self.assertEqual(h.get("x-request-id"), "too-large-1")
        # The server is still healthy afterwards.
        self.assertEqual(self.server.request("GET", "/health/live")[0], 200)

    def test_oversized_chunked_body_413(self):
        conn = self.server.connection()
        try:
            chunks = [b'{"email":"' + unique_email().encode() + b'","name":"'] + \
                     [b"y" * 1000 for _ in range(10)] + [b'"}']
            conn.request("POST", USERS, body=iter(chunks), encode_chunked=True,
                         headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
            resp = conn.getresponse()
            body = resp.read()
            headers = {k.lower(): v for k, v in resp.getheaders()}
            assert_problem(self, resp.status, headers, body, 413)
        finally:
            conn.close()

    def test_body_within_limit_is_not_413(self):
        # ~3 KB: under the limit, so the server must read and validate it (name > 100 -> 422).
        raw = json.dumps({"email": unique_email(), "password": PASSWORD, "name": "x" * 3000}).encode()
        self.assertLess(len(raw), MAX_BODY)
        status, h, body = self.fresh("POST", USERS, raw)
        assert_problem(self, status, h, body, 422)

    # ---- routing ---------------------------------------------------------------------

    def test_unknown_route_404_problem(self):
        # (A GET of another unknown path is the storefront's page shell: test_storefront.)
        for method, path in (("GET", "/api/v1/no-such-thing"), ("GET", "/api/nope"), ("GET", "/health/nope"),
                             ("POST", "/api/v1/no-such-thing"), ("GET", "/api/v2/products")):
            with self.subTest(method=method, path=path):
                body = {} if method == "POST" else None
                status, h, raw = self.server.request(method, path, body)
                assert_problem(self, status, h, raw, 404)

    def test_wrong_method_405_with_allow(self):
        for method, path, must_allow in (("PUT", "/api/v1/products", "GET"),
                                         ("DELETE", "/api/v1/users", "POST"),
                                         ("POST", "/health/live", "GET"),
                                         ("PUT", "/api/v1/users/me", "PATCH")):
            with self.subTest(method=method, path=path):
                status, h, raw = self.server.request(method, path, {} if method in ("PUT", "POST") else None)
                assert_problem(self, status, h, raw, 405)
                allow = [m.strip().upper() for m in h.get("allow", "").split(",") if m.strip()]
                self.assertIn(must_allow, allow, f"Allow header: {h.get('allow')!r}")
                self.assertNotIn(method, allow)

    # ---- tracing ---------------------------------------------------------------------

    def test_request_id_generated(self):
        ids = set()
        for _ in range(3):
            status, h, _ = self.server.request("GET", "/health/live")
            rid = h.get("x-request-id", "")
            self.assertTrue(rid, f"no X-Request-Id: {h}")
            ids.add(rid)
        self.assertEqual(len(ids), 3, "generated request ids must differ")

    def test_request_id_echoed(self):
        for path, expected in (("/health/live", 200), ("/api/v1/no-such-thing", 404)):
            with self.subTest(path=path):
                rid = "test-req-1234abcd"
                status, h, _ = self.server.request("GET", path, headers={"X-Request-Id": rid})
                self.assertEqual(status, expected)
                self.assertEqual(h.get("x-request-id"), rid)

    def test_traceparent_accepted(self):
        # The server answers no trace header; it writes the W3C trace id into the request's
        # access log line (field trace_id), which the harness captures.
        trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
        rid = uniq("tp-")
        status, h, _ = self.server.request("GET", "/health/live", headers={
            "traceparent": f"00-{trace_id}-00f067aa0ba902b7-01", "X-Request-Id": rid})
        self.assertEqual(status, 200)
        record = self.server.access_record(rid)
        self.assertEqual(record.get("trace_id"), trace_id, record)
        self.assertEqual((record.get("path"), record.get("status")), ("/health/live", 200), record)

        for name, tp in (("garbage", "garbage"),
                         ("upper-case hex", f"00-{trace_id.upper()}-00f067aa0ba902b7-01"),
                         ("all-zero trace id", "00-" + "0" * 32 + "-00f067aa0ba902b7-01"),
                         ("truncated", f"00-{trace_id}-00f067aa0ba902b7")):
            with self.subTest(traceparent=name):
                rid = uniq("tp-bad-")
                status, h, _ = self.server.request("GET", "/health/live",
                                                   headers={"traceparent": tp, "X-Request-Id": rid})
                self.assertEqual(status, 200, "a malformed traceparent is ignored, not an error")
                record = self.server.access_record(rid)
                self.assertNotIn("trace_id", record, f"a trace id was taken from {tp!r}: {record}")

    # ---- connections -----------------------------------------------------------------

    def test_keep_alive_100_requests(self):
        conn = self.server.connection()
        try:
            conn.connect()
            sock = conn.sock
            for i in range(100):
                path = "/health/live" if i % 2 else "/api/v1/products?limit=1"
                status, h, body = self.server.request("GET", path, conn=conn)
                self.assertEqual(status, 200, f"request {i}: {body[:200]}")
                self.assertNotEqual(h.get("connection", "").lower(), "close", f"request {i}")
                self.assertIs(conn.sock, sock, f"connection was not kept alive at request {i}")
        finally:
            conn.close()

    def test_keep_alive_after_error_responses(self):
        conn = self.server.connection()
        try:
            conn.connect()
            sock = conn.sock
            for method, path, body in (("GET", "/api/nope", None), ("POST", USERS, {"bad": 1}),
                                       ("GET", "/api/v1/users/me", None), ("GET", "/health/live", None)):
                status, h, _ = self.server.request(method, path, body, conn=conn)
                self.assertLess(status, 500)
                self.assertIs(conn.sock, sock, f"connection closed after {method} {path} -> {status}")
        finally:
            conn.close()

    # ---- framing (RFC 9112 §6) and ambiguous headers ---------------------------------

    def raw_exchange(self, head, body=b""):
        """Sends raw bytes on a fresh connection; returns every byte the server sent back
        until it closed (or 5 s passed)."""
        sock = socket.create_connection((HOST, self.server.port), timeout=5)
        try:
            sock.sendall(head.encode("latin-1") + body)
            received = b""
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                try:
                    chunk = sock.recv(65536)
                except socket.timeout:
                    break
                if not chunk:
                    return received, True
                received += chunk
            return received, False
        finally:
            sock.close()

    def assert_refused_alone(self, head, body=b""):
        """One 400 problem answers the request, nothing answers the bytes after it (a
        smuggled second request), and the server closes the connection."""
        received, closed = self.raw_exchange(head, body)
        self.assertTrue(received.startswith(b"HTTP/1.1 400 "), received[:200])
        status_lines = re.findall(rb"(?:^|\r\n)HTTP/1\.[01] \d{3} ", received)
        self.assertEqual(len(status_lines), 1, f"the smuggled request was answered: {received!r}")
        self.assertIn(b"application/problem+json", received)
        self.assertTrue(closed, "the connection stayed open after an ambiguous request")

    SMUGGLED = "GET /api/v1/users/me HTTP/1.1\r\nHost: x\r\n\r\n"

    def test_transfer_encoding_not_ending_in_chunked_is_refused(self):
        for codings in ("chunked, identity", "identity", "gzip"):
            with self.subTest(codings=codings):
                self.assert_refused_alone(
                    f"POST {USERS} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    f"Transfer-Encoding: {codings}\r\n\r\n{self.SMUGGLED}")

    def test_transfer_encoding_with_content_length_is_refused(self):
        body = f"0\r\n\r\n{self.SMUGGLED}"
        self.assert_refused_alone(
            f"POST {USERS} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Transfer-Encoding: chunked\r\nContent-Length: {len(body)}\r\n\r\n{body}")

    def test_http11_without_host_or_with_two_is_refused(self):
        self.assert_refused_alone("GET /health/live HTTP/1.1\r\n\r\n")
        self.assert_refused_alone("GET /health/live HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")

    def test_two_authorization_headers_are_refused(self):
        self.assert_refused_alone(
            "GET /api/v1/users/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\r\n"
            "Authorization: Bearer b\r\n\r\n")

    def test_chunked_and_plain_requests_still_work(self):
        received, _ = self.raw_exchange(
            "POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
        self.assertTrue(received.startswith(b"HTTP/1.1 4"), received[:200])  # read and judged: 400/422
        self.assertNotIn(b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/problem+json\r\n\r\n", received)
        received, _ = self.raw_exchange("GET /health/live HTTP/1.0\r\n\r\n")  # 1.0 needs no Host
        self.assertTrue(received.startswith(b"HTTP/1.0 200") or received.startswith(b"HTTP/1.1 200"), received[:200])

    # ---- health ----------------------------------------------------------------------

    def test_health_live(self):
        status, h, doc = self.server.json("GET", "/health/live")
        self.assertEqual(status, 200)
        self.assertTrue(h.get("content-type", "").startswith("application/json"), h)
        self.assertEqual(doc, {"status": "ok"})

    def test_health_ready(self):
        status, h, doc = self.server.json("GET", "/health/ready")
        self.assertEqual(status, 200, doc)
        self.assertEqual(doc["status"], "ok")
        self.assertIsInstance(doc["checks"], dict)
        self.assertTrue(doc["checks"], "checks must not be empty")
        if on_postgres():
            # The primary and every order server (the replica is optional: reads fall back).
            for check in ("postgres_primary", "postgres_orders-1", "postgres_orders-2"):
                self.assertEqual(doc["checks"].get(check), "ok", doc)
        else:
            # The embedded shop keeps every service's tables in one database file.
            self.assertEqual(doc["checks"].get("emporium_db"), "ok", doc)


if __name__ == "__main__":
    unittest.main()

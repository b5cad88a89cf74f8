"""HTTP layer: malformed bodies, media types, size limit, unknown routes, 405,
request ids, keep-alive, health endpoints."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import PASSWORD, ServerTestCase, on_postgres, assert_problem, uniq, unique_email  # noqa: E402

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
        for method, path in (("GET", "/api/v1/no-such-thing"), ("GET", "/nope"),
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
            for method, path, body in (("GET", "/nope", None), ("POST", USERS, {"bad": 1}),
                                       ("GET", "/api/v1/users/me", None), ("GET", "/health/live", None)):
                status, h, _ = self.server.request(method, path, body, conn=conn)
                self.assertLess(status, 500)
                self.assertIs(conn.sock, sock, f"connection closed after {method} {path} -> {status}")
        finally:
            conn.close()

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

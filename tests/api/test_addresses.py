"""Addresses: CRUD, validation, ownership (another user's address is 404), auth."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (ServerTestCase, assert_field_error, assert_problem,  # noqa: E402
                     assert_rfc3339)

BASE = "/api/v1/users/me/addresses"


def address(**over):
    a = {"name": "Alice Liddell", "line1": "1 Main Street", "city": "Springfield",
         "postal_code": "12345", "country": "US"}
    a.update(over)
    return a


class AddressesTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_a, cls.token_a = cls.server.new_customer("A")
        cls.user_b, cls.token_b = cls.server.new_customer("B")

    def create(self, token, **over):
        status, h, a = self.server.json("POST", BASE, address(**over), token=token)
        self.assertEqual(status, 201, a)
        return a

    def test_crud(self):
        status, h, a = self.server.json("POST", BASE, address(line2="Apt 4", phone="+1 555 0100"),
                                        token=self.token_a)
        self.assertEqual(status, 201, a)
        self.assertTrue(a["id"].startswith("adr_"), a["id"])
        loc = h.get("location", "")
        self.assertTrue(loc.endswith(f"{BASE}/{a['id']}"), f"Location {loc!r}")
        for k, v in address(line2="Apt 4", phone="+1 555 0100").items():
            self.assertEqual(a[k], v, k)
        self.assertEqual(a["region"], "", "absent optional strings come back as \"\"")
        self.assertIsInstance(a["is_default"], bool)
        assert_rfc3339(self, a["created_at"], "created_at")
        assert_rfc3339(self, a["updated_at"], "updated_at")

        status, h, got = self.server.json("GET", f"{BASE}/{a['id']}", token=self.token_a)
        self.assertEqual(status, 200, got)
        self.assertEqual(got, a)

        status, h, lst = self.server.json("GET", BASE, token=self.token_a)
        self.assertEqual(status, 200, lst)
        self.assertIn(a["id"], [x["id"] for x in lst["items"]])
        self.assertIsNone(lst["next_cursor"])

        status, h, p = self.server.json("PATCH", f"{BASE}/{a['id']}",
                                        {"city": "Shelbyville", "region": "IL"}, token=self.token_a)
        self.assertEqual(status, 200, p)
        self.assertEqual(p["city"], "Shelbyville")
        self.assertEqual(p["region"], "IL")
        self.assertEqual(p["line1"], a["line1"], "PATCH must keep fields it did not name")
        self.assertEqual(p["line2"], "Apt 4")
        self.assertEqual(p["created_at"], a["created_at"])
        self.assertGreaterEqual(p["updated_at"], a["updated_at"])
        status, h, got = self.server.json("GET", f"{BASE}/{a['id']}", token=self.token_a)
        self.assertEqual(got["city"], "Shelbyville")

        status, h, body = self.server.request("DELETE", f"{BASE}/{a['id']}", token=self.token_a)
        self.assertEqual(status, 204, body)
        self.assertEqual(body, b"")
        status, h, body = self.server.request("GET", f"{BASE}/{a['id']}", token=self.token_a)
        assert_problem(self, status, h, body, 404)
        status, h, body = self.server.request("DELETE", f"{BASE}/{a['id']}", token=self.token_a)
        assert_problem(self, status, h, body, 404)
        status, h, lst = self.server.json("GET", BASE, token=self.token_a)
        self.assertNotIn(a["id"], [x["id"] for x in lst["items"]])

    def test_validation_422(self):
        cases = [
            ("country", address(country="usa")),
            ("country", address(country="us")),
            ("country", address(country="U1")),
            ("name", address(name="")),
            ("postal_code", address(postal_code="1" * 21)),
            ("line1", address(line1="x" * 201)),
            ("phone", address(phone="1" * 31)),
        ]
        for field, body in cases:
            with self.subTest(field=field, value=body.get(field)):
                status, h, raw = self.server.request("POST", BASE, body, token=self.token_a)
                doc = assert_problem(self, status, h, raw, 422)
                assert_field_error(self, doc, field)

    def test_missing_line1_400_or_422(self):
        body = address()
        del body["line1"]
        status, h, raw = self.server.request("POST", BASE, body, token=self.token_a)
        self.assertIn(status, (400, 422), raw)
        doc = assert_problem(self, status, h, raw, status)
        if status == 422:
            assert_field_error(self, doc, "line1")

    def test_unknown_field_400(self):
        status, h, raw = self.server.request("POST", BASE, address(street="x"), token=self.token_a)
        assert_problem(self, status, h, raw, 400)
        status, h, raw = self.server.request("GET", BASE + "?foo=1", token=self.token_a)  # all 20 at most: no paging
        assert_problem(self, status, h, raw, 400)

    def test_patch_validation(self):
        a = self.create(self.token_a)
        status, h, raw = self.server.request("PATCH", f"{BASE}/{a['id']}", {"country": "usa"},
                                             token=self.token_a)
        doc = assert_problem(self, status, h, raw, 422)
        assert_field_error(self, doc, "country")
        status, h, raw = self.server.request("PATCH", f"{BASE}/{a['id']}", {}, token=self.token_a)
        assert_problem(self, status, h, raw, 422)  # AddressUpdate: a non-empty subset
        status, h, got = self.server.json("GET", f"{BASE}/{a['id']}", token=self.token_a)
        self.assertEqual(got["country"], "US", "a rejected PATCH must change nothing")

    def test_ownership(self):
        a = self.create(self.token_a, city="Private City")
        path = f"{BASE}/{a['id']}"
        status, h, raw = self.server.request("GET", path, token=self.token_b)
        assert_problem(self, status, h, raw, 404)
        self.assertNotIn(b"Private City", raw)
        status, h, raw = self.server.request("PATCH", path, {"city": "Hijacked"}, token=self.token_b)
        assert_problem(self, status, h, raw, 404)
        status, h, raw = self.server.request("DELETE", path, token=self.token_b)
        assert_problem(self, status, h, raw, 404)
        status, h, lst = self.server.json("GET", BASE, token=self.token_b)
        self.assertEqual(status, 200)
        self.assertNotIn(a["id"], [x["id"] for x in lst["items"]])
        # A's address is untouched.
        status, h, got = self.server.json("GET", path, token=self.token_a)
        self.assertEqual(status, 200, got)
        self.assertEqual(got["city"], "Private City")
        # Not-owned and non-existent look the same.
        status, h, raw2 = self.server.request("GET", f"{BASE}/adr_doesnotexist0000", token=self.token_b)
        assert_problem(self, status, h, raw2, 404)

    def test_unauthenticated_401(self):
        a = self.create(self.token_a)
        for method, path, body in (("GET", BASE, None), ("POST", BASE, address()),
                                   ("GET", f"{BASE}/{a['id']}", None),
                                   ("PATCH", f"{BASE}/{a['id']}", {"city": "X"}),
                                   ("DELETE", f"{BASE}/{a['id']}", None)):
            with self.subTest(method=method, path=path):
                status, h, raw = self.server.request(method, path, body)
                assert_problem(self, status, h, raw, 401)
                self.assertIn("www-authenticate", h)
        status, h, got = self.server.json("GET", f"{BASE}/{a['id']}", token=self.token_a)
        self.assertEqual(status, 200, "an unauthenticated DELETE must not delete")

    def test_at_most_20_per_user(self):
        user, token = self.server.new_customer()
        for i in range(20):
            self.create(token, name=f"Addr {i}")
        status, h, raw = self.server.request("POST", BASE, address(), token=token)
        self.assertIn(status, (409, 422), f"the 21st address must be refused: {status} {raw[:300]}")
        assert_problem(self, status, h, raw, status)
        status, h, lst = self.server.json("GET", BASE, token=token)
        self.assertEqual(len(lst["items"]), 20)
        self.assertIsNone(lst["next_cursor"])


if __name__ == "__main__":
    unittest.main()

"""Sessions for pages (issue 17): the login's HttpOnly session cookie signs a browser in,
and a request that changes something must repeat the CSRF cookie in X-CSRF-Token."""

import unittest

from harness import PASSWORD, ServerTestCase, assert_problem, unique_email


def set_cookies(headers):
    """{name: (value, attributes lower-cased)} from the response's Set-Cookie fields."""
    cookies = {}
    # The harness joins repeated fields with ", "; our cookies hold no comma.
    for field in headers.get("set-cookie", "").split(", "):
        if not field:
            continue
        pair, _, attributes = field.partition(";")
        name, _, value = pair.partition("=")
        cookies[name.strip()] = (value.strip(), attributes.lower())
    return cookies


class SessionCookieTest(ServerTestCase):
    def login(self, email=None):
        email = email or unique_email("cookie")
        self.server.signup(email)
        status, h, body = self.server.json("POST", "/api/v1/sessions",
                                           {"email": email, "password": PASSWORD, "session_cookie": True})
        self.assertEqual(status, 201, body)
        cookies = set_cookies(h)
        self.assertIn("emporium_session", cookies, h)
        self.assertIn("emporium_csrf", cookies, h)
        return body, cookies

    def cookie_header(self, cookies, csrf=True):
        header = "emporium_session=" + cookies["emporium_session"][0]
        if csrf:
            header += "; emporium_csrf=" + cookies["emporium_csrf"][0]
        return header

    def test_login_sets_an_httponly_strict_session_cookie_and_a_readable_csrf_cookie(self):
        body, cookies = self.login()
        token, attributes = cookies["emporium_session"]
        self.assertEqual(token, body["token"])
        for attribute in ("httponly", "samesite=strict", "path=/", "max-age="):
            self.assertIn(attribute, attributes)
        csrf, csrf_attributes = cookies["emporium_csrf"]
        self.assertGreaterEqual(len(csrf), 32)
        self.assertNotEqual(csrf, token)
        self.assertNotIn("httponly", csrf_attributes)  # our pages' script must read it
        self.assertIn("samesite=strict", csrf_attributes)

    def test_a_login_that_does_not_ask_for_cookies_sets_none(self):
        email = unique_email("nocookie")
        self.server.signup(email)
        status, h, body = self.server.json("POST", "/api/v1/sessions", {"email": email, "password": PASSWORD})
        self.assertEqual(status, 201, body)
        self.assertNotIn("set-cookie", h)

    def test_the_cookie_alone_signs_in_reads(self):
        body, cookies = self.login()
        status, _, me = self.server.json("GET", "/api/v1/users/me",
                                         headers={"Cookie": self.cookie_header(cookies, csrf=False)})
        self.assertEqual(status, 200, me)
        self.assertEqual(me["id"], body["user"]["id"])

    def test_a_change_signed_in_by_cookie_needs_the_csrf_header(self):
        _, cookies = self.login()
        cookie = self.cookie_header(cookies)
        for headers in ({"Cookie": cookie}, {"Cookie": cookie, "X-CSRF-Token": "forged"}):
            status, h, raw = self.server.request("PATCH", "/api/v1/users/me", {"name": "Mallory"}, headers=headers)
            doc = assert_problem(self, status, h, raw, 403)
            self.assertIn("X-CSRF-Token", doc["detail"])
        status, _, me = self.server.json("GET", "/api/v1/users/me", headers={"Cookie": cookie})
        self.assertNotEqual(me.get("name"), "Mallory")
        status, _, me = self.server.json("PATCH", "/api/v1/users/me", {"name": "Alice"},
                                         headers={"Cookie": cookie, "X-CSRF-Token": cookies["emporium_csrf"][0]})
        self.assertEqual(status, 200, me)
        self.assertEqual(me["name"], "Alice")

    def test_a_guest_route_signed_in_by_cookie_needs_the_csrf_header_too(self):
        admin = self.server.make_admin()
        sku = self.server.stocked_sku(admin, 5)
        _, cookies = self.login()
        cookie = self.cookie_header(cookies)
        status, h, raw = self.server.request("POST", "/api/v1/cart/items", {"sku": sku, "quantity": 1},
                                             headers={"Cookie": cookie})
        assert_problem(self, status, h, raw, 403)
        status, _, cart = self.server.json("GET", "/api/v1/cart", headers={"Cookie": cookie})
        self.assertEqual(status, 200, cart)
        self.assertEqual(cart["items"], [])
        status, _, cart = self.server.json("POST", "/api/v1/cart/items", {"sku": sku, "quantity": 1},
                                           headers={"Cookie": cookie, "X-CSRF-Token": cookies["emporium_csrf"][0]})
        self.assertEqual(status, 201, cart)
        self.assertEqual([line["sku"] for line in cart["items"]], [sku])

    def test_a_bearer_token_needs_no_csrf_header(self):
        body, cookies = self.login()
        status, _, me = self.server.json("PATCH", "/api/v1/users/me", {"name": "Bob"}, token=body["token"],
                                         headers={"Cookie": self.cookie_header(cookies)})
        self.assertEqual(status, 200, me)

    def test_logout_by_cookie_revokes_the_session_and_expires_both_cookies(self):
        _, cookies = self.login()
        cookie = self.cookie_header(cookies)
        status, h, _ = self.server.request("DELETE", "/api/v1/sessions/current",
                                           headers={"Cookie": cookie, "X-CSRF-Token": cookies["emporium_csrf"][0]})
        self.assertEqual(status, 204)
        expired = set_cookies(h)
        for name in ("emporium_session", "emporium_csrf"):
            self.assertEqual(expired[name][0], "")
            self.assertIn("max-age=0", expired[name][1])
        # The revoked cookie no longer signs in, and the answer drops it.
        status, h, raw = self.server.request("GET", "/api/v1/users/me", headers={"Cookie": cookie})
        assert_problem(self, status, h, raw, 401)
        self.assertIn("max-age=0", set_cookies(h)["emporium_session"][1])

    def test_an_unknown_cookie_is_refused_like_an_unknown_token(self):
        status, h, raw = self.server.request("GET", "/api/v1/users/me",
                                             headers={"Cookie": "emporium_session=not-a-session"})
        assert_problem(self, status, h, raw, 401)


if __name__ == "__main__":
    unittest.main()

"""Users and sessions: signup, login, logout, /users/me."""

import datetime
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (PASSWORD, TOKEN_RE, ServerTestCase, assert_field_error,  # noqa: E402
                     assert_problem, assert_rfc3339, uniq, unique_email)

USERS = "/api/v1/users"
SESSIONS = "/api/v1/sessions"
ME = "/api/v1/users/me"


def parse_time(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


class UsersTest(ServerTestCase):

    def signup_raw(self, body, headers=None):
        return self.server.request("POST", USERS, body, headers=headers)

    # ---- signup ----------------------------------------------------------------------

    def test_signup_normalises_email_and_hides_password(self):
        local = f"Alice.{uniq('')}"
        raw_email = f"  {local}@Example.COM "
        status, h, user = self.server.json("POST", USERS, {"email": raw_email, "password": PASSWORD,
                                                          "name": "Alice"})
        self.assertEqual(status, 201, user)
        self.assertTrue(h.get("content-type", "").startswith("application/json"), h)
        self.assertTrue(h.get("location"), f"201 without Location: {h}")
        self.assertEqual(user["email"], f"{local.lower()}@example.com")
        self.assertEqual(user["role"], "customer")
        self.assertEqual(user["name"], "Alice")
        self.assertIsInstance(user["id"], str)
        self.assertTrue(user["id"].startswith("usr_"), user["id"])
        assert_rfc3339(self, user["created_at"], "created_at")
        self.assertEqual(set(user), {"id", "email", "name", "role", "created_at"})
        status, h, raw = self.server.request("POST", USERS, {"email": unique_email(),
                                                             "password": "Zq9-secret-pass"})
        self.assertEqual(status, 201, raw)
        self.assertNotIn(b"Zq9-secret-pass", raw)
        self.assertNotIn(b"password", raw.lower())
        self.assertNotIn(b"argon2", raw.lower())

    def test_signup_name_defaults_to_empty(self):
        user = self.server.signup(unique_email())
        self.assertEqual(user["name"], "")

    def test_duplicate_email_409_case_insensitive(self):
        email = unique_email("dup")
        self.server.signup(email)
        status, h, body = self.signup_raw({"email": email, "password": PASSWORD})
        assert_problem(self, status, h, body, 409)
        status, h, body = self.signup_raw({"email": "  " + email.upper() + " ", "password": PASSWORD})
        assert_problem(self, status, h, body, 409)

    def test_invalid_email_422(self):
        for bad in ("not-an-email", "user@", "@example.com", "user@nodot",
                    ("a" * 250) + "@example.com", ""):
            with self.subTest(email=bad):
                status, h, body = self.signup_raw({"email": bad, "password": PASSWORD})
                doc = assert_problem(self, status, h, body, 422)
                self.assertIn("email", [e["field"] for e in doc.get("errors", [])], doc)

    def test_password_rules_422(self):
        cases = {
            "short": "short",
            "nine": "123456789",
            "too long": "x" * 129,
        }
        for what, pw in cases.items():
            with self.subTest(what):
                status, h, body = self.signup_raw({"email": unique_email(), "password": pw})
                doc = assert_problem(self, status, h, body, 422)
                assert_field_error(self, doc, "password")
        email = unique_email("samepw")
        status, h, body = self.signup_raw({"email": email, "password": email})
        doc = assert_problem(self, status, h, body, 422)
        assert_field_error(self, doc, "password")

    def test_password_length_boundaries_accepted(self):
        for pw in ("a" * 10, "b" * 128):
            with self.subTest(len=len(pw)):
                status, h, body = self.signup_raw({"email": unique_email(), "password": pw})
                self.assertEqual(status, 201, body)

    def test_name_too_long_422(self):
        status, h, body = self.signup_raw({"email": unique_email(), "password": PASSWORD,
                                           "name": "n" * 101})
        doc = assert_problem(self, status, h, body, 422)
        assert_field_error(self, doc, "name")

    def test_unknown_field_400(self):
        status, h, body = self.signup_raw({"email": unique_email(), "password": PASSWORD,
                                           "nmae": "typo"})
        assert_problem(self, status, h, body, 400)

    def test_missing_field_400_or_422(self):
        for body in ({"email": unique_email()}, {"password": PASSWORD}, {}):
            with self.subTest(body=body):
                status, h, raw = self.signup_raw(body)
                self.assertIn(status, (400, 422), raw)
                assert_problem(self, status, h, raw, status)

    def test_wrong_type_400(self):
        status, h, body = self.signup_raw({"email": 12345, "password": PASSWORD})
        assert_problem(self, status, h, body, 400)

    # ---- sessions --------------------------------------------------------------------

    def test_login_returns_token_and_expiry(self):
        email = unique_email("login")
        user = self.server.signup(email, PASSWORD, "Lo")
        status, h, s = self.server.json("POST", SESSIONS, {"email": email, "password": PASSWORD})
        self.assertEqual(status, 201, s)
        self.assertRegex(s["token"], TOKEN_RE)
        self.assertEqual(s["token_type"], "Bearer")
        assert_rfc3339(self, s["expires_at"], "expires_at")
        ttl = parse_time(s["expires_at"]) - datetime.datetime.now(datetime.timezone.utc)
        self.assertTrue(datetime.timedelta(days=29) < ttl < datetime.timedelta(days=31),
                        f"default session lifetime should be 30 days, got {ttl}")
        self.assertEqual(s["user"]["id"], user["id"])
        self.assertEqual(s["user"]["email"], email)
        self.assertFalse([k for k in s["user"] if "password" in k], s["user"])
        # Two logins give two different tokens.
        self.assertNotEqual(self.server.login(email), s["token"])

    def test_wrong_password_and_unknown_email_look_the_same(self):
        email = unique_email("enum")
        self.server.signup(email)
        st1, h1, b1 = self.server.request("POST", SESSIONS, {"email": email,
                                                             "password": "wrong-password-1"})
        p1 = assert_problem(self, st1, h1, b1, 401)
        st2, h2, b2 = self.server.request("POST", SESSIONS, {"email": unique_email("nobody"),
                                                             "password": "wrong-password-1"})
        p2 = assert_problem(self, st2, h2, b2, 401)
        self.assertEqual(p1["detail"], p2["detail"], "login errors must not reveal which emails exist")
        self.assertEqual(p1["title"], p2["title"])
        self.assertEqual(p1["type"], p2["type"])

    def test_login_unknown_field_400(self):
        status, h, body = self.server.request("POST", SESSIONS, {"email": unique_email(),
                                                                 "password": PASSWORD, "remember": True})
        assert_problem(self, status, h, body, 400)

    # ---- /users/me -------------------------------------------------------------------

    def test_me_with_and_without_token(self):
        user, token = self.server.new_customer("Me")
        status, h, me = self.server.json("GET", ME, token=token)
        self.assertEqual(status, 200, me)
        self.assertEqual(me["id"], user["id"])
        self.assertEqual(me["email"], user["email"])
        cc = h.get("cache-control", "")
        self.assertTrue("private" in cc or "no-store" in cc,
                        f"user-specific response needs Cache-Control private/no-store, got {cc!r}")

        status, h, body = self.server.request("GET", ME)
        assert_problem(self, status, h, body, 401)
        self.assertTrue(h.get("www-authenticate", "").lower().startswith("bearer"),
                        f"401 needs WWW-Authenticate: Bearer, got {h.get('www-authenticate')!r}")

    def test_garbage_tokens_401(self):
        for auth in ("Bearer garbage", "Bearer " + "A" * 43, "Bearer ", "Basic dXNlcjpwYXNz",
                     "bearer"):
            with self.subTest(auth=auth):
                status, h, body = self.server.request("GET", ME, headers={"Authorization": auth})
                assert_problem(self, status, h, body, 401)
                self.assertIn("www-authenticate", h)

    def test_logout_revokes_only_that_token(self):
        email = unique_email("logout")
        self.server.signup(email)
        t1 = self.server.login(email)
        t2 = self.server.login(email)
        status, h, body = self.server.request("DELETE", "/api/v1/sessions/current", token=t1)
        self.assertEqual(status, 204, body)
        self.assertEqual(body, b"")
        status, h, body = self.server.request("GET", ME, token=t1)
        assert_problem(self, status, h, body, 401)
        status, h, body = self.server.request("DELETE", "/api/v1/sessions/current", token=t1)
        assert_problem(self, status, h, body, 401)
        status, h, me = self.server.json("GET", ME, token=t2)
        self.assertEqual(status, 200, "logout must revoke only the presented token")

    def test_logout_without_token_401(self):
        status, h, body = self.server.request("DELETE", "/api/v1/sessions/current")
        assert_problem(self, status, h, body, 401)

    def test_patch_me_name(self):
        user, token = self.server.new_customer("Before")
        status, h, me = self.server.json("PATCH", ME, {"name": "After Name"}, token=token)
        self.assertEqual(status, 200, me)
        self.assertEqual(me["name"], "After Name")
        self.assertEqual(me["email"], user["email"])
        status, h, me = self.server.json("GET", ME, token=token)
        self.assertEqual(me["name"], "After Name")

    def test_patch_me_validation(self):
        user, token = self.server.new_customer()
        status, h, body = self.server.request("PATCH", ME, {"name": "n" * 101}, token=token)
        doc = assert_problem(self, status, h, body, 422)
        assert_field_error(self, doc, "name")
        status, h, body = self.server.request("PATCH", ME, {"role": "admin"}, token=token)
        assert_problem(self, status, h, body, 400)
        status, h, body = self.server.request("PATCH", ME, {}, token=token)  # UserUpdate requires name
        assert_field_error(self, assert_problem(self, status, h, body, 422), "name")
        status, h, me = self.server.json("GET", ME, token=token)
        self.assertEqual(me["role"], "customer")
        status, h, body = self.server.request("PATCH", ME, {"name": "x"})
        assert_problem(self, status, h, body, 401)

    def test_admin_cli_creates_admin(self):
        email = unique_email("adm")
        token = self.server.make_admin(email, PASSWORD, name="Ops")
        status, h, me = self.server.json("GET", ME, token=token)
        self.assertEqual(status, 200, me)
        self.assertEqual(me["role"], "admin")
        self.assertEqual(me["email"], email)

    def test_admin_cli_promotes_existing_user(self):
        user, token = self.server.new_customer()
        self.server.cli("admin", "create", "--email", user["email"], "--password", PASSWORD)
        token = self.server.login(user["email"])
        status, h, me = self.server.json("GET", ME, token=token)
        self.assertEqual(me["role"], "admin")
        self.assertEqual(me["id"], user["id"])


if __name__ == "__main__":
    unittest.main()

"""Dead letters: the admin list is empty on a fresh server, replay of an unknown id is 404,
and both endpoints are admin-only."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ServerTestCase, assert_problem  # noqa: E402

DEAD_LETTERS = "/api/v1/admin/dead-letters"


class DeadLettersTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.server.make_admin()
        cls.customer_user, cls.customer = cls.server.new_customer()

    def test_empty_on_fresh_server(self):
        status, h, doc = self.server.json("GET", DEAD_LETTERS, token=self.admin)
        self.assertEqual(status, 200, doc)
        self.assertTrue(h.get("content-type", "").startswith("application/json"), h)
        self.assertEqual(doc, {"items": [], "next_cursor": None})
        for q in ("limit=1", "limit=100"):
            with self.subTest(q=q):
                status, h, doc = self.server.json("GET", f"{DEAD_LETTERS}?{q}", token=self.admin)
                self.assertEqual(status, 200, doc)
                self.assertEqual(doc, {"items": [], "next_cursor": None})

    def test_bad_limit_400(self):
        for q in ("limit=0", "limit=101", "limit=-1", "limit=abc"):
            with self.subTest(q=q):
                status, h, raw = self.server.request("GET", f"{DEAD_LETTERS}?{q}", token=self.admin)
                assert_problem(self, status, h, raw, 400)

    def test_replay_unknown_404(self):
        for dl_id in ("dlq_unknown", "dlq_00000000000000000000", "not-a-dead-letter-id"):
            with self.subTest(id=dl_id):
                status, h, raw = self.server.request("POST", f"{DEAD_LETTERS}/{dl_id}/replay",
                                                     token=self.admin)
                assert_problem(self, status, h, raw, 404)
        status, h, doc = self.server.json("GET", DEAD_LETTERS, token=self.admin)
        self.assertEqual(doc, {"items": [], "next_cursor": None}, "a failed replay creates nothing")

    def test_needs_admin(self):
        calls = [("GET", DEAD_LETTERS), ("POST", f"{DEAD_LETTERS}/dlq_unknown/replay")]
        for method, path in calls:
            with self.subTest(method=method, path=path, who="customer"):
                status, h, raw = self.server.request(method, path, token=self.customer)
                assert_problem(self, status, h, raw, 403)
            with self.subTest(method=method, path=path, who="anonymous"):
                status, h, raw = self.server.request(method, path)
                assert_problem(self, status, h, raw, 401)
                self.assertIn("www-authenticate", h)
            with self.subTest(method=method, path=path, who="invalid bearer"):
                status, h, raw = self.server.request(method, path, token="x" * 43)
                assert_problem(self, status, h, raw, 401)

    def test_wrong_method_405(self):
        status, h, raw = self.server.request("DELETE", DEAD_LETTERS, token=self.admin)
        assert_problem(self, status, h, raw, 405)
        self.assertIn("GET", h.get("allow", ""), h)
        status, h, raw = self.server.request("GET", f"{DEAD_LETTERS}/dlq_unknown/replay",
                                             token=self.admin)
        assert_problem(self, status, h, raw, 405)
        self.assertIn("POST", h.get("allow", ""), h)


if __name__ == "__main__":
    unittest.main()

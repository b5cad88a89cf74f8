"""The resilience view (GET /api/v1/admin/resilience), its /metrics samples, and fault injection
(PUT/DELETE /api/v1/admin/faults/{target}), against the real binary.

docs/API.md and docs/OPERATIONS.md: the view lists the bulkheads (payment_provider, search,
recommendations), the payment provider's circuit breaker, and every fault switch (payment_provider,
cache, search, recommendations, database), all "off" at start. Fault injection is off by default:
the fault routes then answer 404. With [admin] fault_injection = true an admin can make a target
slow (latency_ms), failing (error_ratio) or down; DELETE turns it off; a restart clears them all.
"""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, assert_problem, product_body  # noqa: E402

VIEW = "/api/v1/admin/resilience"
FAULTS = "/api/v1/admin/faults"
TARGETS = ["payment_provider", "cache", "search", "recommendations", "database"]


def view(server, token):
    status, _, doc = server.json("GET", VIEW, token=token)
    assert status == 200, doc
    return doc


def target(doc, name):
    return next(t for t in doc["faults"]["targets"] if t["target"] == name)


class FaultInjectionOffTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.server.start()
        cls.admin = cls.server.make_admin()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def test_view_lists_components_and_every_switch_off(self):
        doc = view(self.server, self.admin)
        bulkheads = {c["name"]: c for c in doc["components"] if c["kind"] == "bulkhead"}
        self.assertEqual(set(bulkheads), {"payment_provider", "search", "recommendations"})
        for b in bulkheads.values():
            for field in ("max_concurrent", "max_queued", "max_wait_ms", "in_use", "queued", "admitted",
                          "rejected", "timed_out"):
                self.assertIsInstance(b[field], int, (field, b))
        self.assertEqual(bulkheads["search"]["in_use"], 0)
        self.assertFalse(doc["faults"]["enabled"])
        self.assertEqual([t["target"] for t in doc["faults"]["targets"]], TARGETS)
        for t in doc["faults"]["targets"]:
            self.assertEqual((t["mode"], t["latency_ms"], t["error_ratio"]), ("off", 0, 0), t)

    def test_fault_routes_answer_404_while_fault_injection_is_off(self):
        status, h, body = self.server.request("PUT", f"{FAULTS}/search", {"mode": "down"}, token=self.admin)
        assert_problem(self, status, h, body, 404)
        status, h, body = self.server.request("DELETE", f"{FAULTS}/search", token=self.admin)
        assert_problem(self, status, h, body, 404)
        self.assertEqual(target(view(self.server, self.admin), "search")["mode"], "off")

    def test_admin_only(self):
        status, h, body = self.server.request("GET", VIEW)
        assert_problem(self, status, h, body, 401)
        _, customer = self.server.new_customer()
        status, h, body = self.server.request("GET", VIEW, token=customer)
        assert_problem(self, status, h, body, 403)
        status, h, body = self.server.request("PUT", f"{FAULTS}/search", {"mode": "down"}, token=customer)
        assert_problem(self, status, h, body, 403)

    def test_metrics_carry_the_resilience_samples(self):
        status, _, body = self.server.request("GET", "/metrics")
        self.assertEqual(status, 200)
        text = body.decode()
        self.assertEqual(text.count("# TYPE emporium_resilience_bulkhead_in_use gauge"), 1)
        for name in ("payment_provider", "search", "recommendations"):
            self.assertIn(f'emporium_resilience_bulkhead_in_use{{name="{name}"}} 0', text)
        for name in TARGETS:
            self.assertIn(f'emporium_resilience_fault_active{{name="{name}"}} 0', text)


class FaultInjectionOnTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(env={"EMPORIUM_ADMIN_FAULT_INJECTION": "true"})
        cls.server.start()
        cls.admin = cls.server.make_admin()
        status, _, product = cls.server.json("POST", "/api/v1/admin/products", product_body(), token=cls.admin)
        assert status == 201, product
        cls.product = product

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def tearDown(self):
        for name in TARGETS:
            status, _, _ = self.server.request("DELETE", f"{FAULTS}/{name}", token=self.admin)
            self.assertEqual(status, 204)

    def put(self, name, body):
        return self.server.request("PUT", f"{FAULTS}/{name}", body, token=self.admin)

    def test_set_shows_in_the_view_and_delete_clears(self):
        status, _, body = self.server.json("PUT", f"{FAULTS}/search",
                                           {"mode": "failing", "error_ratio": 0.5, "latency_ms": 5},
                                           token=self.admin)
        self.assertEqual(status, 200, body)
        self.assertEqual(body, {"target": "search", "mode": "failing", "latency_ms": 5, "error_ratio": 0.5})
        doc = view(self.server, self.admin)
        self.assertTrue(doc["faults"]["enabled"])
        self.assertEqual(target(doc, "search")["mode"], "failing")
        status, _, _ = self.server.request("DELETE", f"{FAULTS}/search", token=self.admin)
        self.assertEqual(status, 204)
        self.assertEqual(target(view(self.server, self.admin), "search")["mode"], "off")
        text = self.server.request("GET", "/metrics")[2].decode()
        self.assertIn('emporium_resilience_fault_active{name="search"} 0', text)

    def test_refuses_unknown_targets_and_values_that_do_not_fit(self):
        status, h, body = self.put("mailer", {"mode": "down"})
        assert_problem(self, status, h, body, 404)
        for bad in ({"mode": "hung"}, {"mode": "slow"}, {"mode": "slow", "latency_ms": 60001},
                    {"mode": "failing", "error_ratio": 0}, {"mode": "failing", "error_ratio": 2},
                    {"mode": "down", "latency_ms": 10}, {}):
            status, h, body = self.put("search", bad)
            assert_problem(self, status, h, body, 422)
        for bad in ({"mode": "down", "surprise": 1}, {"mode": 3}, {"mode": "failing", "error_ratio": "half"}):
            status, h, body = self.put("search", bad)
            assert_problem(self, status, h, body, 400)
        # The database takes added latency only.
        status, h, body = self.put("database", {"mode": "down"})
        assert_problem(self, status, h, body, 422)
        self.assertEqual(target(view(self.server, self.admin), "search")["mode"], "off")

    def test_search_down_answers_503_and_comes_back(self):
        path = "/api/v1/search?q=product"
        self.assertEqual(self.server.request("GET", path)[0], 200)
        self.assertEqual(self.put("search", {"mode": "down"})[0], 200)
        status, h, body = self.server.request("GET", "/api/v1/search?q=other")
        assert_problem(self, status, h, body, 503)
        self.assertIn("retry-after", h)
        self.assertGreaterEqual(target(view(self.server, self.admin), "search")["failed"], 1)
        self.server.request("DELETE", f"{FAULTS}/search", token=self.admin)
        self.assertEqual(self.server.request("GET", "/api/v1/search?q=other")[0], 200)

    def test_recommendations_down_answer_unavailable_not_an_error(self):
        path = f"/api/v1/products/{self.product['id']}/recommendations"
        status, h, _ = self.server.request("GET", path)
        self.assertEqual((status, h.get("x-recommendations")), (200, "ok"))
        self.put("recommendations", {"mode": "down"})
        status, h, body = self.server.json("GET", path)
        self.assertEqual((status, h.get("x-recommendations")), (200, "unavailable"), body)
        self.assertEqual(body["items"], [])

    def test_slow_database_and_cache_add_their_latency(self):
        path = f"/api/v1/products/{self.product['id']}"
        self.assertEqual(self.put("database", {"mode": "slow", "latency_ms": 300})[0], 200)
        self.assertEqual(self.put("cache", {"mode": "down"})[0], 200)  # every read goes to the database
        started = time.monotonic()
        status, _, _ = self.server.request("GET", path)
        took = time.monotonic() - started
        self.assertEqual(status, 200)
        self.assertGreaterEqual(took, 0.3)
        doc = view(self.server, self.admin)
        self.assertGreaterEqual(target(doc, "database")["delayed"], 1)
        self.assertGreaterEqual(target(doc, "cache")["failed"], 1)

    def test_faults_do_not_survive_a_restart(self):
        self.put("cache", {"mode": "slow", "latency_ms": 50})
        self.server.stop()
        self.server.start()
        for t in view(self.server, self.admin)["faults"]["targets"]:
            self.assertEqual(t["mode"], "off", t)


if __name__ == "__main__":
    unittest.main()

"""The gateway's protection: rate limits per route class, failed-login limits, priority
load shedding, and sessions resolved without a database read (issue 16)."""

import os
import re
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (PASSWORD, ServerTestCase, assert_problem, product_body,  # noqa: E402
                     unique_email)

PRODUCTS = "/api/v1/products"
CART = "/api/v1/cart"
SESSIONS = "/api/v1/sessions"
ME = "/api/v1/users/me"

_next_address = [10]


def fresh_address():
    """A client address no other test used (TEST-NET-2), sent through the trusted proxy."""
    _next_address[0] += 1
    return f"198.51.100.{_next_address[0]}"


def ratelimit_fields(headers):
    """(policy, state) parsed from RateLimit-Policy and RateLimit, e.g. ({'q': 5, 'w': 5}, {'r': 4, 't': 1})."""
    def params(value):
        return {k: int(v) for k, v in re.findall(r";([a-z]+)=(\d+)", value or "")}
    return params(headers.get("ratelimit-policy")), params(headers.get("ratelimit"))


class RateLimitTest(ServerTestCase):
    # Loopback is the trusted proxy here, so X-Forwarded-For names the client, and nobody
    # is exempt from the buckets.
    SERVER_ENV = {"EMPORIUM_GATEWAY_EXEMPT_NETWORKS": "",
                  "EMPORIUM_GATEWAY_TRUSTED_PROXIES": "127.0.0.0/8",
                  "EMPORIUM_GATEWAY_BROWSE_BURST": "5",
                  "EMPORIUM_GATEWAY_BROWSE_RATE_PER_MINUTE": "6",
                  "EMPORIUM_GATEWAY_ORDERS_BURST": "4",
                  "EMPORIUM_GATEWAY_ORDERS_RATE_PER_MINUTE": "6"}

    def browse(self, address):
        return self.server.request("GET", PRODUCTS, headers={"X-Forwarded-For": address})

    def test_a_client_past_its_burst_gets_429_with_retry_after_and_ratelimit_fields(self):
        address = fresh_address()
        for i in range(5):
            status, h, body = self.browse(address)
            self.assertEqual(status, 200, body)
            policy, state = ratelimit_fields(h)
            self.assertEqual(policy.get("q"), 5, h)
            self.assertEqual(state.get("r"), 4 - i, h)
            self.assertIn('"browse"', h.get("ratelimit-policy", ""), h)
        status, h, body = self.browse(address)
        doc = assert_problem(self, status, h, body, 429)
        self.assertIn("browse", doc["detail"])
        self.assertGreaterEqual(int(h.get("retry-after", "0")), 1, h)
        self.assertLessEqual(int(h.get("retry-after", "0")), 10, h)  # one token back at 6 a minute
        _, state = ratelimit_fields(h)
        self.assertEqual(state.get("r"), 0, h)

    def test_each_client_address_has_its_own_bucket(self):
        first, second = fresh_address(), fresh_address()
        for _ in range(6):
            self.browse(first)
        self.assertEqual(self.browse(first)[0], 429)
        self.assertEqual(self.browse(second)[0], 200)

    def test_a_signed_in_shopper_has_one_bucket_across_addresses(self):
        _, token = self.server.new_customer()
        statuses = [self.server.request("GET", CART, token=token,
                                        headers={"X-Forwarded-For": fresh_address()})[0] for _ in range(6)]
        self.assertEqual(statuses[:4], [200] * 4, statuses)
        self.assertEqual(statuses[4:], [429, 429], statuses)

    def test_invalid_tokens_are_limited_by_address(self):
        # Tokens that fail authentication draw on the address's bucket: a script trying
        # tokens gets 429 after the burst instead of an endless stream of 401s.
        address = fresh_address()
        statuses = [self.server.request("GET", CART, token="not-a-token-%d" % i,
                                        headers={"X-Forwarded-For": address})[0] for i in range(6)]
        self.assertEqual(statuses[:4], [401] * 4, statuses)
        self.assertEqual(statuses[4:], [429, 429], statuses)
        # Another address is not affected, and a valid token still gets its own bucket.
        _, token = self.server.new_customer()
        self.assertEqual(self.server.request("GET", CART, token=token,
                                             headers={"X-Forwarded-For": address})[0], 200)

    def test_health_and_metrics_are_never_limited(self):
        address = fresh_address()
        for _ in range(20):
            status, _, _ = self.server.request("GET", "/health/live", headers={"X-Forwarded-For": address})
            self.assertEqual(status, 200)

    def test_refusals_are_counted_per_class_in_metrics(self):
        address = fresh_address()
        for _ in range(7):
            self.browse(address)
        status, _, body = self.server.request("GET", "/metrics")
        self.assertEqual(status, 200)
        match = re.search(rb'emporium_gateway_rate_limited_total\{class="browse"\} (\d+)', body)
        self.assertIsNotNone(match, body[:2000])
        self.assertGreaterEqual(int(match.group(1)), 1)


class UntrustedForwardingTest(ServerTestCase):
    # No trusted proxy: X-Forwarded-For is the client's own claim and must be ignored.
    SERVER_ENV = {"EMPORIUM_GATEWAY_EXEMPT_NETWORKS": "",
                  "EMPORIUM_GATEWAY_BROWSE_BURST": "3",
                  "EMPORIUM_GATEWAY_BROWSE_RATE_PER_MINUTE": "6"}

    def test_a_forged_forwarded_for_does_not_buy_a_new_bucket(self):
        statuses = [self.server.request("GET", PRODUCTS, headers={"X-Forwarded-For": fresh_address()})[0]
                    for _ in range(5)]
        self.assertEqual(statuses, [200, 200, 200, 429, 429])


class ExemptNetworkTest(ServerTestCase):
    SERVER_ENV = {"EMPORIUM_GATEWAY_BROWSE_BURST": "2", "EMPORIUM_GATEWAY_BROWSE_RATE_PER_MINUTE": "1"}

    def test_loopback_is_exempt_by_default(self):
        statuses = {self.server.request("GET", PRODUCTS)[0] for _ in range(10)}
        self.assertEqual(statuses, {200})


class LoginAbuseTest(ServerTestCase):
    # Loopback is exempt from the buckets, never from the failed-login limits.
    SERVER_ENV = {"EMPORIUM_SECURITY_LOGIN_FAILURES_PER_ACCOUNT": "3",
                  "EMPORIUM_SECURITY_LOGIN_FAILURES_PER_ADDRESS": "8",
                  "EMPORIUM_GATEWAY_TRUSTED_PROXIES": "127.0.0.0/8"}

    def login(self, email, password, address):
        return self.server.request("POST", SESSIONS, {"email": email, "password": password},
                                   headers={"X-Forwarded-For": address})

    def test_an_account_is_locked_out_after_its_failures_even_for_the_right_password(self):
        email = unique_email("locked")
        self.server.signup(email)
        for _ in range(3):
            self.assertEqual(self.login(email, "wrong-password-1", fresh_address())[0], 401)
        status, h, body = self.login(email, PASSWORD, fresh_address())
        doc = assert_problem(self, status, h, body, 429)
        self.assertGreaterEqual(int(h.get("retry-after", "0")), 1, h)
        self.assertLessEqual(int(h.get("retry-after", "0")), 300, h)
        self.assertNotIn("token", body.decode())
        self.assertIn("try again", doc["detail"])
        # Another account is not affected.
        other = unique_email("free")
        self.server.signup(other)
        self.assertEqual(self.login(other, PASSWORD, fresh_address())[0], 201)

    def test_unknown_and_known_emails_get_the_same_answers(self):
        known = unique_email("known")
        self.server.signup(known)
        unknown = unique_email("nobody")
        answers = {}
        for email in (known, unknown):
            seen = []
            for _ in range(4):
                status, h, body = self.login(email, "wrong-password-1", fresh_address())
                doc = assert_problem(self, status, h, body, status)
                seen.append((status, doc["detail"]))
            answers[email] = seen
        self.assertEqual(answers[known], answers[unknown])
        self.assertEqual([s for s, _ in answers[known]], [401, 401, 401, 429])

    def test_a_success_clears_the_accounts_failures(self):
        email = unique_email("clears")
        self.server.signup(email)
        address = fresh_address()
        for _ in range(2):
            self.assertEqual(self.login(email, "wrong-password-1", address)[0], 401)
        self.assertEqual(self.login(email, PASSWORD, address)[0], 201)
        for _ in range(2):
            self.assertEqual(self.login(email, "wrong-password-1", address)[0], 401)
        self.assertEqual(self.login(email, PASSWORD, address)[0], 201)

    def test_one_address_guessing_many_accounts_is_locked_out(self):
        address = fresh_address()
        statuses = [self.login(unique_email("spray"), "wrong-password-1", address)[0] for _ in range(9)]
        self.assertEqual(statuses[:8], [401] * 8, statuses)
        self.assertEqual(statuses[8], 429, statuses)
        # The address is locked for every account, also for a right password.
        email = unique_email("victim")
        self.server.signup(email)
        self.assertEqual(self.login(email, PASSWORD, address)[0], 429)
        self.assertEqual(self.login(email, PASSWORD, fresh_address())[0], 201)


class SessionCacheTest(ServerTestCase):

    def test_logout_takes_effect_at_once_in_the_process_that_made_it(self):
        email = unique_email("cached")
        self.server.signup(email)
        token = self.server.login(email)
        for _ in range(3):  # the session is now in the cache
            self.assertEqual(self.server.request("GET", ME, token=token)[0], 200)
        self.assertEqual(self.server.request("DELETE", SESSIONS + "/current", token=token)[0], 204)
        status, h, body = self.server.request("GET", ME, token=token)
        assert_problem(self, status, h, body, 401)

    def test_signed_in_requests_are_answered_from_the_cache(self):
        email = unique_email("hits")
        self.server.signup(email)
        token = self.server.login(email)
        for _ in range(5):
            self.assertEqual(self.server.request("GET", ME, token=token)[0], 200)
        _, _, body = self.server.request("GET", "/metrics")
        hits = re.search(rb'emporium_session_cache_lookups_total\{result="hit"\} (\d+)', body)
        self.assertIsNotNone(hits, body[:2000])
        self.assertGreaterEqual(int(hits.group(1)), 4)



class LoadSheddingTest(ServerTestCase):
    # A small blocking pool and no page cache, so browsing alone can overload the server.
    SERVER_ENV = {"EMPORIUM_CACHE_MAX_BYTES": "0",
                  "EMPORIUM_STORAGE_BLOCKING_THREADS": "8",
                  "EMPORIUM_STORAGE_BLOCKING_QUEUE_LIMIT": "16",
                  "EMPORIUM_ORDERS_MAX_UNPAID_ORDERS_PER_USER": "100000",
                  "EMPORIUM_GATEWAY_SHEDDING_INITIAL_LIMIT": "16",
                  "EMPORIUM_GATEWAY_SHEDDING_MAX_LIMIT": "32"}
    BROWSERS = 40
    SHOPPERS = 3
    SECONDS = 6.0

    def test_checkout_succeeds_while_a_browsing_flood_is_shed(self):
        admin = self.server.make_admin()
        sku = self.server.stocked_sku(admin, 100000)
        for _ in range(30):
            self.server.json("POST", "/api/v1/admin/products",
                             product_body(), token=admin)
        shoppers = [self.server.new_customer()[1] for _ in range(self.SHOPPERS)]
        stop = threading.Event()
        browse_statuses, checkout_results = [], []
        lock = threading.Lock()

        def browse():
            seen = []
            while not stop.is_set():
                seen.append(self.server.request("GET", PRODUCTS + "?limit=100")[0])
            with lock:
                browse_statuses.extend(seen)

        def shop(token):
            results = []
            while not stop.is_set():
                added = self.server.request("POST", "/api/v1/cart/items", {"sku": sku, "quantity": 1},
                                            token=token)[0]
                placed = self.server.request("POST", "/api/v1/orders", token=token)[0] if added == 201 else None
                results.append((added, placed))
            with lock:
                checkout_results.extend(results)

        threads = [threading.Thread(target=browse) for _ in range(self.BROWSERS)]
        threads += [threading.Thread(target=shop, args=(token,)) for token in shoppers]
        for thread in threads:
            thread.start()
        time.sleep(self.SECONDS)
        stop.set()
        for thread in threads:
            thread.join(60)

        shed = browse_statuses.count(503)
        ok = sum(1 for added, placed in checkout_results if added == 201 and placed == 201)
        print(f"browse: {len(browse_statuses)} requests, {shed} shed; checkout: {ok} of "
              f"{len(checkout_results)} succeeded", file=sys.stderr)
        self.assertGreater(shed, 0, f"no browsing was shed: {len(browse_statuses)} requests")
        self.assertLessEqual(set(browse_statuses), {200, 503})
        self.assertGreaterEqual(len(checkout_results), 20, checkout_results[:20])
        self.assertGreaterEqual(ok / len(checkout_results), 0.99,
                                f"{ok} of {len(checkout_results)} checkouts succeeded: "
                                f"{[r for r in checkout_results if r != (201, 201)][:10]}")
        _, _, metrics = self.server.request("GET", "/metrics")
        shed_browse = re.search(rb'emporium_gateway_shed_total\{class="browse"\} (\d+)', metrics)
        self.assertIsNotNone(shed_browse)
        self.assertGreaterEqual(int(shed_browse.group(1)), shed)


if __name__ == "__main__":
    unittest.main()

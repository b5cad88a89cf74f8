"""The storefront's static serving: the HTML shell at every page URL (with its own strict
Content-Security-Policy), content-hashed assets cached for a year, and the JSON API's own
404 and 405 left as they were. (The pages themselves are tested in a browser: tests/e2e.)"""

import gzip
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ServerTestCase, assert_problem  # noqa: E402

PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
ASSET_RE = re.compile(r'(?:src|href)="(/assets/([0-9a-f]{16})/([^"]+))"')


class StorefrontTest(ServerTestCase):

    def shell(self, path="/"):
        status, headers, body = self.server.request("GET", path)
        self.assertEqual(status, 200, body[:300])
        return headers, body.decode()

    def test_every_page_url_answers_the_shell_with_a_strict_policy(self):
        _, home = self.shell("/")
        for path in ("/", "/products/blue-shirt", "/categories/shoes", "/search?q=lamp", "/orders/ord_1_x", "/cart",
                     "/checkout", "/account/orders", "/signin", "/signup", "/admin", "/admin/orders/ord_1"):
            headers, body = self.shell(path)
            self.assertEqual(body, home, path)
            self.assertEqual(headers["content-type"], "text/html; charset=utf-8")
            self.assertEqual(headers["cache-control"], "no-cache")
            self.assertEqual(headers["content-security-policy"], PAGE_POLICY)
            self.assertEqual(headers["x-frame-options"], "DENY")
        # Nothing inline: the policy would block it anyway, and the page must not need it.
        self.assertNotRegex(home, r"<script(?![^>]*\bsrc=)[^>]*>")
        self.assertNotIn("style=", home)
        self.assertNotRegex(home, r"\son[a-z]+=")
        self.assertNotIn("<style", home)

    def test_an_unknown_path_is_404_a_page_for_browsers_and_a_problem_for_others(self):
        _, home = self.shell("/")
        for path in ("/no/such/page", "/products/a/b", "/nope"):
            status, headers, body = self.server.request("GET", path, headers={"Accept": "text/html,*/*;q=0.8"})
            self.assertEqual(status, 404, path)
            self.assertEqual(headers["content-type"], "text/html; charset=utf-8")
            self.assertEqual(body.decode(), home, path)  # its script draws the "not found" page
            status, headers, body = self.server.request("GET", path)
            assert_problem(self, status, headers, body, 404)

    def test_the_shell_revalidates_with_its_etag(self):
        headers, _ = self.shell("/cart")
        status, _, body = self.server.request("GET", "/cart", headers={"If-None-Match": headers["etag"]})
        self.assertEqual((status, body), (304, b""))

    def test_assets_are_served_under_their_hash_for_a_year(self):
        _, home = self.shell("/")
        assets = ASSET_RE.findall(home)
        self.assertTrue(any(path == "app/main.js" for _, _, path in assets), home)
        self.assertTrue(any(path == "app.css" for _, _, path in assets), home)
        self.assertEqual(len({version for _, version, _ in assets}), 1, "one version for all files")
        types = {"js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8"}
        for url, version, path in assets:
            status, headers, body = self.server.request("GET", url)
            self.assertEqual(status, 200, url)
            self.assertTrue(body, url)
            self.assertEqual(headers["cache-control"], "public, max-age=31536000, immutable")
            self.assertEqual(headers["content-type"], types[path.rsplit(".", 1)[1]])
            status, _, _ = self.server.request("GET", url, headers={"If-None-Match": headers["etag"]})
            self.assertEqual(status, 304)
        # Modules import each other relatively ("./api.js"): they resolve inside the same folder.
        version = assets[0][1]
        status, _, body = self.server.request("GET", f"/assets/{version}/app/main.js")
        for module in re.findall(rb'from "\./([a-z-]+\.js)"', body):
            status, _, _ = self.server.request("GET", f"/assets/{version}/app/{module.decode()}")
            self.assertEqual(status, 200, module)

    def test_text_is_gzipped_for_clients_that_take_it(self):
        _, home = self.shell("/")
        url = next(url for url, _, path in ASSET_RE.findall(home) if path == "app/main.js")
        status, plain_headers, plain = self.server.request("GET", url)
        self.assertEqual(status, 200)
        self.assertNotIn("content-encoding", plain_headers)
        status, headers, body = self.server.request("GET", url, headers={"Accept-Encoding": "gzip, br"})
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-encoding"], "gzip")
        self.assertEqual(headers["vary"], "Accept-Encoding")
        self.assertEqual(gzip.decompress(body), plain)
        self.assertLess(len(body), len(plain))
        self.assertNotEqual(headers["etag"], plain_headers["etag"])
        status, _, _ = self.server.request("GET", url, headers={"Accept-Encoding": "gzip",
                                                                "If-None-Match": headers["etag"]})
        self.assertEqual(status, 304)
        status, headers, body = self.server.request("GET", "/cart", headers={"Accept-Encoding": "gzip"})
        self.assertEqual((status, headers["content-encoding"]), (200, "gzip"))
        self.assertEqual(gzip.decompress(body).decode(), home)
        status, headers, _ = self.server.request("GET", url, headers={"Accept-Encoding": "gzip;q=0"})
        self.assertNotIn("content-encoding", headers)

    def test_an_unknown_version_or_file_is_not_found(self):
        _, home = self.shell("/")
        version = ASSET_RE.search(home).group(2)
        other = "0" * 16 if version != "0" * 16 else "1" * 16
        for path in (f"/assets/{other}/app.css", f"/assets/{version}/nothing.js", f"/assets/{version}/../index.html",
                     f"/assets/{version}/app"):
            status, headers, body = self.server.request("GET", path)
            assert_problem(self, status, headers, body, 404)

    def test_api_paths_keep_their_json_404_and_405(self):
        status, headers, body = self.server.request("GET", "/api/v1/no-such-thing")
        assert_problem(self, status, headers, body, 404)
        status, headers, body = self.server.request("GET", "/api/v1/sessions")  # POST only
        assert_problem(self, status, headers, body, 405)
        self.assertEqual(headers["allow"], "POST")
        status, headers, body = self.server.request("GET", "/health/nothing")
        assert_problem(self, status, headers, body, 404)
        # Pages answer GET only.
        status, headers, body = self.server.request("POST", "/cart", body={})
        assert_problem(self, status, headers, body, 404)


if __name__ == "__main__":
    unittest.main()

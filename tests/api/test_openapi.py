"""OpenAPI 3.1: served document, agreement with the registered routes and with the
repository file, and a lint with the maintained npm linter (Redocly CLI)."""

import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ServerTestCase, base_env, repo_root, run_cli  # noqa: E402

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
REPO = repo_root()
SPEC_FILE = os.path.join(REPO, "api", "openapi.json")
REDOCLY = os.path.join(REPO, "tools", "node_modules", ".bin", "redocly")


def operations(doc):
    ops = set()
    for path, item in doc.get("paths", {}).items():
        for method in item:
            if method.lower() in HTTP_METHODS:
                ops.add((method.upper(), path))
    return ops


class OpenApiTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        status, h, body = cls.server.request("GET", "/api/openapi.json")
        cls.status, cls.headers, cls.body = status, h, body

    def served(self):
        self.assertEqual(self.status, 200, self.body[:300])
        return json.loads(self.body)

    def test_served_document(self):
        self.assertEqual(self.status, 200)
        self.assertTrue(self.headers.get("content-type", "").startswith("application/json"), self.headers)
        doc = self.served()
        self.assertIsInstance(doc, dict)
        self.assertTrue(str(doc.get("openapi", "")).startswith("3.1"), doc.get("openapi"))
        self.assertIn("info", doc)
        self.assertTrue(doc.get("paths"), "no paths")

    def test_routes_match_document(self):
        cp = run_cli(["routes"])
        try:
            routes = json.loads(cp.stdout)
        except ValueError as e:
            self.fail(f"`emporium routes` did not print JSON ({e}): {cp.stdout[:500]}")
        self.assertIsInstance(routes, list)
        self.assertTrue(routes, "`emporium routes` printed no routes")
        registered = {(r["method"].upper(), r["path"]) for r in routes}
        self.assertEqual(len(registered), len(routes), "`emporium routes` lists a route twice")
        documented = operations(self.served())
        undocumented = sorted(registered - documented)
        unregistered = sorted(documented - registered)
        msg = []
        if undocumented:
            msg.append("registered but not in the OpenAPI document:\n  " +
                       "\n  ".join(f"{m} {p}" for m, p in undocumented))
        if unregistered:
            msg.append("in the OpenAPI document but not registered:\n  " +
                       "\n  ".join(f"{m} {p}" for m, p in unregistered))
        if msg:
            print("\n".join(msg), file=sys.stderr)
        self.assertFalse(msg, "\n".join(msg))
        # The routes the issue names are all there.
        for op in (("GET", "/health/live"), ("GET", "/health/ready"), ("GET", "/metrics"),
                   ("GET", "/api/openapi.json"), ("POST", "/api/v1/users"), ("POST", "/api/v1/sessions"),
                   ("GET", "/api/v1/products"), ("GET", "/api/v1/products/{product_id_or_slug}"),
                   ("POST", "/api/v1/admin/products")):
            self.assertIn(op, registered)

    def test_every_get_documents_its_etag_and_304(self):
        # The server gives every successful GET an ETag and answers If-None-Match with 304.
        doc = self.served()
        missing = []
        for path, ops in doc["paths"].items():
            get = ops.get("get")
            if not get or "200" not in get["responses"]:
                continue
            if "304" not in get["responses"]:
                missing.append(f"GET {path}: no 304")
            if "ETag" not in get["responses"]["200"].get("headers", {}):
                missing.append(f"GET {path}: no ETag header on 200")
        self.assertEqual(missing, [])
        # And it does so on a user-specific read too.
        _, token = self.server.new_customer()
        status, h, _ = self.server.request("GET", "/api/v1/users/me", token=token)
        self.assertEqual(status, 200)
        status, _, body = self.server.request("GET", "/api/v1/users/me", token=token,
                                              headers={"If-None-Match": h["etag"]})
        self.assertEqual((status, body), (304, b""))

    def test_repo_file_equals_served(self):
        self.assertTrue(os.path.isfile(SPEC_FILE), f"{SPEC_FILE} is missing")
        with open(SPEC_FILE, "rb") as f:
            on_disk = json.load(f)
        self.assertEqual(on_disk, self.served(),
                         "api/openapi.json in the repository differs from GET /api/openapi.json")

    def test_redocly_lint(self):
        if not os.path.exists(REDOCLY):
            self.skipTest(f"{REDOCLY} is missing: run scripts/bootstrap to install the OpenAPI linter")
        self.assertTrue(os.path.isfile(SPEC_FILE), f"{SPEC_FILE} is missing")
        env = base_env({"REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
                        "NO_COLOR": "1"})
        cp = subprocess.run([REDOCLY, "lint", "api/openapi.json"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)
        self.assertEqual(cp.returncode, 0,
                         f"redocly lint exited {cp.returncode}:\n{cp.stdout[-6000:]}\n{cp.stderr[-3000:]}")


if __name__ == "__main__":
    unittest.main()

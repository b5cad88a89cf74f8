"""/metrics: Prometheus text format, per-route counter and histogram, in-flight gauge,
database pool gauges per database; validated with `promtool check metrics`."""

import os
import re
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ServerTestCase, on_postgres  # noqa: E402

SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?$')
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """Returns (types {family: type}, samples [(name, {labels}, value)])."""
    types, samples = {}, []
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            parts = line.split()
            types[parts[2]] = parts[3]
        elif line and not line.startswith("#"):
            m = SAMPLE_RE.match(line)
            if not m:
                raise AssertionError(f"unparsable sample line: {line!r}")
            labels = dict(LABEL_RE.findall(m.group(3) or ""))
            samples.append((m.group(1), labels, float(m.group(4))))
    return types, samples


class MetricsTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        admin = cls.server.make_admin()
        cls.server.request("GET", "/health/live")
        cls.server.request("GET", "/api/v1/products?limit=5")
        cls.server.request("GET", "/api/v1/products/prd_metricsprobe0001")
        cls.server.request("GET", "/api/v1/admin/products", token=admin)
        cls.server.request("GET", "/api/v1/no-such-route-metricsprobe")

    def scrape(self):
        status, h, body = self.server.request("GET", "/metrics")
        self.assertEqual(status, 200, body[:300])
        return h, body.decode("utf-8")

    def families(self, types, kind, pred):
        return [n for n, t in types.items() if t == kind and pred(n)]

    def test_content_type(self):
        h, _ = self.scrape()
        ctype = h.get("content-type", "")
        self.assertTrue(ctype.startswith("text/plain"), ctype)
        self.assertIn("version=0.0.4", ctype.replace(" ", ""))

    def test_request_counter_and_histogram_per_route(self):
        _, text = self.scrape()
        types, samples = parse_metrics(text)
        counters = self.families(types, "counter", lambda n: "http" in n and "request" in n)
        self.assertTrue(counters, f"no http request counter among {sorted(types)}")
        counter_samples = [s for s in samples if any(s[0] in (c, c + "_total") for c in counters)]
        self.assertTrue(any("route" in s[1] for s in counter_samples),
                        f"the request counter has no route label: {counter_samples[:5]}")

        hists = self.families(types, "histogram", lambda n: "http" in n)
        self.assertTrue(hists, f"no http latency histogram among {sorted(types)}")
        buckets = [line for line in text.splitlines() if "_bucket{" in line]
        self.assertTrue(any('le="+Inf"' in b and 'route="' in b for b in buckets),
                        f"no per-route +Inf bucket: {buckets[:5]}")
        routes = {s[1].get("route") for s in samples if "route" in s[1]}
        self.assertIn("/api/v1/products", routes)
        # Route labels are templates, never raw paths (bounded cardinality).
        self.assertNotIn("prd_metricsprobe0001", text)
        self.assertNotIn("no-such-route-metricsprobe", text)
        self.assertIn("/api/v1/products/{product_id_or_slug}", routes)

    def test_counter_increments(self):
        route = "/api/v1/categories"

        def count():
            types, samples = parse_metrics(self.scrape()[1])
            counters = self.families(types, "counter", lambda n: "http" in n and "request" in n)
            return sum(v for n, labels, v in samples
                       if any(n in (c, c + "_total") for c in counters) and labels.get("route") == route)

        before = count()
        for _ in range(5):
            self.assertEqual(self.server.request("GET", route)[0], 200)
        after = count()
        self.assertGreaterEqual(after - before, 5, f"{route} counter {before} -> {after}")

    def test_in_flight_gauge(self):
        types, samples = parse_metrics(self.scrape()[1])
        gauges = self.families(types, "gauge", lambda n: "in_flight" in n or "inflight" in n)
        self.assertTrue(gauges, f"no in-flight gauge among {sorted(types)}")
        values = [v for n, _, v in samples if n in gauges]
        self.assertTrue(values)
        self.assertGreaterEqual(min(values), 0, "in-flight count went negative")

    def test_postgres_pool_and_replica_gauges(self):
        if not on_postgres():
            self.skipTest("the shop runs on SQLite in this run (test_db_pool_gauges checks it)")
        types, samples = parse_metrics(self.scrape()[1])
        for family in ("emporium_pg_pool_connections", "emporium_pg_pool_connections_in_use",
                       "emporium_pg_pool_waiting", "emporium_pg_replica_lag_bytes", "emporium_pg_replica_up"):
            self.assertEqual(types.get(family), "gauge", f"{family} is not a gauge family")
        bound = {labels.get("server"): v for n, labels, v in samples if n == "emporium_pg_pool_connections"}
        self.assertEqual(set(bound), {"primary", "replica", "orders-1", "orders-2"}, bound)
        in_use = {labels.get("server"): v for n, labels, v in samples if n == "emporium_pg_pool_connections_in_use"}
        for server, connections in bound.items():
            self.assertGreater(connections, 0)
            self.assertTrue(0 <= in_use[server] <= connections, (server, in_use[server], connections))
        reads = {labels.get("on"): v for n, labels, v in samples if n == "emporium_pg_catalog_reads_total"}
        self.assertEqual(set(reads), {"replica", "primary"}, reads)

    def test_db_pool_gauges(self):
        if on_postgres():
            self.skipTest("the shop runs on PostgreSQL in this run (test_postgres_pool_and_replica_gauges)")
        types, samples = parse_metrics(self.scrape()[1])
        pool = "emporium_db_pool_read_connections"
        in_use = "emporium_db_pool_read_connections_in_use"
        queue = "emporium_db_write_queue_depth"

        def by_database(family):
            """{database label: value} of the family's samples; every sample carries the
            label, once per database."""
            self.assertEqual(types.get(family), "gauge", f"{family} is not a gauge family: {types.get(family)!r}")
            values = {}
            for name, labels, value in samples:
                if name != family:
                    continue
                database = labels.get("database")
                self.assertTrue(database, f"{family} sample without a database label: {labels}")
                self.assertNotIn(database, values, f"{family} has two samples for database={database!r}")
                values[database] = value
            self.assertTrue(values, f"{family} has no samples")
            return values

        total, used, waiting = by_database(pool), by_database(in_use), by_database(queue)
        self.assertEqual(set(used), set(total), f"{in_use} and {pool} name different databases")
        self.assertEqual(set(waiting), set(total), f"{queue} and {pool} name different databases")
        for database, connections in total.items():
            self.assertGreater(connections, 0, f"{pool}{{database={database!r}}} is {connections}")
            self.assertTrue(0 <= used[database] <= connections,
                            f"database={database!r}: {used[database]} of {connections} read connections in use")
            self.assertGreaterEqual(waiting[database], 0, f"{queue}{{database={database!r}}} is negative")

    def test_promtool_check_metrics(self):
        promtool = shutil.which("promtool")
        self.assertIsNotNone(promtool, "promtool is not installed (Debian package prometheus)")
        _, text = self.scrape()
        cp = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True,
                            text=True, timeout=60)
        self.assertEqual(cp.returncode, 0,
                         f"promtool check metrics exited {cp.returncode}:\n{cp.stdout}\n{cp.stderr}")


if __name__ == "__main__":
    unittest.main()

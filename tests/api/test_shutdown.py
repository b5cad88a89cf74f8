"""SIGTERM during write load: the server drains, exits 0, and every acknowledged
(201) product is there after a restart on the same data directory."""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import PASSWORD, Server, product_body, unique_email  # noqa: E402

THREADS = 16
LOAD_BEFORE_SIGTERM_S = 1.5
MAX_LOAD_S = 10.0
MAX_REQUESTS_PER_THREAD = 3000
EXIT_WITHIN_S = 15.0

# Errors that mean "the connection went away before a response started": acceptable once
# SIGTERM has been sent (the request was not acknowledged, so nothing is promised).
CONNECTION_ERRORS = (ConnectionRefusedError, ConnectionResetError, BrokenPipeError,
                     ConnectionAbortedError, http.client.RemoteDisconnected)


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.acked = {}          # product id -> (sku, slug)
        self.failures = []       # descriptions of protocol violations
        self.statuses = {}
        self.conn_errors_after_term = 0
        self.term_at = None      # monotonic time SIGTERM was sent

    def term_sent(self):
        with self.lock:
            return self.term_at is not None

    def fail(self, msg):
        with self.lock:
            if len(self.failures) < 50:
                self.failures.append(msg)


def load_worker(port, token, rec, stop, deadline, worker):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=EXIT_WITHIN_S)
    try:
        for i in range(MAX_REQUESTS_PER_THREAD):
            if stop.is_set() or time.monotonic() > deadline:
                return
            body = product_body(name=f"Load {worker}-{i}")
            sku, slug = body["variants"][0]["sku"], body["slug"]
            sent_after_term = rec.term_sent()
            try:
                conn.request("POST", "/api/v1/admin/products", body=json.dumps(body).encode(),
                             headers={"Content-Type": "application/json",
                                      "Authorization": f"Bearer {token}"})
                resp = conn.getresponse()
                status = resp.status
                raw = resp.read()  # IncompleteRead here = truncated response = failure
            except CONNECTION_ERRORS as e:
                if rec.term_sent():
                    with rec.lock:
                        rec.conn_errors_after_term += 1
                    return  # the server is going away: stop this worker
                rec.fail(f"worker {worker} req {i}: connection error before SIGTERM: {e!r}")
                return
            except (http.client.HTTPException, socket.timeout, OSError) as e:
                rec.fail(f"worker {worker} req {i} (sent {'after' if sent_after_term else 'before'} "
                         f"SIGTERM): garbled/truncated response or timeout: {e!r}")
                return
            with rec.lock:
                rec.statuses[status] = rec.statuses.get(status, 0) + 1
            if status == 201:
                try:
                    p = json.loads(raw)
                    pid = p["id"]
                    if p["variants"][0]["sku"] != sku or p["slug"] != slug:
                        raise ValueError("201 body describes another product")
                except (ValueError, KeyError, TypeError, IndexError) as e:
                    rec.fail(f"worker {worker} req {i}: 201 with a bad body ({e}): {raw[:200]!r}")
                    return
                with rec.lock:
                    rec.acked[pid] = (sku, slug)
            elif status == 503:
                if not resp.getheader("Retry-After"):
                    rec.fail(f"worker {worker} req {i}: 503 without Retry-After")
                if rec.term_sent():
                    return  # draining: not an acknowledgement
                time.sleep(0.05)  # shedding load before SIGTERM: back off and retry
            elif status == 429:
                time.sleep(0.05)  # rate limited: not an acknowledgement, not a failure
            else:
                rec.fail(f"worker {worker} req {i}: unexpected status {status}: {raw[:200]!r}")
                return
            if resp.will_close:
                if rec.term_sent():
                    return
                conn.close()  # server asked to close: reconnect for the next request
    finally:
        conn.close()


class ShutdownTest(unittest.TestCase):

    def setUp(self):
        self.data_dir = tempfile.mkdtemp(prefix="emporium-shutdown-")
        self.addCleanup(shutil.rmtree, self.data_dir, True)

    def test_sigterm_under_load_loses_no_acknowledged_write(self):
        admin_email = unique_email("admin")
        rec = Recorder()
        with Server(data_dir=self.data_dir) as srv:
            token = srv.make_admin(admin_email, PASSWORD)
            stop = threading.Event()
            deadline = time.monotonic() + MAX_LOAD_S
            workers = [threading.Thread(target=load_worker, args=(srv.port, token, rec, stop, deadline, n),
                                        daemon=True) for n in range(THREADS)]
            for w in workers:
                w.start()
            time.sleep(LOAD_BEFORE_SIGTERM_S)
            with rec.lock:
                acked_before_term = len(rec.acked)
                rec.term_at = time.monotonic()
            proc = srv.proc
            proc.send_signal(signal.SIGTERM)
            try:
                rc = proc.wait(timeout=EXIT_WITHIN_S)
                exit_s = time.monotonic() - rec.term_at
            except subprocess.TimeoutExpired:
                rc, exit_s = None, None
            stop.set()
            for w in workers:
                w.join(timeout=EXIT_WITHIN_S + 5)
            alive = [w for w in workers if w.is_alive()]
            log = srv.log_tail(40)
            if rc is None:
                srv.stop(sig=signal.SIGKILL, timeout=5)

        summary = (f"acked={len(rec.acked)} (before SIGTERM: {acked_before_term}) statuses={rec.statuses} "
                   f"connection errors after SIGTERM={rec.conn_errors_after_term} exit={rc} "
                   f"after {exit_s if exit_s is None else round(exit_s, 2)} s")
        print(summary, file=sys.stderr)
        self.assertIsNotNone(rc, f"server did not exit within {EXIT_WITHIN_S} s of SIGTERM\n{log}")
        self.assertEqual(rc, 0, f"exit code after SIGTERM\n{log}")
        self.assertFalse(alive, "load workers hung after the server exited")
        self.assertFalse(rec.failures, "protocol violations:\n" + "\n".join(rec.failures) + "\n" + summary)
        self.assertGreaterEqual(acked_before_term, THREADS,
                                f"too little load before SIGTERM to test anything: {summary}")

        with Server(data_dir=self.data_dir) as srv:
            token = srv.login(admin_email, PASSWORD)
            missing = []
            for pid, (sku, slug) in rec.acked.items():
                status, h, p = srv.json("GET", f"/api/v1/admin/products/{pid}", token=token)
                if status != 200 or p.get("id") != pid or p["variants"][0]["sku"] != sku or p["slug"] != slug:
                    missing.append((pid, status))
            self.assertFalse(missing, f"{len(missing)} acknowledged products lost or changed after "
                                      f"restart, e.g. {missing[:10]}\n{summary}")
            rc2 = srv.stop()
            self.assertEqual(rc2, 0, srv.log_tail())


class IdleConnectionsAtShutdownTest(unittest.TestCase):
    """Regression: sessions idle on keep-alive when SIGTERM arrives used to be torn down
    after the list that registered them (a use-after-free under ASan, exit -6)."""

    def test_sigterm_with_idle_keep_alive_connections_exits_cleanly(self):
        import http.client
        from harness import HOST, Server
        for _ in range(3):
            with Server() as server:
                connections = []
                for _ in range(24):
                    connection = http.client.HTTPConnection(HOST, server.port, timeout=5)
                    connection.request("GET", "/health/live")
                    connection.getresponse().read()
                    connections.append(connection)  # left open and idle
                self.assertEqual(server.stop(), 0, server.log_tail())
                for connection in connections:
                    connection.close()


if __name__ == "__main__":
    unittest.main()

"""Black-box harness for the Emporium API tests.

Starts the real binary (path in $EMPORIUM_BIN) on a free loopback port with a temporary
data directory, and speaks HTTP/1.1 to it with the standard library only.

Contract with the binary:
  $EMPORIUM_BIN serve --data-dir DIR --host 127.0.0.1 --port 0 --port-file FILE
      writes "<port>\\n" to FILE once it listens; SIGTERM -> graceful exit code 0.
  $EMPORIUM_BIN admin create --data-dir DIR --email E --password P [--name N]
  $EMPORIUM_BIN seed --data-dir DIR --products N
  $EMPORIUM_BIN routes
Every invocation gets cheap argon2id settings through the environment.

With $EMPORIUM_API_POSTGRES set (a libpq conninfo of the tests' PostgreSQL server, as ctest
sets it for the api_pg.* run), every data directory also gets PostgreSQL databases of its
own on that server — a primary and two order shards (and the server's replica for catalog
reads, from $EMPORIUM_API_POSTGRES_REPLICA) — and the binary runs the distributed
deployment's storage on them; the same tests then check the shop on PostgreSQL.
With $EMPORIUM_API_REDIS set too (the tests' Redis server), that deployment keeps its
carts, its shared page cache and its rate-limit counters there, under a key prefix of the
data directory's own.
With $EMPORIUM_API_RABBITMQ set as well (the AMQP URL of the tests' broker), the binary
carries its events over RabbitMQ, under exchange and queue names of the data directory's own.
"""

import hashlib
import http.client
import json as jsonlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HOST = "127.0.0.1"
START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 15.0
REQUEST_TIMEOUT_S = 30.0

# Speed knobs passed to every emporium invocation.
FAST_ENV = {
    "EMPORIUM_SECURITY_ARGON2_OPS_LIMIT": "1",
    "EMPORIUM_SECURITY_ARGON2_MEMORY_KIB": "8192",
}

RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

PASSWORD = "correct-horse-battery"  # 21 chars: satisfies the 10..128 rule


class HarnessError(AssertionError):
    """Raised when the binary cannot be run as the contract says."""


PG_SERVER = os.environ.get("EMPORIUM_API_POSTGRES", "")
PG_REPLICA = os.environ.get("EMPORIUM_API_POSTGRES_REPLICA", "")
REDIS_SERVER = os.environ.get("EMPORIUM_API_REDIS", "")
PSQL = "/usr/lib/postgresql/15/bin/psql"
RABBITMQ_URL = os.environ.get("EMPORIUM_API_RABBITMQ", "")


def on_postgres():
    """True when this run checks the shop on PostgreSQL rather than SQLite."""
    return bool(PG_SERVER)


def psql_output(conninfo, sql):
    """Runs `sql` through psql on the database `conninfo` names; returns what it printed
    (unaligned, tab-separated, no headers)."""
    cp = subprocess.run([PSQL, "-XAtq", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-c", sql],
                        capture_output=True, text=True, timeout=60)
    if cp.returncode != 0:
        raise HarnessError(f"psql failed: {cp.stderr.strip()}")
    return cp.stdout


def psql(sql, dbname="postgres"):
    """Runs `sql` on the tests' PostgreSQL server; returns its rows as lists of strings."""
    return [line.split("\t") for line in psql_output(f"{PG_SERVER} dbname={dbname}", sql).splitlines()]


class _PostgresReader:
    """What tests need of a sqlite3 connection (execute → rows as tuples, close), over the
    data directory's primary database."""

    def __init__(self, dbname):
        self.dbname = dbname

    def execute(self, sql):
        out = psql_output(f"{PG_SERVER} dbname={self.dbname}", f"SELECT coalesce(json_agg(t), '[]') FROM ({sql}) t")
        return [tuple(row.values()) for row in jsonlib.loads(out)]

    def close(self):
        pass


def shop_database(data_dir):
    """A read-only view of the shop's tables behind `data_dir`: the emporium.db file, or on
    PostgreSQL the primary's database. Its execute(sql) returns rows as tuples."""
    if on_postgres():
        return _PostgresReader(pg_databases(data_dir)[0])
    import sqlite3
    path = os.path.join(data_dir, "emporium.db")
    if not os.path.exists(path):
        raise AssertionError(f"{path} does not exist")
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)


def pg_databases(data_dir):
    """The PostgreSQL databases that belong to `data_dir`: primary, order shard 1 and 2."""
    tag = hashlib.sha1(os.path.abspath(data_dir).encode()).hexdigest()[:12]
    return [f"e_{tag}_p", f"e_{tag}_o1", f"e_{tag}_o2"]


def pg_env(data_dir):
    """Creates `data_dir`'s databases when missing; returns the settings that point the
    binary at them."""
    names = pg_databases(data_dir)
    existing = {row[0] for row in psql("SELECT datname FROM pg_database")}
    for name in names:
        if name not in existing:
            psql(f"CREATE DATABASE {name}")
    env = {
        "EMPORIUM_POSTGRES_PRIMARY": f"{PG_SERVER} dbname={names[0]}",
        "EMPORIUM_POSTGRES_ORDER_SERVERS": f"{PG_SERVER} dbname={names[1]};{PG_SERVER} dbname={names[2]}",
        "EMPORIUM_POSTGRES_CONNECTIONS": "8",
    }
    if PG_REPLICA:
        env["EMPORIUM_POSTGRES_REPLICA"] = f"{PG_REPLICA} dbname={names[0]}"
    if REDIS_SERVER:
        env["EMPORIUM_REDIS_ADDRESS"] = REDIS_SERVER
        env["EMPORIUM_REDIS_PREFIX"] = names[0] + ":"
    return env


def engine_env(data_dir):
    """The settings that point the binary at the run's engines for `data_dir`: its
    PostgreSQL databases, and its names on the RabbitMQ broker."""
    env = pg_env(data_dir) if on_postgres() else {}
    if RABBITMQ_URL:
        tag = hashlib.sha1(os.path.abspath(data_dir).encode()).hexdigest()[:12]
        env.update({"EMPORIUM_RABBITMQ_URL": RABBITMQ_URL, "EMPORIUM_RABBITMQ_PREFIX": f"e_{tag}"})
    return env


def pg_drop(data_dir):
    for name in pg_databases(data_dir):
        try:
            psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        except (HarnessError, subprocess.TimeoutExpired):
            pass


def emporium_bin():
    """Absolute path of the binary under test; fails (not skips) when it is missing."""
    path = os.environ.get("EMPORIUM_BIN")
    if not path:
        raise HarnessError(
            "EMPORIUM_BIN is not set: point it at the built emporium binary, "
            "e.g. EMPORIUM_BIN=build/emporium python3 tests/api/run_all.py")
    path = os.path.abspath(path)
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise HarnessError(f"EMPORIUM_BIN={path} is not an executable file")
    return path


def repo_root():
    return os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def base_env(extra=None):
    """Environment for emporium: the caller's, minus EMPORIUM_* config overrides that
    could make runs differ between machines, plus the speed knobs and `extra`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("EMPORIUM_") or k == "EMPORIUM_BIN"}
    env.update(FAST_ENV)
    if extra:
        env.update({k: str(v) for k, v in extra.items()})
    return env


_uniq_lock = threading.Lock()
_uniq_counter = [0]


def record_status(method, path, status):
    """With EMPORIUM_STATUS_LOG set, notes every answer's status for tests/api/check_statuses.py,
    which holds them against the statuses api/openapi.json documents."""
    log = os.environ.get("EMPORIUM_STATUS_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(jsonlib.dumps([method, path.split("?")[0], status]) + "\n")


def wait_for(predicate, seconds=10):
    """Polls `predicate` every 0.1 s until it returns something true, and returns that; after
    `seconds`, returns what one last call returns (for work the server finishes in the
    background: events, retries)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return predicate()


def uniq(prefix="t"):
    """A short string unique within this process and very likely across processes."""
    with _uniq_lock:
        _uniq_counter[0] += 1
        n = _uniq_counter[0]
    return f"{prefix}{os.getpid():x}{n:x}{os.urandom(3).hex()}"


def unique_email(prefix="user"):
    return f"{prefix}.{uniq('')}@example.com"


def run_cli(args, env_extra=None, timeout=120, check=True):
    """Runs `$EMPORIUM_BIN args...`; returns CompletedProcess (text)."""
    cmd = [emporium_bin()] + [str(a) for a in args]
    if (on_postgres() or RABBITMQ_URL) and "--data-dir" in cmd:
        # The data directory names its PostgreSQL databases (and broker names) too.
        env_extra = {**engine_env(cmd[cmd.index("--data-dir") + 1]), **(env_extra or {})}
    cp = subprocess.run(cmd, env=base_env(env_extra), capture_output=True, text=True,
                        timeout=timeout, stdin=subprocess.DEVNULL)
    if check and cp.returncode != 0:
        raise HarnessError(
            f"{' '.join(cmd)} exited {cp.returncode}\nstdout:\n{cp.stdout[-4000:]}\n"
            f"stderr:\n{cp.stderr[-4000:]}")
    return cp


def header_dict(resp):
    out = {}
    for k, v in resp.getheaders():
        k = k.lower()
        out[k] = f"{out[k]}, {v}" if k in out else v
    return out


def parse_json(body, what="response"):
    try:
        return jsonlib.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise AssertionError(f"{what} body is not JSON ({e}): {body[:500]!r}") from None


def encode_body(body, headers):
    """Returns the bytes to send; sets Content-Type to JSON unless the caller set one."""
    if body is None:
        return None
    if isinstance(body, (bytes, bytearray)):
        data = bytes(body)
    else:
        data = jsonlib.dumps(body).encode("utf-8")
    if not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = "application/json"
    return data


class Server:
    """One running `emporium serve`. Use as a context manager.

    data_dir: reuse an existing data directory (restart tests); otherwise a temporary
    one is made and removed at the end. env: extra environment for this server.
    """

    def __init__(self, data_dir=None, env=None, start=True):
        self.env_extra = dict(env or {})
        self.workdir = tempfile.mkdtemp(prefix="emporium-api-")
        self.own_data_dir = data_dir is None
        self.data_dir = data_dir or os.path.join(self.workdir, "data")
        os.makedirs(self.data_dir, exist_ok=True)
        if on_postgres() or RABBITMQ_URL:
            self.env_extra = {**engine_env(self.data_dir), **self.env_extra}
        self.port_file = os.path.join(self.workdir, "port")
        self.log_path = os.path.join(self.workdir, "server.log")
        self.proc = None
        self.port = None
        self._log = None
        self._local = threading.local()
        self.returncode = None
        self._auto_start = start

    # ---- lifecycle -------------------------------------------------------------------

    def __enter__(self):
        if self._auto_start and self.proc is None:
            try:
                self.start()
            except BaseException:
                self.close()
                raise
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def start(self):
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        self.returncode = None
        self._log = open(self.log_path, "ab")
        cmd = [emporium_bin(), "serve", "--data-dir", self.data_dir, "--host", HOST,
               "--port", "0", "--port-file", self.port_file]
        self.proc = subprocess.Popen(cmd, env=base_env(self.env_extra), cwd=self.workdir,
                                     stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise HarnessError(
                    f"emporium serve exited with {self.proc.returncode} before listening\n"
                    f"{self.log_tail()}")
            try:
                with open(self.port_file, "r") as f:
                    text = f.read()
            except FileNotFoundError:
                text = ""
            if text.endswith("\n") and text.strip().isdigit():
                self.port = int(text.strip())
                if not 0 < self.port < 65536:
                    raise HarnessError(f"port file holds {text!r}")
                return self
            time.sleep(0.02)
        self._kill()
        raise HarnessError(f"emporium serve did not write {self.port_file} within "
                           f"{START_TIMEOUT_S:.0f} s\n{self.log_tail()}")

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT_S):
        """Sends `sig` and waits up to `timeout`; returns the exit code (negative: killed by
        a signal). Raises AssertionError (after SIGKILL) when the process does not exit."""
        self._close_connections()
        if self.proc is None:
            return self.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._kill()
                raise AssertionError(f"emporium did not exit within {timeout} s after "
                                     f"signal {sig}\n{self.log_tail()}")
        self.returncode = self.proc.returncode
        self.proc = None
        if self._log:
            self._log.close()
            self._log = None
        return self.returncode

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def _kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc is not None:
            self.returncode = self.proc.returncode
        self.proc = None
        if self._log:
            self._log.close()
            self._log = None

    def close(self):
        """Stops the server if still running (never raises) and removes temporary files."""
        try:
            if self.proc is not None:
                self.stop()
        except AssertionError:
            pass
        finally:
            self._kill()
            if os.environ.get("EMPORIUM_TEST_KEEP"):
                sys.stderr.write(f"[harness] kept {self.workdir}\n")
            else:
                if on_postgres() and self.own_data_dir:
                    pg_drop(self.data_dir)
                # An own data dir lives inside workdir; a reused one belongs to the caller.
                shutil.rmtree(self.workdir, ignore_errors=True)

    def log_tail(self, n=60):
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
        except OSError:
            return "(no server log)"
        return "---- server log (last %d lines) ----\n%s\n----" % (n, "\n".join(lines[-n:]))

    def log_records(self):
        """Every JSON object line the server has written so far (its stdout and stderr are
        captured in one file); other lines (e.g. sanitizer reports) are skipped."""
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
        except OSError:
            return []
        records = []
        for line in lines:
            try:
                record = jsonlib.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                records.append(record)
        return records

    def wait_for_log_record(self, pred, timeout=5.0):
        """Polls the log until a record satisfies `pred`; returns it, or None after `timeout`
        seconds. The server writes a request's access line after sending the answer, so a
        client can read the answer before the line is there."""
        deadline = time.monotonic() + timeout
        while True:
            for record in self.log_records():
                if pred(record):
                    return record
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.02)

    def access_record(self, request_id, timeout=5.0):
        """The access log line of the request sent with X-Request-Id `request_id` (asserts
        that it is written)."""
        record = self.wait_for_log_record(
            lambda r: r.get("event") == "access" and r.get("request_id") == request_id, timeout)
        if record is None:
            raise AssertionError(f"no access log line with request_id {request_id!r} within {timeout} s\n"
                                 f"{self.log_tail()}")
        return record

    # ---- CLI -------------------------------------------------------------------------

    def cli(self, *args, check=True, timeout=120):
        """Runs `emporium <args> --data-dir <this data dir>` with this server's env."""
        return run_cli(list(args) + ["--data-dir", self.data_dir], env_extra=self.env_extra,
                       check=check, timeout=timeout)

    def seed(self, products):
        return self.cli("seed", "--products", str(products))

    # ---- HTTP ------------------------------------------------------------------------

    def connection(self, timeout=REQUEST_TIMEOUT_S):
        """A new keep-alive connection to the server (caller owns it)."""
        return http.client.HTTPConnection(HOST, self.port, timeout=timeout)

    def _conn(self):
        c = getattr(self._local, "conn", None)
        if c is None:
            c = self.connection()
            self._local.conn = c
        return c

    def _close_connections(self):
        c = getattr(self._local, "conn", None)
        if c is not None:
            c.close()
            self._local.conn = None

    def request(self, method, path, body=None, headers=None, token=None, conn=None):
        """Returns (status, headers with lower-case keys, body bytes).

        body: None, raw bytes (sent as is), or anything json.dumps accepts (sent as JSON).
        Uses a per-thread keep-alive connection unless `conn` is given. A request that fails
        because a reused keep-alive connection had been closed by the server is retried once
        on a fresh connection (what every HTTP client does)."""
        hdrs = dict(headers or {})
        if token is not None:
            hdrs["Authorization"] = f"Bearer {token}"
        data = encode_body(body, hdrs)
        if self.port is None:
            raise HarnessError("server is not started")
        own = conn is None
        for attempt in (0, 1):
            c = self._conn() if own else conn
            reused = c.sock is not None
            try:
                c.request(method, path, body=data, headers=hdrs)
                resp = c.getresponse()
                payload = resp.read()
                record_status(method, path, resp.status)
                return resp.status, header_dict(resp), payload
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                c.close()
                if own and reused and attempt == 0:
                    continue
                raise
            except BaseException:
                c.close()
                raise

    def json(self, method, path, body=None, headers=None, token=None, conn=None):
        """Like request() but returns (status, headers, parsed JSON or None when empty)."""
        status, h, raw = self.request(method, path, body=body, headers=headers, token=token,
                                      conn=conn)
        return status, h, (parse_json(raw, f"{method} {path}") if raw else None)

    # ---- users -----------------------------------------------------------------------

    def signup(self, email=None, password=PASSWORD, name=None):
        """Creates a customer; asserts 201 and returns the User object."""
        body = {"email": email or unique_email(), "password": password}
        if name is not None:
            body["name"] = name
        status, h, user = self.json("POST", "/api/v1/users", body)
        if status != 201:
            raise AssertionError(f"signup {body['email']} -> {status}: {user}")
        return user

    def login(self, email, password=PASSWORD):
        """Asserts 201 and returns the bearer token."""
        status, h, s = self.json("POST", "/api/v1/sessions", {"email": email, "password": password})
        if status != 201:
            raise AssertionError(f"login {email} -> {status}: {s}")
        return s["token"]

    def new_customer(self, name=None):
        """Signs up a fresh customer; returns (user, token)."""
        email = unique_email("cust")
        user = self.signup(email, PASSWORD, name)
        return user, self.login(email, PASSWORD)

    def make_admin(self, email=None, password=PASSWORD, name=None):
        """Runs `admin create` on this data dir, then logs in; returns the token."""
        email = email or unique_email("admin")
        args = ["admin", "create", "--email", email, "--password", password]
        if name is not None:
            args += ["--name", name]
        self.cli(*args)
        return self.login(email, password)

    def stocked_sku(self, admin, units, reason="x", price=1000):
        """Creates a product (as `admin`) at `price` and puts `units` of its SKU in stock;
        returns the SKU. Asserts both calls succeed."""
        status, _, product = self.json("POST", "/api/v1/admin/products", product_body(price=price), token=admin)
        if status != 201:
            raise AssertionError(f"create product -> {status}: {product}")
        sku = product["variants"][0]["sku"]
        status, _, doc = self.json("POST", f"/api/v1/admin/inventory/{sku}/adjustments",
                                   {"delta": units, "reason": reason}, token=admin)
        if status != 201:
            raise AssertionError(f"stock {sku} -> {status}: {doc}")
        return sku


class ServerTestCase(unittest.TestCase):
    """One server per test class. Subclasses may set SERVER_ENV, or override
    prepare_data_dir(server) to run CLI commands (e.g. seed) before the server starts."""

    SERVER_ENV = {}
    server = None

    @classmethod
    def prepare_data_dir(cls, server):
        pass

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        srv = Server(env=cls.SERVER_ENV, start=False)
        try:
            cls.prepare_data_dir(srv)
            srv.start()
        except BaseException:
            srv.close()
            raise
        cls.server = srv

    @classmethod
    def tearDownClass(cls):
        srv, cls.server = cls.server, None
        if srv is not None:
            try:
                crashed = srv.proc is not None and srv.proc.poll() is not None
                rc = srv.stop()
                if crashed or rc != 0:
                    raise AssertionError(
                        f"server {'crashed' if crashed else 'exited'} with code {rc} "
                        f"(expected a graceful exit 0 on SIGTERM)\n{srv.log_tail()}")
            finally:
                srv.close()
        super().tearDownClass()


def assert_problem(tc, status, headers, body, expected_status):
    """Checks an RFC 9457 problem response; returns the parsed problem document."""
    text = body.decode("utf-8", "replace") if isinstance(body, (bytes, bytearray)) else str(body)
    tc.assertEqual(status, expected_status, f"expected {expected_status}, got {status}: {text[:500]}")
    ctype = headers.get("content-type", "")
    tc.assertTrue(ctype.split(";")[0].strip().lower() == "application/problem+json",
                  f"content-type {ctype!r} is not application/problem+json: {text[:300]}")
    doc = body if isinstance(body, dict) else parse_json(body, "problem")
    tc.assertIsInstance(doc, dict, f"problem is not an object: {text[:300]}")
    for field in ("type", "title", "status", "detail"):
        tc.assertIn(field, doc, f"problem lacks {field!r}: {doc}")
    tc.assertIsInstance(doc["type"], str)
    tc.assertIsInstance(doc["title"], str)
    tc.assertIsInstance(doc["detail"], str)
    tc.assertEqual(doc["status"], expected_status, f"problem.status mismatch: {doc}")
    if "errors" in doc:
        tc.assertIsInstance(doc["errors"], list)
        for e in doc["errors"]:
            tc.assertIn("field", e, doc)
            tc.assertIn("message", e, doc)
    return doc


def error_fields(doc):
    return [e.get("field", "") for e in doc.get("errors") or []]


def assert_field_error(tc, doc, *keywords):
    """Asserts the problem's errors[] names a field containing one of `keywords`
    (e.g. "variants[0].price.amount" matches "amount")."""
    fields = error_fields(doc)
    tc.assertTrue(fields, f"422 without errors[]: {doc}")
    tc.assertTrue(any(k in f for f in fields for k in keywords),
                  f"errors[] fields {fields} name none of {keywords}: {doc}")


def assert_rfc3339(tc, value, what="time"):
    tc.assertIsInstance(value, str, f"{what} is not a string: {value!r}")
    tc.assertRegex(value, RFC3339_UTC, f"{what} is not RFC 3339 UTC")


def assert_money(tc, m, amount=None, currency=None):
    tc.assertIsInstance(m, dict, f"money is not an object: {m!r}")
    tc.assertEqual(set(m), {"amount", "currency"}, f"money fields: {m}")
    tc.assertIsInstance(m["amount"], int, f"amount is not an integer: {m}")
    tc.assertNotIsInstance(m["amount"], bool)
    tc.assertRegex(m["currency"], r"^[A-Z]{3}$")
    if amount is not None:
        tc.assertEqual(m["amount"], amount, m)
    if currency is not None:
        tc.assertEqual(m["currency"], currency, m)


def product_body(name=None, price=1000, currency="USD", status=None, category_id=None,
                 variants=None, slug=None, **extra):
    """A valid ProductInput with unique slug and sku."""
    u = uniq("p")
    body = {"name": f"Product {u}" if name is None else name,
            "slug": f"prod-{u}" if slug is None else slug,
            "variants": variants if variants is not None else
            [{"sku": f"SKU-{u}", "name": "Default", "price": {"amount": price, "currency": currency}}]}
    if status is not None:
        body["status"] = status
    if category_id is not None:
        body["category_id"] = category_id
    body.update(extra)
    return body


def list_all(server, path, token=None, limit=100, max_pages=200):
    """Follows next_cursor to the end; returns every item."""
    from urllib.parse import urlencode, urlsplit, parse_qsl
    parts = urlsplit(path)
    base_q = dict(parse_qsl(parts.query))
    base_q["limit"] = str(limit)
    items, cursor = [], None
    for _ in range(max_pages):
        q = dict(base_q)
        if cursor is not None:
            q["cursor"] = cursor
        status, h, doc = server.json("GET", f"{parts.path}?{urlencode(q)}", token=token)
        if status != 200:
            raise AssertionError(f"GET {parts.path}?{urlencode(q)} -> {status}: {doc}")
        items.extend(doc["items"])
        cursor = doc["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError(f"{path}: more than {max_pages} pages")

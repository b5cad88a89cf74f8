"""Servers of a test's own for the engine failure tests, each started and stopped by the
project's script (scripts/pg-server, scripts/redis-server, scripts/rabbitmq-server) on free
loopback ports, since these tests stop them: the servers the other tests share must stay up.
"""

import os
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "api"))
from harness import psql_output, repo_root  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_port_pair():
    """A port whose neighbour (the broker's epmd) and +20000 (its Erlang distribution) are free too."""
    for _ in range(50):
        port = free_port()
        if port + 20001 > 65535:
            continue
        try:
            for candidate in (port, port + 1, port + 20000):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", candidate))
        except OSError:
            continue
        return port
    raise AssertionError("no free ports for the broker")


def _script(name):
    return os.path.join(repo_root(), "scripts", name)


class PgServer:
    """A PostgreSQL server (fsync on) with an `emporium` database."""

    def __init__(self, root, name):
        self.dir = os.path.join(root, name)
        self.port = free_port()

    def start(self):
        subprocess.run(["bash", _script("pg-server"), "start", self.dir, str(self.port)], check=True, timeout=120)
        if not self._has_database():
            self._psql("CREATE DATABASE emporium")

    def stop(self):
        subprocess.run(["bash", _script("pg-server"), "stop", self.dir], check=True, timeout=120)

    def conninfo(self):
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=emporium"

    def _psql(self, sql):
        return psql_output(f"host={self.dir}/socket port={self.port} user=postgres dbname=postgres", sql).strip()

    def _has_database(self):
        return self._psql("SELECT count(*) FROM pg_database WHERE datname = 'emporium'") == "1"


class RedisServer:
    """A Redis server, durable (append-only file), so that a restart keeps what it held."""

    def __init__(self, root):
        self.dir = os.path.join(root, "redis")
        self.port = free_port()

    def start(self):
        subprocess.run(["bash", _script("redis-server"), "start", self.dir, str(self.port)], check=True, timeout=60)

    def stop(self):
        subprocess.run(["bash", _script("redis-server"), "stop", self.dir], check=True, timeout=60)

    def address(self):
        return f"127.0.0.1:{self.port}"


class Broker:
    """A RabbitMQ broker."""

    def __init__(self, root):
        self.dir = os.path.join(root, "rabbitmq")
        self.port = free_port_pair()

    def start(self):
        subprocess.run(["bash", _script("rabbitmq-server"), "start", self.dir, str(self.port)], check=True, timeout=90)

    def stop(self):
        subprocess.run(["bash", _script("rabbitmq-server"), "stop", self.dir, str(self.port)], check=True, timeout=90)

    def url(self):
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

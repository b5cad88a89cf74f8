#!/usr/bin/env python3
"""Flash sale: N buyers race for M units of one SKU; reports units sold (must equal M).

Usage: bench/flash_sale.py [buyers=5000] [units=100]   (starts its own release server)
Each buyer signs up, logs in and puts one unit in the cart; then every buyer opens a
connection and all place their order at once (asyncio, one connection per buyer).
The server runs with cheap argon2id settings so that creating 5,000 accounts takes
seconds: the sale itself, not the set-up, is what is measured.
"""

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "release", "emporium")
BUYERS = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
UNITS = int(sys.argv[2]) if len(sys.argv) > 2 else 100
ENV = {**os.environ, "EMPORIUM_SECURITY_ARGON2_OPS_LIMIT": "1", "EMPORIUM_SECURITY_ARGON2_MEMORY_KIB": "8192",
       "EMPORIUM_SERVER_ACCESS_LOG": "false", "EMPORIUM_STORAGE_BLOCKING_QUEUE_LIMIT": "20000"}


async def request(port, method, path, body=None, token=None, reader_writer=None):
    reader, writer = reader_writer or await asyncio.open_connection("127.0.0.1", port)
    data = json.dumps(body).encode() if body is not None else b""
    head = f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n"
    if token:
        head += f"Authorization: Bearer {token}\r\n"
    writer.write(head.encode() + b"\r\n" + data)
    await writer.drain()
    status_line = await reader.readline()
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    payload = await reader.readexactly(length) if length else b""
    if reader_writer is None:
        writer.close()
    return int(status_line.split()[1]), payload


async def prepare_buyer(port, sku, index, semaphore):
    async with semaphore:
        email = f"flash{index}@bench.example.com"
        await request(port, "POST", "/api/v1/users", {"email": email, "password": "flash sale secret"})
        _, session = await request(port, "POST", "/api/v1/sessions", {"email": email, "password": "flash sale secret"})
        token = json.loads(session)["token"]
        status, _ = await request(port, "POST", "/api/v1/cart/items", {"sku": sku, "quantity": 1}, token)
        assert status == 201, status
        return token


async def sale(port, tokens):
    connections = [await asyncio.open_connection("127.0.0.1", port) for _ in tokens]
    start = time.monotonic()
    results = await asyncio.gather(*(request(port, "POST", "/api/v1/orders", {}, token, connection)
                                     for token, connection in zip(tokens, connections)))
    elapsed = time.monotonic() - start
    for _, writer in connections:
        writer.close()
    return [status for status, _ in results], elapsed


def main():
    work = tempfile.mkdtemp(prefix="emporium-flash-")
    data = os.path.join(work, "data")
    subprocess.run([BIN, "admin", "create", "--data-dir", data, "--email", "flash-admin@example.com",
                    "--password", "flash admin secret"], env=ENV, check=True, capture_output=True)
    port_file = os.path.join(work, "port")
    server = subprocess.Popen([BIN, "serve", "--data-dir", data, "--host", "127.0.0.1", "--port", "0",
                               "--port-file", port_file], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not os.path.exists(port_file):
            time.sleep(0.05)
        port = int(open(port_file).read())
        url = f"http://127.0.0.1:{port}"

        def call(method, path, body=None, token=None):
            req = urllib.request.Request(url + path, method=method, data=json.dumps(body).encode() if body else None)
            req.add_header("Content-Type", "application/json")
            if token:
                req.add_header("Authorization", "Bearer " + token)
            return json.load(urllib.request.urlopen(req))

        admin = call("POST", "/api/v1/sessions", {"email": "flash-admin@example.com", "password": "flash admin secret"})["token"]
        product = call("POST", "/api/v1/admin/products", {"name": "Limited Edition Sneaker", "variants": [
            {"sku": "FLASH-1", "price": {"amount": 19900, "currency": "USD"}}]}, admin)
        sku = product["variants"][0]["sku"]
        call("POST", f"/api/v1/admin/inventory/{sku}/adjustments", {"delta": UNITS, "reason": "flash sale"}, admin)
        setup_start = time.monotonic()
        semaphore = asyncio.Semaphore(64)

        async def prepare_all():
            return await asyncio.gather(*(prepare_buyer(port, sku, i, semaphore) for i in range(BUYERS)))

        tokens = asyncio.run(prepare_all())
        setup = time.monotonic() - setup_start
        statuses, elapsed = asyncio.run(sale(port, tokens))
        stock = call("GET", f"/api/v1/admin/inventory/{sku}", token=admin)
        sold = statuses.count(201)
        print(f"buyers {BUYERS}, units {UNITS}: orders 201 = {sold}, 409 = {statuses.count(409)}, "
              f"other = {len(statuses) - sold - statuses.count(409)}; all answered in {elapsed:.2f} s "
              f"(set-up {setup:.1f} s); stock after: {stock['available']} available, {stock['reserved']} reserved")
        if sold != UNITS or stock["available"] != 0 or stock["reserved"] != UNITS:
            print("OVERSOLD OR UNDERSOLD")
            sys.exit(1)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()

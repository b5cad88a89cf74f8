"""Runs every tests/api/test_*.py as its own process, two at a time.

Usage: EMPORIUM_BIN=path/to/emporium python3 tests/api/run_all.py [test_x.py ...]
Prints each file's result and a last line `N passed, N failed` (files); exits 1 on any failure.
"""

import concurrent.futures
import glob
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PARALLEL = 2
FILE_TIMEOUT_S = 300


def run(path):
    start = time.monotonic()
    try:
        cp = subprocess.run([sys.executable, path], cwd=HERE, capture_output=True, text=True,
                            timeout=FILE_TIMEOUT_S, stdin=subprocess.DEVNULL)
        ok, out = cp.returncode == 0, cp.stdout + cp.stderr
    except subprocess.TimeoutExpired as e:
        def text(b):
            return b.decode("utf-8", "replace") if isinstance(b, bytes) else (b or "")
        ok, out = False, f"{text(e.stdout)}{text(e.stderr)}\nTIMEOUT after {FILE_TIMEOUT_S} s"
    return path, ok, out, time.monotonic() - start


def main(argv):
    if argv:
        files = [os.path.join(HERE, os.path.basename(a)) for a in argv]
    else:
        files = sorted(glob.glob(os.path.join(HERE, "test_*.py")))
    if not files:
        print("no test files found")
        print("0 passed, 0 failed")
        return 1
    if not os.environ.get("EMPORIUM_BIN"):
        print("warning: EMPORIUM_BIN is not set; every file will fail", file=sys.stderr)
    passed = failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        futures = [pool.submit(run, f) for f in files]
        for fut in concurrent.futures.as_completed(futures):
            path, ok, out, secs = fut.result()
            name = os.path.basename(path)
            last = [line for line in out.strip().splitlines() if line.strip()][-1:] or [""]
            print(f"{'PASS' if ok else 'FAIL'} {name} ({secs:.1f} s) {last[0]}", flush=True)
            if ok:
                passed += 1
            else:
                failed += 1
                print("\n".join("    " + line for line in out.rstrip().splitlines()[-200:]), flush=True)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

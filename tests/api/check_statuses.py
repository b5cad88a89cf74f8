"""Holds the statuses the API tests saw (EMPORIUM_STATUS_LOG, written by harness.py) against
the statuses api/openapi.json documents for each operation, and lists the undocumented ones.

    EMPORIUM_STATUS_LOG=/tmp/statuses.log ctest -L api; python3 tests/api/check_statuses.py /tmp/statuses.log
"""
import json
import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Answers any route may give that the document states once for all (server-wide rules).
SERVER_WIDE = {405, 431}


def operations(doc):
    ops = []
    for template, item in doc["paths"].items():
        pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", re.escape(template).replace(r"\{", "{")
                                         .replace(r"\}", "}")) + "$")
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                ops.append((method.upper(), template, pattern, set(op.get("responses", {}))))
    # Literal segments win over parameters, as in the router.
    ops.sort(key=lambda o: o[1].count("{"))
    return ops


def main(log_path):
    with open(os.path.join(REPO, "api", "openapi.json"), encoding="utf-8") as f:
        ops = operations(json.load(f))
    seen = {}
    if not os.path.exists(log_path):  # no API test ran
        return 0
    with open(log_path, encoding="utf-8") as f:
        for line in f:
            method, path, status = json.loads(line)
            method = "GET" if method == "HEAD" else method
            for op_method, template, pattern, documented in ops:
                if op_method == method and pattern.match(path):
                    if str(status) not in documented and status not in SERVER_WIDE:
                        seen.setdefault((method, template, status), path)
                    break
    for (method, template, status), example in sorted(seen.items()):
        print(f"{method} {template}: {status} undocumented (e.g. {example})")
    print(f"{sum(1 for _ in open(log_path, encoding='utf-8'))} answers checked, {len(seen)} undocumented statuses")
    return 1 if seen else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

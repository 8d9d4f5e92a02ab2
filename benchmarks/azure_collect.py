"""Benchmark: collect a recorded subscription of 1,000 resources through the loopback Azure server.

    PYTHONPATH=. python benchmarks/azure_collect.py [--resources 1000] [--latency 0.05]

Every HTTP call to the server (sign-in included) waits `latency` seconds first. Reports the HTTP calls
(and the reads carried inside /batch calls) and the wall time of `collect()`; the targets are fewer than
30 calls and under 5 seconds.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from auditor.collectors.azure import collect  # noqa: E402
from tests.azure_server import (  # noqa: E402
    CLIENT_ID,
    CLIENT_SECRET,
    TENANT,
    AzureServer,
    Fault,
    add_estate,
    load_recording,
)
from tests.tls import make_certs  # noqa: E402

SUB = "b3c4d5e6-0000-4000-8000-000000001000"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--resources", type=int, default=1000)
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--no-batch", action="store_true", help="the server refuses /batch: single GETs (fallback)")
    args = ap.parse_args()
    certs = make_certs(Path(tempfile.mkdtemp(prefix="auditor-bench-")))
    rec = load_recording(SUB)
    add_estate(rec, SUB, args.resources)
    with AzureServer(rec, certs, latency=args.latency) as server:
        if args.no_batch:
            server.fault(r"^/batch$", Fault(404, {"error": {"code": "NotFound", "message": "no batch"}}, times=-1))
        os.environ.update(AZURE_TENANT_ID=TENANT, AZURE_CLIENT_ID=CLIENT_ID, AZURE_CLIENT_SECRET=CLIENT_SECRET,
                          AZURE_AUTHORITY_HOST=server.url, REQUESTS_CA_BUNDLE=str(certs[0]),
                          NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
        start = time.perf_counter()
        result = collect(SUB, {"arm_endpoint": server.url})
        wall = time.perf_counter() - start
        calls = len(server.calls)
        by_path = Counter(p if not p.startswith("/subscriptions/") else "/subscriptions/.../" + p.rsplit("/", 1)[-1]
                          for _m, p, _s in server.calls)
        inner = server.inner_calls
    graph = sum(1 for r in result.resources if r.extra.get("type", "").islower())
    print(f"resources in Resource Graph: {len(rec.graph_rows)}; collected resources: {len(result.resources)} "
          f"({graph} from Resource Graph); errors: {len(result.errors)}")
    print(f"HTTP calls: {calls} (plus {inner} reads inside /batch); wall time: {wall:.2f} s "
          f"at {args.latency * 1000:.0f} ms per call")
    for path, n in sorted(by_path.items()):
        print(f"  {n:3d}  {path}")
    ok = (calls < 30 or args.no_batch) and wall < 5 and not result.errors
    print("targets (< 30 calls, < 5 s):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

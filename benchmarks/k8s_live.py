"""Benchmark: list and judge the recorded cluster (2,000+ objects) through the loopback HTTPS API server.

    PYTHONPATH=. python benchmarks/k8s_live.py [--namespaces 32] [--runs 3] [--workers 4]

Prints one JSON object: objects served, resources collected, requests, and the best listing and judging
times in seconds over the runs (target: listing + judging under 2 s). The listing goes through the real
`kubernetes` client, TLS and paging (500 per page, as kubectl); judging runs every built-in rule.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from auditor.collectors.kubernetes import collect  # noqa: E402
from auditor.inventory import Inventory  # noqa: E402
from auditor.scan import ScanOptions, judge  # noqa: E402
from tests.k8s_live.cluster import KINDS, build_cluster, count  # noqa: E402
from tests.k8s_live.server import ApiServer  # noqa: E402


def run(namespaces: int = 32, runs: int = 3, workers: int = 4) -> dict[str, Any]:
    objects = build_cluster(namespaces=namespaces)
    served = count(objects) - len(objects.get("secrets", []))
    best_list = best_judge = float("inf")
    resources = requests = findings = 0
    with tempfile.TemporaryDirectory() as tmp, ApiServer(KINDS, objects, Path(tmp)) as srv:
        kc = srv.kubeconfig()
        for _ in range(runs):
            srv.requests.clear()
            t0 = time.perf_counter()
            result = collect("loopback", {"kubeconfig": str(kc), "workers": workers})
            t1 = time.perf_counter()
            inv = Inventory.build(result.resources, result.errors, ("k8s:loopback",))
            report = judge(inv, ScanOptions(inputs=("k8s:loopback",)))
            t2 = time.perf_counter()
            if result.errors:
                raise SystemExit(f"collection errors: {result.errors}")
            best_list, best_judge = min(best_list, t1 - t0), min(best_judge, t2 - t1)
            resources, requests, findings = len(result.resources), len(srv.requests), len(report.findings)
    return {"workers": workers, "objects_served": served, "resources_judged": resources, "requests": requests, "findings": findings,
            "list_seconds": round(best_list, 3), "judge_seconds": round(best_judge, 3),
            "total_seconds": round(best_list + best_judge, 3), "target_seconds": 2.0}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--namespaces", type=int, default=32)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workers", type=int, default=4, help="kinds listed in parallel (default 4, as auditor)")
    args = ap.parse_args(argv)
    print(json.dumps(run(args.namespaces, args.runs, args.workers)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark: auditor vs checkov on ../shared/corpus (k8s and docker), in the same run.

    python benchmarks/corpus.py [--runs 3] [--checkov PATH]

Each tool runs as a separate process under a small launcher that reports the child's wall time and
peak RSS; the median of --runs is printed, with the ratios. checkov is found on PATH, through
--checkov or $CHECKOV; without it only auditor's numbers and the bare-parse baseline are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"

LAUNCHER = r"""
import resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
dt = time.perf_counter() - t
print(dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, p.returncode)
"""


def measure(cmd: list[str]) -> tuple[float, float, int]:
    out = subprocess.run([sys.executable, "-c", LAUNCHER, *cmd], capture_output=True, text=True, check=True)
    secs, kb, rc = out.stdout.split()
    return float(secs), int(kb) / 1024, int(rc)


def median_of(cmd: list[str], runs: int) -> tuple[float, float, int]:
    results = [measure(cmd) for _ in range(runs)]
    return (statistics.median(r[0] for r in results), statistics.median(r[1] for r in results), results[-1][2])


def bare_parse(folder: Path) -> tuple[float, float]:
    import yaml

    files = [p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml", ".json")]
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in files]

    def run(fn: object) -> float:
        t = time.perf_counter()
        for text in texts:
            try:
                for _ in fn(text, Loader=yaml.CSafeLoader):  # type: ignore[operator]
                    pass
            except yaml.YAMLError:
                pass
        return time.perf_counter() - t

    return run(yaml.compose_all), run(yaml.load_all)


def find_checkov(explicit: str | None) -> str | None:
    for cand in (explicit, os.environ.get("CHECKOV"), shutil.which("checkov"), "/work/checkov-venv/bin/checkov"):
        if cand and Path(cand).exists():
            return cand
    return None


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--checkov")
    ap.add_argument("--corpus", default=str(CORPUS))
    args = ap.parse_args()
    corpus = Path(args.corpus)
    auditor = [sys.executable, "-m", "auditor"]
    checkov = find_checkov(args.checkov)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, folder, framework in (("k8s", corpus / "k8s", "kubernetes"), ("docker", corpus / "docker", "dockerfile")):
            a = median_of([*auditor, "scan", str(folder), "--format", "json", "--output", f"{tmp}/a.json",
                           "--fail-on", "none"], args.runs)
            findings = json.loads(Path(f"{tmp}/a.json").read_text())["summary"]
            row = {"set": name, "auditor_s": round(a[0], 2), "auditor_mb": round(a[1]), "auditor_results": findings["findings"]}
            if checkov:
                c = median_of([checkov, "-d", str(folder), "--framework", framework, "-o", "json", "--quiet",
                               "--skip-download"], args.runs)
                row |= {"checkov_s": round(c[0], 2), "checkov_mb": round(c[1]),
                        "time_ratio": round(c[0] / a[0], 1), "memory_ratio": round(c[1] / a[1], 1)}
            rows.append(row)
        both = median_of([*auditor, "scan", str(corpus / "k8s"), str(corpus / "docker"), "--format", "json",
                          "--output", f"{tmp}/b.json", "--fail-on", "none"], args.runs)
    compose_s, load_s = bare_parse(corpus / "k8s")
    for r in rows:
        print(json.dumps(r))
    total = {"set": "both (one auditor process)", "auditor_s": round(both[0], 2), "auditor_mb": round(both[1])}
    if checkov and all("checkov_s" in r for r in rows):
        ck_s = sum(r["checkov_s"] for r in rows)
        ck_mb = max(r["checkov_mb"] for r in rows)
        total |= {"checkov_s (sum of both runs)": round(ck_s, 2), "checkov_peak_mb": ck_mb,
                  "time_ratio": round(ck_s / both[0], 1), "memory_ratio": round(ck_mb / both[1], 1)}
    print(json.dumps(total))
    print(json.dumps({"bare_parse_k8s_compose_s": round(compose_s, 2), "bare_parse_k8s_full_load_s": round(load_s, 2)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Record and replay: `auditor collect k8s:<ctx> -o cluster.json`, then `auditor scan cluster.json`, gives the
same findings as scanning the cluster directly.

No real API server can be installed on these machines: the CLI reads the loopback HTTPS API server the test
starts (tests/k8s_live/server.py) through a kubeconfig in KUBECONFIG, as kubectl would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.k8s_live.cluster import KINDS, build_cluster
from tests.k8s_live.server import ApiServer

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    with ApiServer(KINDS, build_cluster(namespaces=6), tmp_path_factory.mktemp("apiserver")) as srv:
        srv.faults.deny.add(("networkpolicies", "*"))
        yield srv


def _cli(kubeconfig: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KUBECONFIG": str(kubeconfig)}
    return subprocess.run([sys.executable, "-m", "auditor", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def _findings(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted((f["rule"], f["status"], f["resource"], f["uid"], f["location"]["path"], f["message"],
                   f["fingerprint"]) for f in report["findings"])


def test_collect_then_scan_the_snapshot_gives_the_same_findings(server: ApiServer, tmp_path: Path) -> None:
    kc = server.kubeconfig()
    snap = tmp_path / "cluster.json"
    proc = _cli(kc, "collect", "k8s:loopback", "-o", str(snap))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(snap.read_text())
    assert doc["format"] == "auditor-inventory/v1" and doc["sources"] == ["k8s:loopback"]
    assert proc.stderr.strip() == f"collected {len(doc['resources'])} resources, 1 errors -> {snap}"
    assert all(r["data"]["metadata"].get("managedFields") is None for r in doc["resources"])

    live = _cli(kc, "scan", "k8s:loopback", "--format", "json", "--fail-on", "none")
    replay = _cli(kc, "scan", str(snap), "--format", "json", "--fail-on", "none")
    assert live.returncode == 0 and replay.returncode == 0, live.stderr + replay.stderr
    a, b = json.loads(live.stdout), json.loads(replay.stdout)
    assert _findings(a) == _findings(b)
    assert [f for f in _findings(a) if f[1] == "fail"], "the recorded cluster has failures on purpose"
    assert a["errors"] == b["errors"] == [{
        "path": "k8s/loopback-cluster/NetworkPolicy", "kind": "error", "target": "kubernetes",
        "message": "forbidden: list networkpolicies.networking.k8s.io at cluster scope (grant the verb `list` on "
                   "`networkpolicies.networking.k8s.io`); no namespace readable either (kube-system, ml-00, ml-01, "
                   "ml-02, ml-03, ml-04, ml-05)"}]
    assert {m for m, _, _ in server.requests} == {"GET"}


def test_a_snapshot_with_many_errors_is_still_replayed(tmp_path: Path) -> None:
    with ApiServer(KINDS, build_cluster(namespaces=3), tmp_path / "api") as srv:
        denied = ["pods", "services", "configmaps", "deployments", "statefulsets", "daemonsets", "replicasets", "jobs",
                  "cronjobs", "ingresses", "networkpolicies", "roles", "rolebindings", "serviceaccounts",
                  "limitranges", "resourcequotas", "poddisruptionbudgets", "horizontalpodautoscalers"]
        srv.faults.deny |= {(p, "*") for p in denied}
        kc = srv.kubeconfig()
        snap = tmp_path / "cluster.json"
        assert _cli(kc, "collect", "k8s:loopback", "-o", str(snap)).returncode == 0
        assert snap.read_text().index('"format"') > 4096  # sorted keys put the long error list first
        replay = json.loads(_cli(kc, "scan", str(snap), "--format", "json", "--fail-on", "none").stdout)
        assert replay["summary"]["resources"] == 112 and len(replay["errors"]) == 18
        assert sorted({e["path"].split("/")[2] for e in replay["errors"]}) == sorted(
            {k.kind for k in KINDS if k.plural in denied})

"""`auditor trend` over saved reports of periodic audits: score movement, new and fixed failures."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli

BAD = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: 'x:1'}]\n"
GOOD = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: {runAsNonRoot: true}\n"
        "  containers: [{name: a, image: 'x:1'}]\n")
WORSE = BAD + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: q}\nspec:\n  containers: [{name: b, image: 'y:1'}]\n"


def test_trend_reports_score_movement_and_new_and_fixed(tmp_path: Path) -> None:
    reports = []
    for i, body in enumerate((BAD, GOOD, WORSE)):
        (tmp_path / "pod.yaml").write_text(body)
        out = tmp_path / f"r{i}.json"
        proc = run_cli("scan", "pod.yaml", "--select", "K8S001", "--format", "json", "--output", str(out),
                       "--fail-on", "none", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        reports.append(str(out))
    proc = run_cli("trend", reports[2], reports[0], reports[1], "--format", "json")
    assert proc.returncode == 0, proc.stderr
    t = json.loads(proc.stdout)
    assert [p["source"] for p in t["points"]] == reports  # ordered by scan time, not by argument order
    assert [p["overall"] for p in t["points"]] == [0.0, 100.0, 0.0]
    assert [(f["rule"], f["resource"]) for f in t["new_failures"]] == [("K8S001", "Pod p"), ("K8S001", "Pod q")]
    assert t["fixed"] == []
    table = run_cli("trend", *reports).stdout
    assert "2 new failure(s), 0 fixed" in table and "(-100)" in table
    assert run_cli("trend", str(tmp_path / "nope.json")).returncode == 2

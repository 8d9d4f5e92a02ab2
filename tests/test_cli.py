"""The command line as users drive it: exit codes, outputs, configuration errors."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import ROOT, run_cli

ROOT_POD = """apiVersion: v1
kind: Pod
metadata: {name: rooty, namespace: ml}
spec:
  containers:
    - name: app
      image: nginx:1.27
      securityContext: {runAsUser: 0}
"""
GOOD_POD = """apiVersion: v1
kind: Pod
metadata: {name: fine}
spec:
  securityContext: {runAsNonRoot: true}
  containers:
    - {name: app, image: "nginx:1.27"}
"""


def _tree(tmp_path: Path, *, bad: bool) -> Path:
    (tmp_path / "pod.yaml").write_text(ROOT_POD if bad else GOOD_POD)
    return tmp_path


def test_exit_0_when_gate_passes(tmp_path: Path) -> None:
    proc = run_cli("scan", str(_tree(tmp_path, bad=False)), "--select", "K8S001")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "GATE PASSED" in proc.stdout


def test_exit_1_on_failure_at_or_above_threshold(tmp_path: Path) -> None:
    tree = _tree(tmp_path, bad=True)
    assert run_cli("scan", str(tree), "--select", "K8S001").returncode == 1
    assert run_cli("scan", str(tree), "--select", "K8S001", "--fail-on", "critical").returncode == 0
    assert run_cli("scan", str(tree), "--select", "K8S001", "--fail-on", "none").returncode == 0
    proc = run_cli("scan", str(tree), "--select", "K8S001", "--fail-on", "none", "--min-score", "50")
    assert proc.returncode == 1 and "below the minimum 50" in proc.stdout


def test_exit_2_on_usage_and_tool_errors(tmp_path: Path) -> None:
    assert run_cli("scan", "--fail-on", "severe").returncode == 2
    assert run_cli("frobnicate").returncode == 2
    proc = run_cli("scan", str(tmp_path / "missing"))
    assert proc.returncode == 2 and "no such file" in proc.stderr
    proc = run_cli("scan", str(tmp_path), "--format", "pdf")
    assert proc.returncode == 2 and "unknown format" in proc.stderr
    proc = run_cli("explain", "NOPE999")
    assert proc.returncode == 2


def test_config_typo_is_an_error_naming_the_key(tmp_path: Path) -> None:
    (tmp_path / ".auditor.toml").write_text('fail_on = "high"\nignroe = ["K8S001"]\n')
    proc = run_cli("scan", ".", cwd=tmp_path)
    assert proc.returncode == 2
    assert "ignroe" in proc.stderr and "unknown key" in proc.stderr
    (tmp_path / ".auditor.toml").write_text('[[suppress]]\nrule = "K8S001"\nreason = "x"\nexpire = 2027-01-01\n')
    proc = run_cli("scan", ".", cwd=tmp_path)
    assert proc.returncode == 2 and "suppress.0.expire" in proc.stderr
    (tmp_path / ".auditor.toml").write_text('fail_on = "sometimes"\n')
    assert run_cli("scan", ".", cwd=tmp_path).returncode == 2


def test_pyproject_config_selects_and_overrides_severity(tmp_path: Path) -> None:
    _tree(tmp_path, bad=True)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.auditor]\nselect = ["CONT-NON-ROOT"]\nseverity = { K8S001 = "info" }\n'
    )
    proc = run_cli("scan", ".", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr  # info is below the default fail-on (low)
    report = json.loads(proc.stdout)
    assert {f["rule"] for f in report["findings"]} == {"K8S001"}
    assert [f["severity"] for f in report["findings"]] == ["info"]


def test_multiple_formats_each_with_its_output(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    tree = _tree(tmp_path / "t", bad=True)
    out = tmp_path / "out"
    proc = run_cli("scan", str(tree), "--format", "json", "--output", str(out / "r.json"),
                   "--format", "console", "--output", str(out / "r.txt"), "--fail-on", "none")
    assert proc.returncode == 0, proc.stderr
    report = json.loads((out / "r.json").read_text())
    assert report["tool"]["name"] == "auditor"
    text = (out / "r.txt").read_text()
    assert "\x1b[" not in text  # no colour in files
    assert "K8S001" in text and "pod.yaml:8" in text


def test_json_contract_fields(tmp_path: Path) -> None:
    tree = _tree(tmp_path, bad=True)
    proc = run_cli("scan", str(tree), "--format", "json", "--select", "K8S001", cwd=tmp_path)
    report = json.loads(proc.stdout)
    assert set(report) >= {"tool", "score", "findings", "errors"}
    assert set(report["score"]) >= {"overall", "coverage", "sections", "controls"}
    (f,) = [f for f in report["findings"] if f["status"] == "fail"]
    assert f["rule"] == "K8S001" and f["controls"] == ["CONT-NON-ROOT"] and f["severity"] == "high"
    assert f["resource"] == "Pod ml/rooty"
    assert f["location"] == {"path": "pod.yaml", "line": 8, "end_line": None,
                             "object_path": "spec.containers[0].securityContext.runAsUser"}
    ctl = {c["id"]: c for c in report["score"]["controls"]}
    assert ctl["CONT-NON-ROOT"]["status"] == "fail" and ctl["CONT-NON-ROOT"]["score"] == 0.0
    assert ctl["OPS-RESOURCES"]["applicable"] is True
    assert ctl["COST-BUDGET"]["applicable"] is False and ctl["COST-BUDGET"]["status"] == "not_assessed"


def test_python_dash_m_rules_and_explain() -> None:
    proc = run_cli("rules")
    assert proc.returncode == 0 and "K8S001" in proc.stdout and "CONT-NON-ROOT" in proc.stdout
    proc = run_cli("rules", "--format", "json")
    rows = json.loads(proc.stdout)
    assert {"code", "name", "controls", "severity", "target"} <= set(rows[0])
    proc = run_cli("explain", "K8S001")
    assert proc.returncode == 0
    for part in ("## Why it matters", "## How to fix", "## Failing example", "## Passing example", "runAsUser: 0"):
        assert part in proc.stdout
    proc = run_cli("explain", "CONT-NON-ROOT")
    assert proc.returncode == 0 and "K8S001" in proc.stdout


def test_stdin_input(tmp_path: Path) -> None:
    proc = run_cli("scan", "-", "--format", "json", "--select", "K8S001", input=ROOT_POD.encode(), cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    (f,) = [f for f in report["findings"] if f["status"] == "fail"]
    assert f["location"]["path"] == "-" and f["location"]["line"] == 8


def test_scan_the_bundled_example_like_the_readme() -> None:
    proc = run_cli("scan", "fixtures/example", "--fail-on", "none", cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "score" in proc.stdout and "coverage" in proc.stdout


def test_input_errors_gate_only_when_asked(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(GOOD_POD)
    (tmp_path / "broken.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: [\n")
    proc = run_cli("scan", str(tmp_path), "--select", "K8S001")
    assert proc.returncode == 0 and "broken.yaml" in proc.stdout
    proc = run_cli("scan", str(tmp_path), "--select", "K8S001", "--fail-on-input-errors")
    assert proc.returncode == 1 and "1 input(s) could not be scanned" in proc.stdout
    (tmp_path / ".auditor.toml").write_text("fail_on_input_errors = true\n")
    assert run_cli("scan", ".", "--select", "K8S001", cwd=tmp_path).returncode == 1

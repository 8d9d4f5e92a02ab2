"""Baselines gate only on new failures; rule docs are generated and never stale."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from auditor.baseline import load_baseline
from auditor.docgen import expected_pages
from auditor.registry import load_rules
from tests.conftest import ROOT, run_cli

NEW_FAILURE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: trainer
  namespace: ml
spec:
  template:
    spec:
      containers:
        - name: trainer
          image: myacr.azurecr.io/ml/trainer:2.0
"""


def _scan(cwd: Path, *extra: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    proc = run_cli("scan", ".", "--baseline", ".auditor-baseline.json", "--format", "json", "--select", "K8S001",
                   *extra, cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def test_baseline_gates_only_new_failures_and_counts_fixed(tmp_path: Path) -> None:
    tree = tmp_path / "repo"
    shutil.copytree(ROOT / "fixtures" / "example", tree)
    created = run_cli("baseline", "create", ".", "--reason", "known debt, ticket ML-12", "--select", "K8S001",
                      cwd=tree)
    assert created.returncode == 0, created.stderr
    doc = json.loads((tree / ".auditor-baseline.json").read_text(encoding="utf-8"))
    assert doc["format"] == "auditor-baseline/v1"
    assert [(e["rule"], e["path"], e["line"]) for e in doc["entries"]] == [("K8S001", "deploy/batch.yaml", 15)]
    sups = load_baseline(tree / ".auditor-baseline.json")
    assert [(s.rule, s.source, s.reason, s.fingerprint) for s in sups] == [
        ("K8S001", "baseline", "known debt, ticket ML-12", doc["entries"][0]["fingerprint"])]

    code, rep = _scan(tree)
    assert code == 0
    assert rep["gate"]["passed"] is True and rep["gate"]["new_failures"] == 0 and rep["gate"]["fixed"] == 0
    (known,) = [f for f in rep["findings"] if f["rule"] == "K8S001" and f["status"] != "pass"]
    assert known["status"] == "suppressed"
    assert known["suppression"] == {"reason": "known debt, ticket ML-12", "source": "baseline", "expires": None}

    (tree / "deploy" / "trainer.yaml").write_text(NEW_FAILURE, encoding="utf-8")
    code, rep = _scan(tree)
    assert code == 1
    fails = [(f["rule"], f["location"]["path"], f["location"]["line"]) for f in rep["findings"] if f["status"] == "fail"]
    assert fails == [("K8S001", "deploy/trainer.yaml", 10)]
    assert rep["gate"]["new_failures"] == 1 and rep["gate"]["fixed"] == 0
    assert rep["gate"]["reasons"] == ["1 new failure(s) at or above severity low"]

    # fix the baselined failure: it is reported as fixed, and the new one still fails
    (tree / "deploy" / "batch.yaml").unlink()
    code, rep = _scan(tree)
    assert code == 1 and rep["gate"]["fixed"] == 1 and rep["gate"]["new_failures"] == 1
    (tree / "deploy" / "trainer.yaml").unlink()
    code, rep = _scan(tree)
    assert code == 0 and rep["gate"]["passed"] is True


def test_bad_baseline_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "b.json").write_text('{"entries": []}', encoding="utf-8")
    proc = run_cli("scan", str(ROOT / "fixtures" / "example"), "--baseline", str(tmp_path / "b.json"))
    assert proc.returncode == 2 and "not an auditor baseline" in proc.stderr


def test_committed_rule_docs_are_current() -> None:
    """CI fails when docs/rules is stale: regenerate with `auditor docs --output docs/rules`."""
    folder = ROOT / "docs" / "rules"
    want = expected_pages(load_rules().rules)
    have = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.md")} if folder.is_dir() else {}
    stale = sorted(n for n in set(want) | set(have) if want.get(n) != have.get(n))
    assert not stale, f"docs/rules is stale for {stale}: run `auditor docs --output docs/rules`"


def test_docs_command_writes_pages_and_index(tmp_path: Path) -> None:
    out = tmp_path / "rules"
    (out).mkdir()
    (out / "ZZ999.md").write_text("old", encoding="utf-8")
    proc = run_cli("docs", "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(expected_pages(load_rules().rules))
    index = (out / "README.md").read_text(encoding="utf-8")
    assert "| [K8S001](K8S001.md) | container-may-run-as-root | kubernetes | high | CONT-NON-ROOT |" in index
    assert (out / "K8S001.md").read_text(encoding="utf-8").startswith("# K8S001 container-may-run-as-root\n")

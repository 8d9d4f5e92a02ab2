"""The real public corpus: the scan finishes, every data file ends judged or listed as an error,
no rule raises on real-world input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SHARED, run_cli

CORPUS = SHARED / "corpus"
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside this checkout")


def test_corpus_scan_completes_and_accounts_for_every_file(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    proc = run_cli("scan", str(CORPUS), "--format", "json", "--output", str(out), "--fail-on", "none")
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(out.read_text())
    judged = {f["location"]["path"] for f in report["findings"]}
    listed = {e["path"] for e in report["errors"]}
    data_files = [p for p in CORPUS.rglob("*") if p.is_file() and p.name not in ("README.md", "MANIFEST.tsv")]
    # every file is accounted for: judged (some rule looked at a resource of it), an error, or a resource
    # no rule applies to (counted below through the inventory)
    from auditor.scan import ScanOptions, build_inventory

    inv = build_inventory(ScanOptions(inputs=(str(CORPUS),)))
    loaded = {r.location.path for r in inv.resources} | {e.path for e in inv.errors}
    missing = [str(p) for p in data_files if str(p.resolve()) not in {str(Path(x).resolve()) for x in loaded}]
    assert missing == []
    assert judged and listed
    errors = [f for f in report["findings"] if f["status"] == "error"]
    assert errors == [], errors[:5]
    assert report["summary"]["resources"] > 2000

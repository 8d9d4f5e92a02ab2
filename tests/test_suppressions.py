"""Suppressions: inline comments, annotations and config; reasons required; expiry; unused reported."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from auditor.config import Config, SuppressionEntry
from auditor.scan import ScanOptions, run_scan

TODAY = dt.date(2026, 11, 25)

DOCKERFILE = """FROM python:3.12-slim
# auditor:ignore DF001 expires=2027-01-31 -- the CI pins this through a build arg
FROM python
# auditor:ignore DF001
FROM node
# auditor:ignore DF001 expires=2026-01-01 -- temporary, long gone
FROM ruby
# auditor:ignore K8S001 -- wrong rule, matches nothing here
FROM alpine:latest
"""

MANIFEST = """apiVersion: v1
kind: Pod
metadata:
  name: legacy
  annotations:
    ignore.auditor.dev/K8S001: "needs root to bind port 80; expires=2027-06-30"
spec:
  containers: [{name: app, image: "nginx:1.27"}]
---
apiVersion: v1
kind: Pod
metadata:
  name: noreason
  annotations:
    ignore.auditor.dev/CONT-NON-ROOT: ""
spec:
  containers: [{name: app, image: "nginx:1.27"}]
---
apiVersion: v1
kind: Pod
metadata: {name: configured, namespace: batch}
spec:
  containers: [{name: app, image: "nginx:1.27"}]
"""


def test_inline_dockerfile_suppressions(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    rep = run_scan(ScanOptions(inputs=(str(tmp_path),), select=("DF001",), today=TODAY))
    by_line = {f.location.line: f for f in rep.findings if f.rule == "DF001" and f.status != "pass"}
    assert by_line[3].status == "suppressed"
    assert by_line[3].suppression is not None and by_line[3].suppression.reason.startswith("the CI pins")
    assert by_line[3].suppression.expires == dt.date(2027, 1, 31)
    assert by_line[5].status == "fail"  # no reason: invalid, not applied
    assert by_line[7].status == "fail"  # expired
    assert by_line[9].status == "fail"
    records = {(r.line, r.rule): r for r in rep.suppressions}
    assert records[(3, "DF001")].status == "used" and records[(3, "DF001")].matched == 1
    assert records[(5, "DF001")].status == "invalid" and "reason" in (records[(5, "DF001")].problem or "")
    assert records[(7, "DF001")].status == "expired"
    assert records[(9, "K8S001")].status == "unused"
    assert rep.summary.suppressed == 1 and rep.summary.failed == 3


def test_annotation_and_config_suppressions(tmp_path: Path) -> None:
    (tmp_path / "pods.yaml").write_text(MANIFEST)
    cfg = Config(suppress=(
        SuppressionEntry(rule="CONT-NON-ROOT", resource="Pod batch/*", reason="batch runs as root until Q2"),
        SuppressionEntry(rule="K8S001", path="nowhere/*", reason="stale entry"),
    ))
    rep = run_scan(ScanOptions(inputs=(str(tmp_path),), config=cfg, select=("K8S001",), today=TODAY))
    status = {f.resource: f.status for f in rep.findings}
    assert status == {"Pod legacy": "suppressed", "Pod noreason": "fail", "Pod batch/configured": "suppressed"}
    recs = sorted((r.source, r.rule, r.status) for r in rep.suppressions)
    assert recs == [("annotation", "CONT-NON-ROOT", "invalid"), ("annotation", "K8S001", "used"),
                    ("config", "CONT-NON-ROOT", "used"), ("config", "K8S001", "unused")]
    # suppressed failures stay visible and count as accepted in the score
    ctl = {c.id: c for c in rep.score.controls}["CONT-NON-ROOT"]
    assert (ctl.failed, ctl.suppressed, ctl.score) == (1, 2, 66.7)
    assert rep.gate.passed is False  # the one without a reason still fails


def test_expired_config_suppression_stops_applying(tmp_path: Path) -> None:
    (tmp_path / "pods.yaml").write_text(MANIFEST)
    cfg = Config(suppress=(SuppressionEntry(rule="K8S001", reason="old", expires=dt.date(2026, 11, 24)),))
    rep = run_scan(ScanOptions(inputs=(str(tmp_path),), config=cfg, select=("K8S001",), today=TODAY))
    assert [r.status for r in rep.suppressions if r.source == "config"] == ["expired"]
    assert {f.resource: f.status for f in rep.findings}["Pod batch/configured"] == "fail"

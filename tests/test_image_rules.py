"""Every image rule over its fixtures: fixtures/rules/IMG*/{fail,pass}*.json are image *specs* that
tests/images/builder.py turns into real images, written to every local transport and scanned through
the real collector, engine and suppressions (the generic fixture test skips target `image`).

A fail spec may list `expect_messages`: the rule's failures must be exactly those messages.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from auditor.docs import fixture_files
from auditor.registry import load_rules
from auditor.scan import ScanOptions, run_scan
from tests.images.builder import build
from tests.images.sources import LOCAL_SOURCES, write_as

TODAY = dt.date(2026, 11, 25)
IMAGE_RULES = [r for r in load_rules().rules if r.meta.target == "image"]


def _cases() -> list[tuple[str, Path, str]]:
    cases = []
    for r in IMAGE_RULES:
        fails, passes = fixture_files(r.meta.code)
        cases += [(r.meta.code, p, "fail") for p in fails] + [(r.meta.code, p, "pass") for p in passes]
    return cases


def scan_spec(spec_path: Path, code: str, source: str, tmp: Path) -> list:  # type: ignore[type-arg]
    img = build(json.loads(spec_path.read_text()))
    target = write_as(img, source, tmp)
    report = run_scan(ScanOptions(inputs=(target,), select=(code,), today=TODAY))
    assert not report.errors, report.errors
    return [f for f in report.findings if f.rule == code]


def test_every_image_rule_has_specs() -> None:
    assert [r.meta.code for r in IMAGE_RULES] == [f"IMG{i:03d}" for i in range(1, 10)]
    for r in IMAGE_RULES:
        fails, passes = fixture_files(r.meta.code)
        assert fails and passes and all(p.suffix == ".json" for p in fails + passes)


@pytest.mark.parametrize("source", LOCAL_SOURCES)
@pytest.mark.parametrize(("code", "fixture", "expect"), _cases(), ids=lambda v: str(getattr(v, "name", v)))
def test_image_rule_on_spec(code: str, fixture: Path, expect: str, source: str, tmp_path: Path) -> None:
    mine = scan_spec(fixture, code, source, tmp_path)
    statuses = {f.status for f in mine}
    assert "error" not in statuses and "not_assessed" not in statuses, [(f.status, f.message) for f in mine]
    if expect == "fail":
        fails = [f for f in mine if f.status == "fail"]
        assert fails, f"{code} did not fail on {fixture.name}"
        wanted = json.loads(fixture.read_text()).get("expect_messages")
        if wanted is not None:
            assert sorted(f.message for f in fails) == sorted(wanted)
        for f in fails:  # every image finding is located at the image and keyed by its repository
            assert f.location.line is None and f.uid == "image:registry.example/ml/scorer"
    else:
        assert statuses == {"pass"}, [(f.status, f.message) for f in mine]

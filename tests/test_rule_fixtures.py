"""Every rule over its own fixtures, through the real discovery, loaders, engine and suppressions.

fixtures/rules/<CODE>/fail*  must produce at least one FAIL of that rule (and, when the fixture says
`expect-lines: a, b`, failures on exactly those lines); pass* must produce PASS and no FAIL.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from auditor.checklist import load_checklist
from auditor.docs import fixture_files, rule_markdown
from auditor.registry import load_rules
from auditor.scan import ScanOptions, run_scan

RULES = load_rules().rules
TODAY = dt.date(2026, 11, 25)
_EXPECT_RE = re.compile(r"expect-lines:\s*([\d,\s]+)")

# image rules are exercised by images built by the tests (see tests/images); their fixtures are specs
FILE_TARGETS = {"dockerfile", "kubernetes", "azure", "pipeline"}


def _cases() -> list[tuple[str, Path, str]]:
    cases = []
    for r in RULES:
        if r.meta.target not in FILE_TARGETS:
            continue
        fails, passes = fixture_files(r.meta.code)
        cases += [(r.meta.code, p, "fail") for p in fails] + [(r.meta.code, p, "pass") for p in passes]
    return cases


def _expected_lines(path: Path) -> set[int] | None:
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for f in files:
        try:
            m = _EXPECT_RE.search(f.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            continue
        if m:
            return {int(x) for x in re.split(r"[,\s]+", m.group(1).strip()) if x}
    return None


@pytest.mark.parametrize(("code", "fixture", "expect"), _cases(), ids=lambda v: str(getattr(v, "name", v)))
def test_rule_on_fixture(code: str, fixture: Path, expect: str) -> None:
    report = run_scan(ScanOptions(inputs=(str(fixture),), select=(code,), today=TODAY))
    mine = [f for f in report.findings if f.rule == code]
    statuses = {f.status for f in mine}
    assert "error" not in statuses, [f.message for f in mine if f.status == "error"]
    assert not [e for e in report.errors if e.kind == "error"], report.errors
    if expect == "fail":
        fails = [f for f in mine if f.status == "fail"]
        assert fails, f"{code} did not fail on {fixture}: {[(f.status, f.message) for f in mine]}"
        lines = _expected_lines(fixture)
        if lines is not None:
            assert {f.location.line for f in fails} == lines, [(f.location.line, f.message) for f in fails]
    else:
        assert "fail" not in statuses, [f.message for f in mine if f.status == "fail"]
        assert "pass" in statuses, f"{code} produced no pass on {fixture}: {[(f.status, f.message) for f in mine]}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.meta.code)
def test_rule_has_fixtures_docs_and_known_controls(rule) -> None:  # type: ignore[no-untyped-def]
    cl = load_checklist()
    fails, passes = fixture_files(rule.meta.code)
    assert fails, f"{rule.meta.code} has no failing fixture in fixtures/rules/{rule.meta.code}/"
    assert passes, f"{rule.meta.code} has no passing fixture in fixtures/rules/{rule.meta.code}/"
    for cid in rule.meta.controls:
        assert cid in cl.control_ids
    assert rule.doc(), f"{rule.meta.code}: the check function needs a docstring saying what it checks"
    md = rule_markdown(rule)
    assert "## Why it matters" in md and "## How to fix" in md and "## Failing example" in md


def test_rule_codes_and_names_unique() -> None:
    codes = [r.meta.code for r in RULES]
    names = [r.meta.name for r in RULES]
    assert len(codes) == len(set(codes)) and len(names) == len(set(names))

"""Scoring: control -> section -> overall, with coverage beside every score.

- A control's score is passed / assessed subjects (x100). Suppressed failures count as passed
  (the risk was accepted, with a reason); errors and not-assessed subjects count as neither.
- A section's score is the severity-weighted mean of its assessed controls' scores.
- The overall score is the severity-weighted mean over every assessed control.
- Coverage is assessed / applicable controls. A control is applicable when one of its targets was
  part of the scan. NOT_ASSESSED never counts as a pass: a control with nothing assessed has no
  score (None) and lowers coverage, not the score's honesty.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from auditor.api import Rule
from auditor.checklist import Checklist
from auditor.model import SEVERITY_WEIGHT
from auditor.report import ControlResult, Finding, Score, SectionResult


def _status(passed: int, failed: int, errors: int, not_assessed: int) -> str:
    if failed:
        return "fail"
    if passed:
        return "pass"
    if errors:
        return "error"
    return "not_assessed"


def score(
    findings: Sequence[Finding],
    checklist: Checklist,
    rules: Iterable[Rule],
    targets: Iterable[str],
    severity_overrides: dict[str, str] | None = None,
) -> Score:
    overrides = severity_overrides or {}
    present = set(targets)
    rules_by_control: dict[str, list[str]] = defaultdict(list)
    for r in rules:
        for c in r.meta.controls:
            rules_by_control[c].append(r.meta.code)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for f in findings:
        for c in f.controls:
            counts[c][f.status] += 1

    controls: list[ControlResult] = []
    for ctl in checklist.controls:
        if ctl.retired:
            continue
        n = counts.get(ctl.id, {})
        passed, failed = n.get("pass", 0), n.get("fail", 0)
        suppressed, errors, na = n.get("suppressed", 0), n.get("error", 0), n.get("not_assessed", 0)
        assessed = passed + failed + suppressed
        is_applicable = bool(present.intersection(ctl.targets))
        controls.append(
            ControlResult(
                id=ctl.id,
                title=ctl.title,
                section=ctl.section,
                severity=overrides.get(ctl.id, ctl.severity),  # type: ignore[arg-type]
                scope=ctl.scope,
                targets=ctl.targets,
                status=_status(passed + suppressed, failed, errors, na),  # type: ignore[arg-type]
                applicable=is_applicable,
                score=round(100.0 * (passed + suppressed) / assessed, 1) if assessed else None,
                passed=passed,
                failed=failed,
                errors=errors,
                not_assessed=na,
                suppressed=suppressed,
                rules=tuple(sorted(rules_by_control.get(ctl.id, ()))),
            )
        )

    def weighted(items: list[ControlResult]) -> float | None:
        scored = [(SEVERITY_WEIGHT[c.severity], c.score) for c in items if c.score is not None]
        total = sum(w for w, _ in scored)
        if not scored or total == 0:
            return None
        return round(sum(w * s for w, s in scored) / total, 1)

    sections: list[SectionResult] = []
    for s in checklist.sections:
        items = [c for c in controls if c.section == s.id and c.applicable]
        scored = [c for c in items if c.score is not None]
        statuses = {c.status for c in items}
        sections.append(
            SectionResult(
                id=s.id,
                title=s.title,
                score=weighted(items),
                coverage=round(len(scored) / len(items), 3) if items else 0.0,
                controls_applicable=len(items),
                controls_assessed=len(scored),
                status="fail" if "fail" in statuses else "pass" if "pass" in statuses
                else "error" if "error" in statuses else "not_assessed",
            )
        )
    applicable = [c for c in controls if c.applicable]
    assessed_all = [c for c in applicable if c.score is not None]
    return Score(
        overall=weighted(applicable),
        coverage=round(len(assessed_all) / len(applicable), 3) if applicable else 0.0,
        checklist_coverage=round(len(assessed_all) / len(controls), 3) if controls else 0.0,
        controls_applicable=len(applicable),
        controls_assessed=len(assessed_all),
        sections=tuple(sections),
        controls=tuple(controls),
    )

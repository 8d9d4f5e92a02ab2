"""Trends over time: compare JSON reports of periodic audits (scores, coverage, new and fixed failures).

Works on saved reports only (`auditor scan ... --format json --output YYYY-MM-DD.json`), never rescans.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from auditor.report import Report


@dataclass(frozen=True)
class Point:
    source: str
    started_at: str
    overall: float | None
    coverage: float
    failed: int
    sections: dict[str, float | None]


@dataclass(frozen=True)
class Trend:
    points: tuple[Point, ...]
    new_failures: tuple[dict[str, str | int | None], ...]  # in the latest report, not in the one before
    fixed: tuple[dict[str, str | int | None], ...]  # in the one before, gone from the latest

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, default=str)


def _failures(r: Report) -> dict[str, dict[str, str | int | None]]:
    return {
        f.fingerprint: {"rule": f.rule, "severity": f.severity, "resource": f.resource, "path": f.location.path,
                        "line": f.location.line, "message": f.message}
        for f in r.findings
        if f.status == "fail" and f.fingerprint
    }


def build_trend(paths: Sequence[str]) -> Trend:
    reports = []
    for p in paths:
        reports.append((p, Report.from_json(Path(p).read_bytes())))
    reports.sort(key=lambda pr: pr[1].scan.started_at)
    points = tuple(
        Point(p, r.scan.started_at.isoformat(), r.score.overall, r.score.coverage, r.summary.failed,
              {s.id: s.score for s in r.score.sections if s.controls_applicable})
        for p, r in reports
    )
    new: tuple[dict[str, str | int | None], ...] = ()
    fixed: tuple[dict[str, str | int | None], ...] = ()
    if len(reports) >= 2:
        before, after = _failures(reports[-2][1]), _failures(reports[-1][1])
        def order(v: dict[str, str | int | None]) -> tuple[str, ...]:
            return (str(v["rule"]), str(v["resource"]), str(v["path"]), f"{v['line'] or 0:09d}", str(v["message"]))

        new = tuple(sorted((v for k, v in after.items() if k not in before), key=order))
        fixed = tuple(sorted((v for k, v in before.items() if k not in after), key=order))
    return Trend(points, new, fixed)


def render_text(t: Trend) -> str:
    def num(v: float | None) -> str:
        return "n/a" if v is None else f"{v:.0f}"

    lines = [f"{'when':<26} {'score':>5} {'cov':>5} {'fails':>6}  report"]
    prev: Point | None = None
    for p in t.points:
        delta = ""
        if prev is not None and prev.overall is not None and p.overall is not None:
            delta = f" ({p.overall - prev.overall:+.0f})"
        lines.append(f"{p.started_at[:25]:<26} {num(p.overall):>5} {p.coverage * 100:>4.0f}% {p.failed:>6}  "
                     f"{p.source}{delta}")
        prev = p
    if len(t.points) >= 2:
        lines.append("")
        lines.append(f"since the previous report: {len(t.new_failures)} new failure(s), {len(t.fixed)} fixed")
        for f in t.new_failures[:50]:
            lines.append(f"  NEW   {f['severity']:<8} {f['rule']:<8} {f['resource']}: {f['message']}")
        for f in t.fixed[:50]:
            lines.append(f"  FIXED {f['severity']:<8} {f['rule']:<8} {f['resource']}: {f['message']}")
    return "\n".join(lines) + "\n"

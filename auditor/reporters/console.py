"""Console: score and coverage, sections, then failures grouped by section, worst first.

Colour only on a terminal; plain, readable text otherwise (CI logs, files).
"""

from __future__ import annotations

import io
from collections import defaultdict

from rich.console import Console
from rich.table import Table
from rich.text import Text

from auditor.model import SEVERITY_RANK
from auditor.report import Finding, Report
from auditor.reporters import RenderOptions

_SEV_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}
_STATUS_STYLE = {"pass": "green", "fail": "red", "error": "magenta", "not_assessed": "dim", "suppressed": "blue"}


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.0f}"


def _cov(v: float) -> str:
    return f"{v * 100:.0f}%"


def _where(f: Finding) -> str:
    loc = f.location
    return f"{loc.path}:{loc.line}" if loc.line else loc.path


def render(report: Report, options: RenderOptions) -> str:
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=options.color, no_color=not options.color,
                      width=options.width or 120, highlight=False, soft_wrap=not options.color)
    sc = report.score
    s = report.summary
    head = Text()
    head.append("auditor ", style="bold")
    head.append(f"{report.tool.version}  score ")
    head.append(_pct(sc.overall), style="bold")
    head.append(f"/100  coverage {_cov(sc.coverage)} ({sc.controls_assessed}/{sc.controls_applicable} applicable "
                f"controls; {_cov(sc.checklist_coverage)} of the checklist)")
    console.print(head)
    console.print(
        f"{s.resources} resources, {s.findings} results: {s.failed} failed, {s.passed} passed, "
        f"{s.suppressed} suppressed, {s.errors} errors, {s.not_assessed} not assessed; "
        f"{s.input_errors} input errors"
    )
    sev = ", ".join(f"{k} {v}" for k, v in s.failed_by_severity.items() if v)
    if sev:
        console.print(f"failures by severity: {sev}")

    table = Table(title="Sections", show_edge=False, box=None, pad_edge=False)
    table.add_column("section")
    table.add_column("score", justify="right")
    table.add_column("coverage", justify="right")
    table.add_column("controls", justify="right")
    table.add_column("status")
    for sec in sorted(report.score.sections, key=lambda x: (x.score is None, x.score or 0)):
        if not sec.controls_applicable:
            continue
        table.add_row(sec.title, _pct(sec.score), _cov(sec.coverage), f"{sec.controls_assessed}/{sec.controls_applicable}",
                      Text(sec.status, style=_STATUS_STYLE.get(sec.status, "")))
    console.print()
    console.print(table)

    by_section: dict[str, list[Finding]] = defaultdict(list)
    for f in report.findings:
        if f.status in ("fail", "error", "not_assessed") or (options.verbose and f.status in ("suppressed", "pass")):
            by_section[f.section].append(f)
    titles = {x.id: x.title for x in report.score.sections}
    order = sorted(by_section, key=lambda sid: min(-SEVERITY_RANK[f.severity] for f in by_section[sid]))
    for sid in order:
        items = sorted(by_section[sid], key=lambda f: (f.status != "fail", -SEVERITY_RANK[f.severity],
                                                       f.location.path, f.location.line or 0))
        console.print()
        console.print(Text(f"{titles.get(sid, sid)}", style="bold underline"))
        for f in items:
            line = Text("  ")
            line.append(f"{f.status.upper():<14}", style=_STATUS_STYLE.get(f.status, ""))
            line.append(f"{f.severity:<9}", style=_SEV_STYLE.get(f.severity, ""))
            line.append(f"{f.rule} ", style="bold")
            line.append(f"{_where(f)}  {f.resource}: {f.message}")
            if f.suppression:
                line.append(f"  [suppressed: {f.suppression.reason}]", style="blue")
            console.print(line)

    if report.errors:
        console.print()
        console.print(Text("Inputs not scanned", style="bold underline"))
        for e in report.errors:
            console.print(f"  {e.kind.upper():<12}{e.path}: {e.message}")
    notable = [r for r in report.suppressions if r.status != "used"]
    if notable:
        console.print()
        console.print(Text("Suppressions needing attention", style="bold underline"))
        for r in notable:
            where = f"{r.path}:{r.line}" if r.path and r.line else (r.path or r.resource or "config")
            why = r.problem or ("expired " + str(r.expires) if r.status == "expired" else "matched nothing")
            console.print(f"  {r.status.upper():<12}{r.rule} ({r.source}, {where}): {why}")
    console.print()
    g = report.gate
    verdict = Text("GATE PASSED" if g.passed else "GATE FAILED", style="bold green" if g.passed else "bold red")
    verdict.append(f"  (fail-on {g.fail_on}" + (f", min-score {g.min_score:g}" if g.min_score is not None else "") + ")")
    for reason in g.reasons:
        verdict.append(f"\n  - {reason}")
    console.print(verdict)
    return buf.getvalue()

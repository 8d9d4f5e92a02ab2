"""Markdown summary for a GitHub step summary ($GITHUB_STEP_SUMMARY) or a pull-request comment.

Score, coverage, the gate, a section table and the top failures with links to the rule docs.
Bounded however large the scan: at most TOP_FAILURES rows, each cell clipped, and a final cap
of MAX_CHARS characters (GitHub comments take 65,536; step summaries 1 MiB).
"""

from __future__ import annotations

import html

from auditor.model import SEVERITIES
from auditor.report import Report
from auditor.reporters import RenderOptions
from auditor.reporters.common import FAMILY_TITLES, rule_docs_url, rules_by_code, where, worst_first

TOP_FAILURES = 50
MAX_ERRORS = 10
CELL = 240
MAX_CHARS = 60_000
_MD_SPECIAL = "\\`*_[]|~"


def esc(text: str, limit: int = CELL) -> str:
    """Plain text for a table cell: no HTML, no markdown, no @mentions, one line, clipped."""
    t = " ".join(str(text).split())
    if len(t) > limit:
        t = t[: limit - 1] + "\u2026"
    t = html.escape(t, quote=False)
    t = "".join("\\" + c if c in _MD_SPECIAL else c for c in t)
    return t.replace("@", "&#64;")


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.0f}/100"


def _cov(v: float) -> str:
    return f"{v * 100:.0f}%"


def render(report: Report, options: RenderOptions) -> str:
    sc, s, g = report.score, report.summary, report.gate
    infos = rules_by_code(report)
    out = [f"## auditor: score {_pct(sc.overall)}, coverage {_cov(sc.coverage)}", ""]
    verdict = "passed" if g.passed else "failed"
    gate = f"**Gate {verdict}** (fail-on {esc(g.fail_on)}" + (f", min-score {g.min_score:g}" if g.min_score is not None
                                                              else "") + ")"
    if g.baseline is not None:
        gate += f"; baseline: {g.new_failures} new, {g.fixed} fixed"
    out.append(gate)
    for r in g.reasons[:5]:
        out.append(f"- {esc(r)}")
    out += ["", f"{sc.controls_assessed} of {sc.controls_applicable} applicable controls assessed "
                f"({_cov(sc.checklist_coverage)} of the checklist); {s.resources} resources in "
                f"{', '.join(FAMILY_TITLES.get(t, esc(t)) for t in report.scan.targets) or 'no target'}.", ""]
    sev = " · ".join(f"{s.failed_by_severity.get(k, 0)} {k}" for k in SEVERITIES)
    out += [f"**{s.failed} failed** ({sev}), {s.passed} passed, {s.suppressed} suppressed, {s.errors} errors, "
            f"{s.not_assessed} not assessed, {s.input_errors} input errors.", ""]
    rows = [f"| {esc(sec.title)} | {_pct(sec.score)} | {_cov(sec.coverage)} | "
            f"{sec.controls_assessed}/{sec.controls_applicable} | {sec.status.replace('_', ' ')} |"
            for sec in report.score.sections if sec.controls_applicable]
    if rows:
        out += ["| Section | Score | Coverage | Controls | Status |", "| --- | ---: | ---: | ---: | --- |", *rows]
    else:
        out.append("_Nothing to judge: no supported input was found, so no control applies._")
    fails = sorted((f for f in report.findings if f.status == "fail"), key=worst_first)
    if fails:
        shown = fails[:TOP_FAILURES]
        out += ["", f"### Top failures ({len(shown)} of {len(fails)})", "",
                "| Severity | Rule | Resource | Location | Message |", "| --- | --- | --- | --- | --- |"]
        for f in shown:
            url = rule_docs_url(report, options, f.rule, infos.get(f.rule))
            out.append(f"| {f.severity} | [{esc(f.rule, 40)}]({url.replace(')', '%29').replace(' ', '%20')}) | "
                       f"{esc(f.resource, 120)} | {esc(where(f), 160)} | {esc(f.message)} |")
    if report.errors:
        out += ["", f"### Inputs not scanned ({len(report.errors)})", ""]
        out += [f"- {esc(e.path, 160)}: {esc(e.message)}" for e in report.errors[:MAX_ERRORS]]
        if len(report.errors) > MAX_ERRORS:
            out.append(f"- and {len(report.errors) - MAX_ERRORS} more")
    out += ["", f"<sub>auditor {esc(report.tool.version)}</sub>", ""]
    text = "\n".join(out)
    if len(text) > MAX_CHARS:  # only reachable with pathological rule titles/sections; keep whole lines
        cut = text.rfind("\n", 0, MAX_CHARS - 100)
        text = text[:cut] + "\n\n_(summary truncated)_\n"
    return text

"""HTML: one self-contained page (inline CSS, inline SVG chart, inline JS filters, no network).

All view data is computed here; the template (reports/templates/report.html.j2) only loops and
branches. Autoescape is on and undefined names are errors, so every value from a scanned file is
escaped. A Content-Security-Policy meta allows only this page's own style and script, by hash.
"""

from __future__ import annotations

import base64
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from auditor.model import SEVERITIES, SEVERITY_RANK
from auditor.registry import builtin_dir
from auditor.report import ControlResult, Finding, Report, RuleInfo
from auditor.reporters import RenderOptions
from auditor.reporters.common import (
    FAMILY_TITLES,
    STATUS_ORDER,
    rule_docs_url,
    rules_by_code,
    where,
    worst_first,
)

TEMPLATE = "report.html.j2"
MAX_PASSES = 2000  # passes beyond this are counted, not listed (the page stays usable on huge scans)
STATUS_LABEL = {"fail": "failed", "error": "error", "not_assessed": "not assessed", "suppressed": "suppressed",
                "pass": "passed", "na": "not applicable"}
CHART_ROW, CHART_LABEL_W, CHART_BAR_W = 30, 260, 360


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(loader=FileSystemLoader(str(builtin_dir("templates"))), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def _asset(name: str) -> str:
    return (builtin_dir("templates") / name).read_text(encoding="utf-8")


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def _safe_url(url: str) -> str:
    """Only http(s) or scheme-less links: a config value must not become a javascript: URL."""
    scheme = urlsplit(url).scheme.lower()
    return url if scheme in ("http", "https", "") else "#"


def _segments(markdown: str) -> list[dict[str, Any]]:
    """Remediation text split into prose and fenced code blocks (the template shows code as <pre>)."""
    out: list[dict[str, Any]] = []
    code: list[str] | None = None
    prose: list[str] = []
    for line in markdown.splitlines():
        if line.strip().startswith("```"):
            if code is None:
                if "\n".join(prose).strip():
                    out.append({"code": False, "text": "\n".join(prose).strip()})
                prose, code = [], []
            else:
                out.append({"code": True, "text": "\n".join(code)})
                code = None
            continue
        (code if code is not None else prose).append(line)
    rest = "\n".join(code if code is not None else prose).strip()
    if rest:
        out.append({"code": code is not None, "text": rest})
    return out


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.0f}"


def _cov(v: float) -> str:
    return f"{v * 100:.0f}%"


def _grade(v: float | None) -> str:
    if v is None:
        return "none"
    return "good" if v >= 80 else "warn" if v >= 50 else "bad"


@dataclass
class FindingView:
    status: str
    status_label: str
    severity: str
    rule: str
    rule_title: str
    message: str
    location: str
    object_path: str
    target: str
    section: str
    resource: str
    remediation: list[dict[str, Any]]
    docs_url: str
    evidence: str
    suppressed: bool
    suppression_reason: str
    suppression_source: str
    suppression_expires: str
    search: str


@dataclass
class ResourceGroup:
    name: str
    findings: list[FindingView] = field(default_factory=list)


@dataclass
class ControlGroup:
    id: str
    title: str
    status: str
    resources: list[ResourceGroup] = field(default_factory=list)


@dataclass
class SectionGroup:
    id: str
    title: str
    score: str
    grade: str
    controls: list[ControlGroup] = field(default_factory=list)
    count: int = 0


def _finding_view(f: Finding, info: RuleInfo | None, report: Report, options: RenderOptions) -> FindingView:
    s = f.suppression
    text = " ".join((f.rule, f.rule_name, f.message, f.resource, where(f), f.section, *f.controls)).lower()
    return FindingView(
        status=f.status, status_label=STATUS_LABEL[f.status], severity=f.severity, rule=f.rule,
        rule_title=info.title if info else f.rule_name, message=f.message, location=where(f),
        object_path=f.location.object_path or "", target=f.target, section=f.section, resource=f.resource,
        remediation=_segments(info.remediation) if info else [], docs_url=_safe_url(rule_docs_url(report, options, f.rule, info)),
        evidence=f.evidence or "", suppressed=f.status == "suppressed", suppression_reason=s.reason if s else "",
        suppression_source=s.source if s else "", suppression_expires=s.expires.isoformat() if s and s.expires else "",
        search=text,
    )


def _groups(report: Report, options: RenderOptions) -> tuple[list[SectionGroup], int]:
    infos = rules_by_code(report)
    titles = {s.id: s.title for s in report.score.sections}
    sec_scores = {s.id: s.score for s in report.score.sections}
    controls = {c.id: c for c in report.score.controls}
    tree: dict[str, dict[str, dict[str, list[Finding]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    passes = omitted = 0
    for f in sorted(report.findings, key=worst_first):
        if f.status == "pass":
            passes += 1
            if passes > MAX_PASSES:
                omitted += 1
                continue
        cid = f.controls[0] if f.controls else f.rule
        path = f.location.path
        # the same display name can sit in two files (two overlays of one Deployment): keep them apart
        name = f.resource if not path or path in f.resource else f"{f.resource} ({path})"
        tree[f.section][cid][name].append(f)

    def rank(items: list[Finding]) -> tuple[int, int]:
        return min((STATUS_ORDER[x.status], -SEVERITY_RANK[x.severity]) for x in items)

    sections: list[tuple[tuple[int, int], SectionGroup]] = []
    for sid, ctl_map in tree.items():
        sg = SectionGroup(sid, titles.get(sid, sid), _pct(sec_scores.get(sid)), _grade(sec_scores.get(sid)))
        ranked = sorted(ctl_map.items(), key=lambda kv: (rank([x for v in kv[1].values() for x in v]), kv[0]))
        for cid, res_map in ranked:
            c = controls.get(cid)
            cg = ControlGroup(cid, c.title if c else cid, c.status if c else "not_assessed")
            for rname, items in sorted(res_map.items(), key=lambda kv: (rank(kv[1]), kv[0])):
                cg.resources.append(ResourceGroup(rname, [_finding_view(f, infos.get(f.rule), report, options)
                                                          for f in items]))
                sg.count += len(items)
            sg.controls.append(cg)
        sections.append((rank([x for m in ctl_map.values() for v in m.values() for x in v]), sg))
    sections.sort(key=lambda t: (t[0], t[1].title))
    return [sg for _, sg in sections], omitted


def _matrix(report: Report) -> list[dict[str, Any]]:
    by_section: dict[str, list[ControlResult]] = defaultdict(list)
    for c in report.score.controls:
        by_section[c.section].append(c)
    rows = []
    for s in report.score.sections:
        cells = []
        for c in by_section.get(s.id, []):
            status = c.status if c.applicable else "na"
            detail = (f"{c.id}: {c.title} - {STATUS_LABEL[status]}"
                      + (f", score {c.score:.0f}" if c.score is not None else "")
                      + f" ({c.passed} passed, {c.failed} failed, {c.suppressed} suppressed, "
                        f"{c.not_assessed} not assessed, {c.errors} errors)")
            cells.append({"id": c.id, "status": status, "label": STATUS_LABEL[status], "detail": detail})
        rows.append({"id": s.id, "title": s.title, "score": _pct(s.score), "coverage": _cov(s.coverage),
                     "cells": cells})
    return rows


def _chart(report: Report) -> dict[str, Any]:
    bars = []
    sections = [s for s in report.score.sections if s.controls_applicable]
    for i, s in enumerate(sections):
        y = i * CHART_ROW
        width = round(CHART_BAR_W * (s.score or 0) / 100, 1)
        bars.append({"title": s.title, "rect_y": y + 5, "text_y": y + 19, "width": width, "grade": _grade(s.score),
                     "label": f"{_pct(s.score)}" + ("" if s.score is None else "/100") + f" · coverage {_cov(s.coverage)}",
                     "value_x": CHART_LABEL_W + CHART_BAR_W + 10})
    return {"bars": bars, "height": max(len(bars) * CHART_ROW, CHART_ROW), "label_w": CHART_LABEL_W,
            "bar_w": CHART_BAR_W, "width": CHART_LABEL_W + CHART_BAR_W + 190}


def view(report: Report, options: RenderOptions) -> dict[str, Any]:
    """Everything the template shows, already computed and formatted."""
    sc, s = report.score, report.summary
    sections, omitted = _groups(report, options)
    present = sorted({f.target for f in report.findings} | set(report.scan.targets))
    sev_counts = [{"name": k, "count": s.failed_by_severity.get(k, 0)} for k in SEVERITIES]
    statuses = [{"id": k, "label": STATUS_LABEL[k], "checked": k != "pass"} for k in STATUS_ORDER]
    return {
        "title": f"auditor report: score {_pct(sc.overall)}",
        "tool": report.tool,
        "overall": _pct(sc.overall),
        "overall_grade": _grade(sc.overall),
        "coverage": _cov(sc.coverage),
        "checklist_coverage": _cov(sc.checklist_coverage),
        "controls_assessed": sc.controls_assessed,
        "controls_applicable": sc.controls_applicable,
        "summary": s,
        "sev_counts": sev_counts,
        "gate": report.gate,
        "gate_label": "passed" if report.gate.passed else "failed",
        "started": report.scan.started_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "duration": f"{report.scan.duration_seconds:.2f} s",
        "inputs": report.scan.inputs,
        "targets": [{"id": t, "label": FAMILY_TITLES.get(t, t)} for t in present],
        "config": report.scan.config or "(defaults)",
        "chart": _chart(report),
        "matrix": _matrix(report),
        "sections": sections,
        "section_filters": [{"id": g.id, "title": g.title} for g in sections],
        "severities": list(SEVERITIES),
        "statuses": statuses,
        "omitted_passes": omitted,
        "errors": report.errors,
        "suppression_records": [r for r in report.suppressions if r.status != "used"],
        "total": sum(g.count for g in sections),
    }


def render(report: Report, options: RenderOptions) -> str:
    css, js = _asset("report.css"), _asset("report.js")
    csp = ("default-src 'none'; img-src data:; base-uri 'none'; form-action 'none'; "
           f"style-src {_csp_hash(css)}; script-src {_csp_hash(js)}")
    ctx = view(report, options)
    return _env().get_template(TEMPLATE).render(v=ctx, css=Markup(css), js=Markup(js), csp=csp)

"""Baselines: accept today's failures, gate only on new ones, report the fixed ones.

A baseline file records the fingerprints of the failures of one scan (`auditor baseline create`).
`auditor scan --baseline FILE` turns each entry into a suppression (source "baseline"), so known
failures show as suppressed with the baseline's reason and stay visible, while any failure whose
fingerprint is not in the file still fails the gate. Entries that match nothing any more are the
fixed failures.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from auditor.model import Suppression
from auditor.report import Report

BASELINE_FORMAT = "auditor-baseline/v1"
DEFAULT_REASON = "accepted in the baseline"


def create_baseline(report: Report, reason: str = DEFAULT_REASON) -> dict[str, Any]:
    """The baseline document for the failures of `report` (sorted, no timestamps: diff-friendly)."""
    entries = []
    seen: set[tuple[str, str]] = set()
    for f in report.findings:
        if f.status != "fail" or not f.fingerprint or (f.rule, f.fingerprint) in seen:
            continue
        seen.add((f.rule, f.fingerprint))
        entries.append({
            "rule": f.rule,
            "fingerprint": f.fingerprint,
            "resource": f.resource,
            "path": f.location.path,
            "line": f.location.line,
            "message": f.message,
            "reason": reason,
        })
    entries.sort(key=lambda e: (e["rule"], e["path"] or "", e["line"] or 0, e["fingerprint"]))
    return {"format": BASELINE_FORMAT, "tool_version": report.tool.version, "entries": entries}


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _entries(path: str | Path) -> list[dict[str, Any]]:
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(doc, dict) or doc.get("format") != BASELINE_FORMAT:
        raise ValueError(f"not an auditor baseline (expected format {BASELINE_FORMAT!r})")
    entries = doc.get("entries")
    if not isinstance(entries, list):
        raise ValueError("baseline has no 'entries' list")
    out = []
    for i, e in enumerate(entries):
        if not isinstance(e, dict) or not isinstance(e.get("rule"), str) or not isinstance(e.get("fingerprint"), str):
            raise ValueError(f"baseline entry {i} needs string 'rule' and 'fingerprint'")
        out.append(e)
    return out


def load_baseline(path: str | Path) -> list[Suppression]:
    """Suppressions for every entry of the baseline file (raises OSError/ValueError on a bad file)."""
    sups = []
    for e in _entries(path):
        reason = str(e.get("reason") or DEFAULT_REASON)
        sups.append(Suppression(rule=e["rule"], reason=reason, source="baseline", fingerprint=e["fingerprint"],
                                path=e.get("path") if isinstance(e.get("path"), str) else None))
    return sups


def apply_baseline_gate(report: Report, path: str | Path) -> Report:
    """Record new and fixed failures on the gate. The gate already judged only unsuppressed failures,
    i.e. those not in the baseline; this adds the counts and says so in the reasons."""
    entries = _entries(path)
    known = {(e["rule"], e["fingerprint"]) for e in entries}
    current = {(f.rule, f.fingerprint) for f in report.findings if f.status in ("fail", "suppressed")}
    fixed = sum(1 for k in known if k not in current)
    new = [f for f in report.findings if f.status == "fail" and (f.rule, f.fingerprint) not in known]
    reasons = tuple(
        r.replace("failure(s)", "new failure(s)", 1) if r.endswith(f"severity {report.gate.fail_on}") else r
        for r in report.gate.reasons
    )
    gate = report.gate.model_copy(update={"baseline": str(path), "new_failures": len(new), "fixed": fixed,
                                          "reasons": reasons})
    return report.model_copy(update={"gate": gate})

"""JUnit XML for Azure DevOps PublishTestResults and GitLab `reports:junit`.

A testsuite per target family, a testcase per (rule, resource): failures carry the message and the
location (file:line) in the `message` attribute and the body; a rule error is an <error>; not
assessed and suppressed results are <skipped> with the reason (neither passed nor failed).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from auditor.report import Finding, Report
from auditor.reporters import RenderOptions
from auditor.reporters.common import FAMILIES, is_file_path, rule_docs_url, rules_by_code, where, worst_first

_XML_BAD = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(text: str) -> str:
    """Text safe for XML 1.0 (scanned files may carry control characters)."""
    return _XML_BAD.sub("\ufffd", text)


def _failure_text(items: list[Finding], url: str) -> str:
    lines = []
    for f in items:
        lines.append(f"[{f.severity}] {where(f)}" + (f" ({f.location.object_path})" if f.location.object_path else ""))
        lines.append(f"  {f.message}")
        if f.evidence:
            lines.append(f"  evidence: {f.evidence}")
    lines.append(f"Controls: {', '.join(items[0].controls)}. Documentation: {url}")
    return "\n".join(lines)


def _testcase(parent: ET.Element, family: str, items: list[Finding], report: Report, options: RenderOptions) -> str:
    infos = rules_by_code(report)
    first = items[0]
    url = rule_docs_url(report, options, first.rule, infos.get(first.rule))
    attrs = {
        "name": _x(f"{first.rule} {first.rule_name}: {first.resource}"),
        "classname": _x(f"auditor.{family}.{first.rule}"),
        "time": "0",
    }
    if is_file_path(first.location.path):
        attrs["file"] = _x(first.location.path)
    if first.location.line:
        attrs["line"] = str(first.location.line)
    case = ET.SubElement(parent, "testcase", attrs)
    fails = [f for f in items if f.status == "fail"]
    errors = [f for f in items if f.status == "error"]
    skipped = [f for f in items if f.status in ("not_assessed", "suppressed")]
    if fails:
        more = f" (+{len(fails) - 1} more)" if len(fails) > 1 else ""
        el = ET.SubElement(case, "failure", {"message": _x(f"{fails[0].message} at {where(fails[0])}{more}"),
                                             "type": fails[0].severity})
        el.text = _x(_failure_text(fails, url))
        return "fail"
    if errors:
        el = ET.SubElement(case, "error", {"message": _x(f"{errors[0].message} at {where(errors[0])}"),
                                           "type": "RuleError"})
        el.text = _x(_failure_text(errors, url))
        return "error"
    if skipped:
        s = skipped[0]
        why = f"suppressed: {s.suppression.reason}" if s.suppression else s.message
        if s.suppression and s.suppression.expires:
            why += f" (expires {s.suppression.expires.isoformat()})"
        ET.SubElement(case, "skipped", {"message": _x(why)})
        return "skipped"
    return "pass"


def render(report: Report, options: RenderOptions) -> str:
    by_family: dict[str, dict[tuple[str, str], list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for f in sorted(report.findings, key=worst_first):
        by_family[f.target][(f.rule, f.uid or f.resource)].append(f)
    families = [t for t in FAMILIES if t in by_family or t in report.scan.targets]
    families += sorted(t for t in by_family if t not in families)
    stamp = report.scan.started_at.strftime("%Y-%m-%dT%H:%M:%S")
    root = ET.Element("testsuites", {"name": "auditor"})
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for i, fam in enumerate(families):
        suite = ET.Element("testsuite", {"name": f"auditor.{fam}", "id": str(i), "timestamp": stamp,
                                         "time": "0", "package": "auditor"})
        props = ET.SubElement(suite, "properties")
        for name, value in (("score", report.score.overall), ("coverage", report.score.coverage),
                            ("gate", "passed" if report.gate.passed else "failed"), ("target", fam)):
            ET.SubElement(props, "property", {"name": name, "value": "n/a" if value is None else str(value)})
        counts = {"fail": 0, "error": 0, "skipped": 0, "pass": 0}
        cases = by_family.get(fam, {})
        for key in sorted(cases, key=lambda k: (worst_first(cases[k][0]), k)):
            counts[_testcase(suite, fam, cases[key], report, options)] += 1
        n = sum(counts.values())
        suite.set("tests", str(n))
        suite.set("failures", str(counts["fail"]))
        suite.set("errors", str(counts["error"]))
        suite.set("skipped", str(counts["skipped"]))
        root.append(suite)
        totals["tests"] += n
        totals["failures"] += counts["fail"]
        totals["errors"] += counts["error"]
    for k, v in totals.items():
        root.set(k, str(v))
    root.set("time", f"{report.scan.duration_seconds:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

"""SARIF 2.1.0 for GitHub code scanning, Azure DevOps, DefectDojo and SonarQube.

One run per target family (and per Azure subscription), each with a stable
`automationDetails.id` category. Rules carry help, a docs link, a numeric `security-severity`
and relate to the checklist, which is emitted as a SARIF taxonomy. Only failures become results
by default (GitHub turns every result into an alert). Findings without a file get a stable
synthetic repo-relative path and a logical location with their real id. Everything that
identifies an alert (ruleId, uri, fingerprints) is derived from the Report only, never from
timestamps, temp dirs or digests.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from typing import Any

from auditor.checklist import load_checklist
from auditor.model import SEVERITY_RANK
from auditor.report import Finding, Report, RuleInfo
from auditor.reporters import RenderOptions
from auditor.reporters.common import (
    FAMILIES,
    anchor,
    live_cluster,
    rule_docs_url,
    rules_by_code,
    slug,
    subscription_of,
)

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "auditor/v1"
MAX_RUNS = 20
MAX_RESULTS = 5_000  # GitHub keeps only the top 5,000 of a run: keep the worst, count the rest in run.properties
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "2.0", "info": "1.0"}  # info: GitHub's low band
LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
TAXONOMY_NAME = "auditor-checklist"
_EXTERNAL_SOURCES = {"config", "baseline"}
_GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def pascal(name: str) -> str:
    """Kebab rule name -> PascalCase SARIF rule name (container-may-run-as-root -> ContainerMayRunAsRoot)."""
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[^A-Za-z0-9]+", name) if p)


def _sentence(text: str) -> str:
    t = " ".join(text.split())
    if not t:
        return "(no message)."
    return t if t[-1] in ".!?" else t + "."


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _family_key(f: Finding) -> tuple[str, str]:
    family = f.target if f.target in FAMILIES else "other"
    if family == "azure":
        sub = subscription_of(f.uid)
        if sub is None and f.location.path.lower().startswith("azure:"):  # estate findings of a live scan
            scope = f.location.path.partition(":")[2]
            sub = scope.lower() if _GUID_RE.match(scope) else None
        return family, sub or ""
    if family == "kubernetes":  # a live cluster is its own category, apart from the manifests
        return family, live_cluster(f) or ""
    return family, ""


def _category(key: tuple[str, str]) -> str:
    family, sub = key
    return f"auditor/{family}/{sub}/" if sub else f"auditor/{family}/"


def _selected(f: Finding, options: RenderOptions) -> bool:
    if f.status == "fail":
        return True
    if f.status == "suppressed":
        return options.include_suppressed
    return options.include_passed


def _taxonomy(report: Report) -> dict[str, Any]:
    cl = load_checklist()
    sections = {s.id: s.title for s in cl.sections}
    taxa = []
    for c in report.score.controls:
        taxa.append({
            "id": c.id,
            "name": pascal(c.id.lower()),
            "shortDescription": {"text": _sentence(c.title)},
            "fullDescription": {"text": _sentence(_clip(_intent(c.id), 1000) or c.title)},
            "defaultConfiguration": {"level": LEVEL[c.severity]},
            "properties": {"section": c.section, "sectionTitle": sections.get(c.section, c.section),
                           "severity": c.severity},
        })
    return {
        "name": TAXONOMY_NAME,
        "fullName": "auditor readiness checklist for AI/ML deployments",
        "version": report.tool.version,
        "organization": "auditor",
        "informationUri": report.tool.information_uri,
        "shortDescription": {"text": "Controls of the AI/ML deployment readiness checklist."},
        "isComprehensive": True,
        "taxa": taxa,
    }


def _intent(cid: str) -> str:
    try:
        return load_checklist().control(cid).intent
    except KeyError:
        return ""


def _fallback_rule(f: Finding) -> RuleInfo:
    return RuleInfo(code=f.rule, name=f.rule_name, title=f.rule_name.replace("-", " ").capitalize(),
                    controls=f.controls, target=f.target, severity=f.severity, section=f.section,
                    rationale=f.rule_name.replace("-", " ").capitalize(), remediation="See the rule documentation.")


def _rule_entry(info: RuleInfo, url: str, taxa_index: dict[str, int]) -> dict[str, Any]:
    md = (f"**{info.title}**\n\n{info.rationale}\n\n**How to fix**\n\n{info.remediation}\n\n"
          f"Controls: {', '.join(info.controls)}. [Rule documentation]({url})")
    text = f"{info.title}\n\n{info.rationale}\n\nHow to fix:\n{info.remediation}\n\nDocumentation: {url}"
    tags = ["security", info.section, *info.controls, info.target]
    entry: dict[str, Any] = {
        "id": info.code,
        "name": pascal(info.name),
        "shortDescription": {"text": _sentence(_clip(info.title, 1000))},
        "fullDescription": {"text": _sentence(_clip(info.rationale, 1000))},
        "help": {"text": text, "markdown": md},
        "helpUri": url,
        "defaultConfiguration": {"level": LEVEL[info.severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[info.severity],
            "severity": info.severity,
            "precision": "high",
            "tags": list(dict.fromkeys(tags))[:20],
        },
    }
    rels = [
        {"target": {"id": cid, "index": taxa_index[cid], "toolComponent": {"name": TAXONOMY_NAME, "index": 0}},
         "kinds": ["superset"]}
        for cid in info.controls if cid in taxa_index
    ]
    if rels:
        entry["relationships"] = rels
    return entry


def _line_hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16] + ":1"


def _result(f: Finding, rule_index: int) -> dict[str, Any]:
    a = anchor(f)
    region: dict[str, Any] = {"startLine": a.line}
    if a.end_line and a.end_line > a.line:
        region["endLine"] = a.end_line
    location: dict[str, Any] = {
        "physicalLocation": {"artifactLocation": {"uri": a.uri, "uriBaseId": "%SRCROOT%"}, "region": region},
    }
    logical_name = f.location.object_path or ""
    if a.logical_id:
        location["logicalLocations"] = [
            {"name": f.resource.split(" ", 1)[-1] or a.logical_id, "fullyQualifiedName": a.logical_id,
             "kind": "resource"}
        ]
    elif logical_name:
        location["logicalLocations"] = [
            {"name": logical_name, "fullyQualifiedName": f"{f.resource}/{logical_name}", "kind": "member"}
        ]
    fingerprints = {FINGERPRINT_KEY: f.fingerprint or hashlib.sha256(
        "\x1f".join((f.rule, f.uid, f.resource, logical_name, f.message)).encode("utf-8")).hexdigest()[:32]}
    if a.synthetic:
        fingerprints["primaryLocationLineHash"] = _line_hash(f.rule, a.uri, a.logical_id or "", logical_name)
    is_fail = f.status in ("fail", "suppressed")
    kind = "fail" if is_fail else {"pass": "pass", "not_assessed": "open", "error": "open"}[f.status]
    props: dict[str, Any] = {"severity": f.severity, "status": f.status, "section": f.section,
                             "controls": list(f.controls), "resource": f.resource, "target": f.target}
    if f.location.object_path:
        props["objectPath"] = f.location.object_path
    if f.evidence:
        props["evidence"] = f.evidence
    if f.uid:
        props["uid"] = f.uid
    res: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "kind": kind,
        "level": LEVEL[f.severity] if is_fail else "none",
        "message": {"text": _sentence(f.message)},
        "locations": [location],
        "partialFingerprints": fingerprints,
        "properties": props,
    }
    if f.status == "suppressed" and f.suppression is not None:
        s = f.suppression
        sup: dict[str, Any] = {
            "kind": "external" if s.source in _EXTERNAL_SOURCES else "inSource",
            "status": "accepted",
            "justification": s.reason or "(no reason given)",
            "properties": {"source": s.source},
        }
        if s.expires is not None:
            sup["properties"]["expires"] = s.expires.isoformat()
        res["suppressions"] = [sup]
    return res


def _run(report: Report, options: RenderOptions, key: tuple[str, str], findings: list[Finding],
         notifications: list[dict[str, Any]], taxonomy: dict[str, Any]) -> dict[str, Any]:
    infos = rules_by_code(report)
    taxa_index = {t["id"]: i for i, t in enumerate(taxonomy["taxa"])}
    family = key[0]
    codes = sorted({r.code for r in report.rules if r.target == family} | {f.rule for f in findings})
    rule_list = [infos.get(c) or _fallback_rule(next(f for f in findings if f.rule == c)) for c in codes]
    index = {r.code: i for i, r in enumerate(rule_list)}
    driver: dict[str, Any] = {
        "name": report.tool.name,
        "fullName": "auditor readiness and compliance scanner for AI/ML deployments",
        "version": report.tool.version,
        "semanticVersion": report.tool.version,
        "informationUri": report.tool.information_uri,
        "rules": [_rule_entry(r, rule_docs_url(report, options, r.code, r), taxa_index) for r in rule_list],
        "supportedTaxonomies": [{"name": TAXONOMY_NAME, "index": 0}],
    }
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    kept = findings
    if len(findings) > MAX_RESULTS:
        kept = sorted(findings, key=lambda f: (f.status != "fail", -SEVERITY_RANK[f.severity], f.rule,
                                               anchor(f).uri, f.resource, f.message))[:MAX_RESULTS]
    ordered = sorted(kept, key=lambda f: (f.rule, anchor(f).uri, anchor(f).line, f.resource, f.message))
    return {
        "tool": {"driver": driver},
        "automationDetails": {"id": _category(key)},
        "taxonomies": [taxonomy],
        "invocations": [invocation],
        "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The root of the scanned repository."}}},
        "columnKind": "utf16CodeUnits",
        "results": [_result(f, index[f.rule]) for f in ordered],
        "properties": {"targetFamily": family, "score": report.score.overall, "coverage": report.score.coverage,
                       "resultsOmitted": len(findings) - len(kept)},
    }


def _notifications(report: Report) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in report.errors:
        fam = e.target if e.target in FAMILIES else ""
        out[fam].append({"level": "error" if e.kind == "error" else "warning",
                         "message": {"text": _sentence(f"{e.path}: {e.message}")}})
    return out


def build(report: Report, options: RenderOptions) -> dict[str, Any]:
    """The SARIF log as a dict."""
    groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    # every family (and Azure subscription) that was scanned gets its run, even when clean: an
    # upload with the same category is what closes alerts fixed since the last one
    for fam in report.scan.targets:
        if fam in FAMILIES and fam != "azure":
            groups.setdefault((fam, ""), [])
    for f in report.findings:
        groups.setdefault(_family_key(f), [])
    for ref in report.scan.inputs:
        scheme, _, sub = ref.partition(":")
        if scheme.lower() == "azure" and _GUID_RE.match(sub):
            groups.setdefault(("azure", sub.lower()), [])
        elif scheme.lower() == "k8s" and sub:
            groups.setdefault(("kubernetes", slug(sub)), [])
    for f in report.findings:
        if _selected(f, options):
            groups[_family_key(f)].append(f)
    if "azure" in report.scan.targets and not any(k[0] == "azure" for k in groups):
        groups.setdefault(("azure", ""), [])
    if len(groups) > MAX_RUNS:  # fold Azure subscriptions into one run rather than exceed GitHub's limit
        folded: dict[tuple[str, str], list[Finding]] = defaultdict(list)
        for k, v in groups.items():
            folded[(k[0], "") if k[0] == "azure" else k].extend(v)
        groups = folded
    if not groups:
        groups.setdefault((FAMILIES[0], ""), [])
    order = {f: i for i, f in enumerate(FAMILIES)}
    keys = sorted(groups, key=lambda k: (order.get(k[0], 99), k[1]))
    # input errors go to the first run of their family, the rest to the first run: each exactly once
    first_of: dict[str, tuple[str, str]] = {}
    for k in keys:
        first_of.setdefault(k[0], k)
    placed: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for fam, items in sorted(_notifications(report).items()):
        placed[first_of.get(fam, keys[0])].extend(items)
    taxonomy = _taxonomy(report)
    runs = [_run(report, options, k, groups[k], placed.get(k, []), taxonomy) for k in keys]
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": runs}


COMPACT_AFTER = 2_000  # results; larger logs are written without indentation (about half the size)


def render(report: Report, options: RenderOptions) -> str:
    doc = build(report, options)
    if sum(len(r["results"]) for r in doc["runs"]) > COMPACT_AFTER:
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"

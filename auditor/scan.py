"""Orchestration: targets -> inventory -> engine -> suppressions -> scoring -> Report."""

from __future__ import annotations

import datetime as dt
import gc
import importlib
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.checklist import load_checklist
from auditor.config import Config
from auditor.discovery import load_file, walk
from auditor.engine import RuleSelection, rule_severity, run_rules, select_rules
from auditor.inventory import Inventory
from auditor.loaders import LoadOptions, LoadResult
from auditor.model import SEVERITY_RANK, InputError, Resource, Suppression
from auditor.registry import RuleSet, load_rules
from auditor.report import (
    ErrorEntry,
    Finding,
    Gate,
    Report,
    RuleInfo,
    ScanInfo,
    Summary,
    SuppressionRecord,
    ToolInfo,
)
from auditor.scoring import score
from auditor.suppressions import apply as apply_suppressions

# Live and image targets: `scheme:reference` -> collector module exposing
#   collect(ref: str, options: Mapping[str, Any]) -> LoadResult
LIVE_SCHEMES: dict[str, str] = {
    "azure": "auditor.collectors.azure",
    "k8s": "auditor.collectors.kubernetes",
    "docker-archive": "auditor.collectors.image",
    "oci": "auditor.collectors.image",
    "oci-archive": "auditor.collectors.image",
    "docker": "auditor.collectors.image",
}


class ScanError(Exception):
    """A usage or tool error (exit 2), as opposed to a problem found in the scanned input."""


@dataclass(frozen=True)
class ScanOptions:
    inputs: tuple[str, ...]
    config: Config = field(default_factory=Config)
    config_path: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    rules_dirs: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    fail_on: str = "low"
    min_score: float | None = None
    fail_on_input_errors: bool = False
    today: dt.date = field(default_factory=dt.date.today)
    live: Mapping[str, Any] = field(default_factory=dict)  # options for collectors (namespace, cloud, ...)
    parameters: tuple[str, ...] = ()
    extra_suppressions: tuple[Suppression, ...] = ()
    stdin: Any = None  # a binary stream for the `-` input (tests pass one)


def split_live(ref: str) -> tuple[str, str] | None:
    if ref.startswith("docker://"):
        return "docker", ref[len("docker://") :]
    scheme, sep, rest = ref.partition(":")
    if sep and scheme in LIVE_SCHEMES and not Path(ref).exists():
        return scheme, rest
    return None


def _collect_live(scheme: str, ref: str, opts: ScanOptions) -> LoadResult:
    modname = LIVE_SCHEMES[scheme]
    try:
        mod = importlib.import_module(modname)
    except ModuleNotFoundError as exc:
        if exc.name == modname:
            raise ScanError(f"target {scheme}:{ref}: this build of auditor has no {scheme} collector") from None
        raise
    live = dict(opts.live)
    live.setdefault("scheme", scheme)
    result: LoadResult = mod.collect(ref, live)
    return result


def build_inventory(opts: ScanOptions) -> Inventory:
    cfg = opts.config
    load_opts = LoadOptions(build_args=dict(cfg.build_args), max_file_size=cfg.max_file_size,
                            parameters=opts.parameters)
    resources: list[Resource] = []
    errors: list[InputError] = []
    paths: list[str] = []
    tmp: tempfile.TemporaryDirectory[str] | None = None
    try:
        for raw in opts.inputs:
            live = split_live(raw)
            if live is not None:
                r = _collect_live(live[0], live[1], opts)
                resources.extend(r.resources)
                errors.extend(r.errors)
                continue
            if raw == "-":
                tmp = tmp or tempfile.TemporaryDirectory(prefix="auditor-stdin-")
                stream = opts.stdin if opts.stdin is not None else sys.stdin.buffer
                spool = Path(tmp.name) / "stdin.yaml"
                spool.write_bytes(stream.read())
                paths.append(str(spool))
                continue
            if not Path(raw).exists():
                raise ScanError(f"no such file or directory, and not a known target: {raw}")
            paths.append(raw)
        excludes = tuple(cfg.exclude) + opts.excludes
        for f in walk(paths, excludes):
            if tmp is not None and f.path.parent == Path(tmp.name):
                f = type(f)(f.path, "-", "-")
            r = load_file(f, load_opts)
            resources.extend(r.resources)
            errors.extend(r.errors)
    finally:
        if tmp is not None:
            tmp.cleanup()
    return Inventory.build(resources, errors, opts.inputs)


def _rules(opts: ScanOptions) -> tuple[RuleSet, list[Any], RuleSelection]:
    cfg = opts.config
    try:
        ruleset = load_rules(tuple(cfg.rules_dirs) + opts.rules_dirs)
    except Exception as exc:
        raise ScanError(str(exc)) from None
    sel = RuleSelection(
        select=tuple(cfg.select) + opts.select,
        ignore=tuple(cfg.ignore) + opts.ignore,
        severity=dict(cfg.severity),
        params=dict(cfg.params),
    )
    known = {r.meta.code for r in ruleset.rules} | {a for r in ruleset.rules for a in r.meta.aliases}
    for code in sel.params:
        if code not in known:
            raise ScanError(f"configuration names parameters for unknown rule {code}")
    chosen = select_rules(ruleset.rules, sel)
    return ruleset, chosen, sel


def judge(inventory: Inventory, opts: ScanOptions, started: float | None = None) -> Report:
    started = started if started is not None else time.perf_counter()
    started_at = dt.datetime.now(dt.UTC)
    cl = load_checklist()
    cfg = opts.config
    ruleset, chosen, sel = _rules(opts)
    settings = {"eol": [e.model_dump() for e in cfg.eol], "today": opts.today}
    try:
        findings = run_rules(chosen, inventory, sel, settings)
    except ValueError as exc:  # invalid parameters
        raise ScanError(str(exc)) from None

    # suppressions: inline + annotations (on resources), config entries, extra (baseline)
    subs: list[Suppression] = [s for r in inventory.resources for s in r.suppressions]
    subs += [
        Suppression(rule=e.rule, reason=e.reason, source="config", expires=e.expires, path=e.path,
                    resource=e.resource)
        for e in cfg.suppress
    ]
    subs += list(opts.extra_suppressions)
    aliases = {a: r.meta.code for r in ruleset.rules for a in r.meta.aliases}
    findings, records = apply_suppressions(findings, subs, opts.today, aliases)
    findings.sort(key=_finding_order)

    sc = score(findings, cl, chosen, inventory.targets, dict(cfg.severity))
    errors = tuple(
        ErrorEntry(path=e.path, message=e.message, target=e.target, kind=e.kind) for e in inventory.errors
    )
    summary = _summary(findings, inventory, errors)
    gate = evaluate_gate(findings, sc.overall, opts.fail_on, opts.min_score,
                         summary.input_errors if opts.fail_on_input_errors else 0)
    rules_info = tuple(
        RuleInfo(
            code=r.meta.code, name=r.meta.name, title=r.meta.title, controls=r.meta.controls, target=r.meta.target,
            severity=rule_severity(r, cl, sel.severity),  # type: ignore[arg-type]
            section=cl.control(r.meta.controls[0]).section, rationale=r.meta.rationale,
            remediation=r.meta.remediation, references=r.meta.references,
            help_uri=(cfg.docs_base_url.rstrip("/") + f"/{r.meta.code}.md") if cfg.docs_base_url else None,
        )
        for r in chosen
    )
    return Report(
        tool=ToolInfo(version=__version__),
        scan=ScanInfo(
            started_at=started_at,
            duration_seconds=round(time.perf_counter() - started, 3),
            inputs=tuple(inventory.sources),
            targets=tuple(sorted(inventory.targets)),
            config=opts.config_path,
        ),
        score=sc,
        summary=summary,
        gate=gate,
        findings=tuple(findings),
        errors=errors,
        suppressions=tuple(records),
        rules=rules_info,
    )


_STATUS_ORDER = {"fail": 0, "error": 1, "not_assessed": 2, "suppressed": 3, "pass": 4}


def _finding_order(f: Finding) -> tuple[Any, ...]:
    return (_STATUS_ORDER[f.status], -SEVERITY_RANK[f.severity], f.location.path, f.location.line or 0, f.rule,
            f.resource, f.message)


def _summary(findings: Sequence[Finding], inventory: Inventory, errors: Sequence[ErrorEntry]) -> Summary:
    counts = {"pass": 0, "fail": 0, "error": 0, "not_assessed": 0, "suppressed": 0}
    by_sev = {s: 0 for s in ("critical", "high", "medium", "low", "info")}
    for f in findings:
        counts[f.status] += 1
        if f.status == "fail":
            by_sev[f.severity] += 1
    return Summary(
        findings=len(findings), passed=counts["pass"], failed=counts["fail"], errors=counts["error"],
        not_assessed=counts["not_assessed"], suppressed=counts["suppressed"], failed_by_severity=by_sev,
        resources=len(inventory.resources), input_errors=sum(1 for e in errors if e.kind == "error"),
    )


def evaluate_gate(findings: Sequence[Finding], overall: float | None, fail_on: str, min_score: float | None,
                  input_errors: int = 0) -> Gate:
    reasons = []
    if input_errors:
        reasons.append(f"{input_errors} input(s) could not be scanned (--fail-on-input-errors)")
    if fail_on != "none":
        threshold = SEVERITY_RANK[fail_on]
        bad = [f for f in findings if f.status == "fail" and SEVERITY_RANK[f.severity] >= threshold]
        if bad:
            reasons.append(f"{len(bad)} failure(s) at or above severity {fail_on}")
    if min_score is not None:
        if overall is None:
            reasons.append(f"no score could be computed (nothing assessed); minimum is {min_score:g}")
        elif overall < min_score:
            reasons.append(f"score {overall:g} is below the minimum {min_score:g}")
    return Gate(passed=not reasons, fail_on=fail_on, min_score=min_score, reasons=tuple(reasons))


def run_scan(opts: ScanOptions) -> Report:
    started = time.perf_counter()
    # Loading creates hundreds of thousands of long-lived, acyclic objects: the cyclic collector
    # would rescan them again and again (3x the load time on large trees). Pause it for the scan.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        inventory = build_inventory(opts)
        return judge(inventory, opts, started)
    finally:
        if was_enabled:
            gc.enable()


def records_unused(records: Sequence[SuppressionRecord]) -> list[SuppressionRecord]:
    return [r for r in records if r.status in ("unused", "expired", "invalid")]

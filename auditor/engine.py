"""The engine: each selected rule x each subject -> PASS / FAIL / ERROR / NOT_ASSESSED findings.

One failing rule never stops the others: an exception becomes an ERROR finding for that pair.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from auditor.api import Context, Passed, Rule
from auditor.checklist import Checklist, load_checklist
from auditor.inventory import Inventory
from auditor.model import (
    SEVERITY_RANK,
    Location,
    NotApplicable,
    NotAssessed,
    Resource,
    Violation,
    format_path,
)
from auditor.report import Finding, FindingLocation
from auditor.secrets import redact_text

FINGERPRINT_VERSION = "v1"
_M = TypeVar("_M", bound=BaseModel)


@dataclass(frozen=True)
class RuleSelection:
    """Which rules run, with what severity and parameters (from config and CLI)."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def _keys(rule: Rule, cl: Checklist) -> set[str]:
    m = rule.meta
    keys = {m.code, m.name.upper(), m.target.upper(), *m.aliases, *(c.upper() for c in m.controls)}
    keys.update(cl.control(c).section.upper() for c in m.controls)
    return keys


def select_rules(rules: Sequence[Rule], sel: RuleSelection, cl: Checklist | None = None) -> list[Rule]:
    cl = cl or load_checklist()
    chosen = []
    want = {s.upper() for s in sel.select}
    drop = {s.upper() for s in sel.ignore}
    for r in rules:
        keys = _keys(r, cl)
        if want and not (keys & want):
            continue
        if keys & drop:
            continue
        chosen.append(r)
    return chosen


def rule_severity(rule: Rule, cl: Checklist, overrides: Mapping[str, str]) -> str:
    m = rule.meta
    for key in (m.code, *m.aliases):
        if key in overrides:
            return overrides[key]
    for cid in m.controls:
        if cid in overrides:
            return overrides[cid]
    if m.severity:
        return m.severity
    return max((cl.control(c).severity for c in m.controls), key=lambda s: SEVERITY_RANK[s])


def build_params(rule: Rule, sel: RuleSelection) -> Any:
    raw = sel.params.get(rule.meta.code, {})
    if rule.params_model is None:
        if raw:
            raise ValueError(f"rule {rule.meta.code} takes no parameters")
        return None
    try:
        return rule.params_model.model_validate(raw)
    except ValidationError as exc:
        raise ValueError(f"invalid parameters for {rule.meta.code}: {exc.errors()[0]['msg']}") from None


def fingerprint(rule_code: str, uid: str, resource: str, object_path: str, message: str) -> str:
    text = "\x1f".join((FINGERPRINT_VERSION, rule_code, uid, resource, object_path, message))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass
class _Emitter:
    rule: Rule
    severity: str
    section: str
    findings: list[Finding]

    def emit(
        self,
        res: Resource,
        status: str,
        message: str,
        line: int | None = None,
        path: Sequence[Any] = (),
        evidence: str | None = None,
        severity: str | None = None,
    ) -> None:
        m = self.rule.meta
        if status != "pass":  # defence in depth: no known token format leaves the engine, whatever a rule wrote
            message = redact_text(message)
            evidence = redact_text(evidence) if evidence else evidence
        obj_path = format_path(path) if path else None
        if line is None and path:
            line = res.line_of(path)
        loc = res.location
        display = res.display
        self.findings.append(
            _construct(
                Finding,
                rule=m.code,
                rule_name=m.name,
                controls=m.controls,
                section=self.section,
                severity=severity or self.severity,
                status=status,
                message=message,
                resource=display,
                target=res.target,
                kind=res.kind,
                location=_construct(
                    FindingLocation,
                    path=loc.path,
                    line=line if line is not None else loc.line,
                    end_line=None,
                    object_path=obj_path,
                ),
                uid=res.uid,
                fingerprint=fingerprint(m.code, res.uid or loc.path, display, obj_path or "", message)
                if status != "pass"
                else "",
                evidence=evidence,
                suppression=None,
            )
        )


_OBJECT_SETATTR = object.__setattr__
_FIELDS_SET: dict[type[BaseModel], set[str]] = {}


def _construct(cls: type[_M], **fields: Any) -> _M:
    """`model_construct` without its per-call bookkeeping: every field is given, all values are already
    valid (the engine builds tens of thousands of findings per scan; this is 4x cheaper)."""
    obj = cls.__new__(cls)
    _OBJECT_SETATTR(obj, "__dict__", fields)
    # one shared set per model class: pydantic copies it before any change (model_copy), and a set per
    # finding would cost ~700 bytes each
    shared = _FIELDS_SET.get(cls)
    if shared is None:
        shared = _FIELDS_SET[cls] = set(cls.model_fields)
    _OBJECT_SETATTR(obj, "__pydantic_fields_set__", shared)
    _OBJECT_SETATTR(obj, "__pydantic_extra__", None)
    _OBJECT_SETATTR(obj, "__pydantic_private__", None)
    return obj


def _estate_subject(target: str, inv: Inventory) -> Resource:
    first = inv.of_target(target)
    path = first[0].location.path if first else "."
    return Resource(target=target, kind="Estate", name=f"{target} estate", location=Location(path, None),
                    uid=f"estate:{target}")


def _consume(em: _Emitter, res: Resource, outcome: Iterable[Violation | Passed] | None, estate: bool) -> None:
    failed_any = False
    passed_subjects: list[Passed] = []
    if outcome is not None:
        for item in outcome:
            if isinstance(item, Passed):
                passed_subjects.append(item)
                continue
            subject = item.resource or res
            failed_any = True
            em.emit(subject, "fail", item.message, item.line, item.path, item.evidence, item.severity)
    for p in passed_subjects:
        em.emit(p.resource, "pass", p.message or em.rule.meta.title)
    if not failed_any and not (estate and passed_subjects):
        em.emit(res, "pass", em.rule.meta.title)


def run_rules(rules: Sequence[Rule], inventory: Inventory, sel: RuleSelection,
              settings: Mapping[str, Any] | None = None) -> list[Finding]:
    cl = load_checklist()
    findings: list[Finding] = []
    settings = settings or {}
    for rule in rules:
        m = rule.meta
        section = cl.control(m.controls[0]).section
        em = _Emitter(rule, rule_severity(rule, cl, sel.severity), section, findings)
        params = build_params(rule, sel)
        ctx = Context(params=params, inventory=inventory, settings=settings)
        if m.scope == "estate":
            if m.target not in inventory.targets:
                continue
            subject = _estate_subject(m.target, inventory)
            _run_one(em, rule, subject, inventory, ctx, estate=True)
            continue
        for res in inventory.of_kind(m.target, *m.kinds):
            if rule.applies is not None:
                try:
                    if not rule.applies(res):
                        continue
                except Exception as exc:  # a broken predicate is an error, not a skip
                    em.emit(res, "error", f"rule {m.code} failed to decide applicability: {exc!r}")
                    continue
            _run_one(em, rule, res, res, ctx, estate=False)
    return findings


def _run_one(em: _Emitter, rule: Rule, subject: Resource, arg: Any, ctx: Context, estate: bool) -> None:
    mark = len(em.findings)
    try:
        outcome = rule.check(arg, ctx)
        if outcome is not None:
            outcome = list(outcome)
        _consume(em, subject, outcome, estate)
    except NotApplicable:
        del em.findings[mark:]
    except NotAssessed as na:
        del em.findings[mark:]
        em.emit(subject, "not_assessed", f"not assessed: {na.reason}")
    except Exception as exc:
        del em.findings[mark:]
        em.emit(subject, "error", f"rule {rule.meta.code} failed: {type(exc).__name__}: {exc}")

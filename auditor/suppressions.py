"""Suppressions: parsing the inline forms, and one pure function that applies them all.

Forms:
- Dockerfile comment on the line before an instruction (or anywhere, with `ignore-file`):
    # auditor:ignore DF003,CONT-NON-ROOT expires=2027-01-31 -- runs as root to bind port 80
- Kubernetes annotation on the object:
    ignore.auditor.dev/K8S004: "sidecar has no probe by design; expires=2027-01-31"
- Config entries: [[tool.auditor.suppress]] rule, reason, path, resource, expires.
- Baseline entries (fingerprints of accepted failures).

Every suppression needs a reason; an expired one stops applying; suppressed findings stay in the
report with status `suppressed`; unused and expired ones are listed so they can be cleaned up.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

from auditor.model import Suppression
from auditor.report import Finding, SuppressionInfo, SuppressionRecord

ANNOTATION_PREFIX = "ignore.auditor.dev/"
_INLINE_RE = re.compile(r"^auditor:(ignore|ignore-file)\b[=\s]*(.*)$", re.IGNORECASE)
_EXPIRES_RE = re.compile(r"(?:^|[\s;,])expires\s*=\s*(\S+?)(?=$|[\s;,])", re.IGNORECASE)
_REASON_RE = re.compile(r"reason\s*=\s*(\"[^\"]*\"|'[^']*'|\S+)", re.IGNORECASE)


def _parse_date(text: str) -> tuple[dt.date | None, str | None]:
    try:
        return dt.date.fromisoformat(text.strip().strip("\"'")), None
    except ValueError:
        return None, f"expiry {text!r} is not a date (YYYY-MM-DD)"


def parse_inline(comment: str, line: int, end_line: int | None, uid: str, path: str) -> list[Suppression]:
    """Parse a Dockerfile comment (without '#'). Returns [] when it is no suppression comment."""
    m = _INLINE_RE.match(comment.strip())
    if not m:
        return []
    whole_file = m.group(1).lower() == "ignore-file"
    body = m.group(2)
    head, sep, tail = body.partition("--")
    reason = tail.strip() if sep else ""
    rm = _REASON_RE.search(head)
    if rm:
        reason = rm.group(1).strip("\"'")
        head = head[: rm.start()] + head[rm.end() :]
    expires, problem = None, None
    em = _EXPIRES_RE.search(head)
    if em:
        expires, problem = _parse_date(em.group(1))
        head = head[: em.start()] + head[em.end() :]
    ids = [i for i in re.split(r"[,\s]+", head.strip()) if i]
    if not ids:
        ids, problem = ["?"], "names no rule or control"
    if not reason:
        problem = problem or "has no reason (add `-- why` or reason=\"...\")"
    return [
        Suppression(
            rule=i,
            reason=reason,
            source="inline",
            expires=expires,
            uid=uid,
            path=path,
            line=None if whole_file else line,
            end_line=None if whole_file else end_line,
            problem=problem,
        )
        for i in ids
    ]


def parse_annotations(annotations: Mapping[str, object], uid: str, path: str, line: int | None) -> list[Suppression]:
    out: list[Suppression] = []
    for key, value in annotations.items():
        if not isinstance(key, str) or not key.startswith(ANNOTATION_PREFIX):
            continue
        rule_id = key[len(ANNOTATION_PREFIX) :]
        text = str(value or "")
        expires, problem = None, None
        em = _EXPIRES_RE.search(text)
        if em:
            expires, problem = _parse_date(em.group(1))
            text = (text[: em.start()] + text[em.end() :]).strip(" ;,")
        reason = text.strip()
        if not reason:
            problem = problem or "has no reason (annotation value is the reason)"
        out.append(
            Suppression(rule=rule_id, reason=reason, source="annotation", expires=expires, uid=uid, path=path,
                        line=line, end_line=None, problem=problem)
        )
    return out


def _matches(s: Suppression, f: Finding, aliases: Mapping[str, str]) -> bool:
    wanted = aliases.get(s.rule.upper(), s.rule.upper())
    if wanted != f.rule and wanted not in f.controls and wanted != f.rule_name.upper():
        return False
    if s.fingerprint is not None:
        return s.fingerprint == f.fingerprint
    if s.uid is not None and s.uid != f.uid:
        return False
    if s.path is not None and s.uid is None and not fnmatch.fnmatchcase(f.location.path, s.path):
        return False
    if s.resource is not None and not fnmatch.fnmatchcase(f.resource, s.resource):
        return False
    if s.line is not None and s.end_line is not None:
        # inline comment: the instruction right after it
        fl = f.location.line
        return fl is not None and s.line <= fl <= s.end_line
    return True


def apply(
    findings: Sequence[Finding],
    suppressions: Iterable[Suppression],
    today: dt.date,
    aliases: Mapping[str, str] | None = None,
) -> tuple[list[Finding], list[SuppressionRecord]]:
    """Mark matching failures `suppressed`. Pure: returns new findings and a record per suppression."""
    aliases = aliases or {}
    subs = list(suppressions)
    counts = [0] * len(subs)
    active = [
        i for i, s in enumerate(subs) if s.problem is None and (s.expires is None or s.expires >= today)
    ]
    out: list[Finding] = []
    for f in findings:
        if f.status != "fail" or not active:
            out.append(f)
            continue
        hit = None
        for i in active:
            if _matches(subs[i], f, aliases):
                counts[i] += 1
                hit = hit if hit is not None else i
        if hit is None:
            out.append(f)
        else:
            s = subs[hit]
            out.append(
                f.model_copy(
                    update={
                        "status": "suppressed",
                        "suppression": SuppressionInfo(reason=s.reason, source=s.source, expires=s.expires),
                    }
                )
            )
    records = []
    for i, s in enumerate(subs):
        expired = s.expires is not None and s.expires < today
        status: Literal["used", "unused", "expired", "invalid"]
        if s.problem is not None:
            status = "invalid"
        elif expired:
            status = "expired"
        else:
            status = "used" if counts[i] else "unused"
        records.append(
            SuppressionRecord(
                rule=s.rule,
                reason=s.reason,
                source=s.source,
                expires=s.expires,
                path=s.path,
                line=s.line,
                resource=s.resource,
                matched=counts[i],
                expired=expired,
                status=status,
                problem=s.problem,
            )
        )
    return out, records

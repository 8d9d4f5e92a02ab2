"""The Report: one pydantic model every reporter renders. Its JSON dump is the canonical format.

Field names of the JSON contract (tool, score.overall/coverage/sections/controls, findings[].rule/
controls/severity/status/message/resource/location, errors[]) are public: keep them.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict

from auditor.model import Severity

FindingStatus = Literal["pass", "fail", "error", "suppressed", "not_assessed"]
ControlStatus = Literal["pass", "fail", "error", "not_assessed"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ToolInfo(_Model):
    name: str = "auditor"
    version: str
    information_uri: str = "https://github.com/auditor-dev/auditor"


class FindingLocation(_Model):
    path: str
    line: int | None = None
    end_line: int | None = None
    object_path: str | None = None


class SuppressionInfo(_Model):
    reason: str
    source: str  # inline | annotation | config | baseline
    expires: dt.date | None = None


class Finding(_Model):
    rule: str
    rule_name: str
    controls: tuple[str, ...]
    section: str
    severity: Severity
    status: FindingStatus
    message: str
    resource: str
    target: str
    kind: str
    location: FindingLocation
    uid: str = ""
    fingerprint: str = ""
    evidence: str | None = None
    suppression: SuppressionInfo | None = None


class ControlResult(_Model):
    id: str
    title: str
    section: str
    severity: Severity
    scope: str
    targets: tuple[str, ...]
    status: ControlStatus
    applicable: bool
    score: float | None  # 0-100 over assessed subjects; None when nothing was assessed
    passed: int = 0
    failed: int = 0
    errors: int = 0
    not_assessed: int = 0
    suppressed: int = 0
    rules: tuple[str, ...] = ()


class SectionResult(_Model):
    id: str
    title: str
    score: float | None
    coverage: float  # assessed applicable controls / applicable controls
    controls_applicable: int
    controls_assessed: int
    status: ControlStatus


class Score(_Model):
    overall: float | None
    coverage: float  # assessed / applicable controls
    checklist_coverage: float  # assessed / all controls of the checklist
    controls_applicable: int
    controls_assessed: int
    sections: tuple[SectionResult, ...]
    controls: tuple[ControlResult, ...]


class ErrorEntry(_Model):
    path: str
    message: str
    target: str | None = None
    kind: str = "error"  # error | not_scanned


class SuppressionRecord(_Model):
    rule: str
    reason: str
    source: str
    expires: dt.date | None = None
    path: str | None = None
    line: int | None = None
    resource: str | None = None
    matched: int = 0
    expired: bool = False
    status: Literal["used", "unused", "expired", "invalid"] = "unused"
    problem: str | None = None


class RuleInfo(_Model):
    code: str
    name: str
    title: str
    controls: tuple[str, ...]
    target: str
    severity: Severity
    section: str
    rationale: str
    remediation: str
    references: tuple[str, ...] = ()
    help_uri: str | None = None


class Summary(_Model):
    findings: int
    passed: int
    failed: int
    errors: int
    not_assessed: int
    suppressed: int
    failed_by_severity: dict[str, int]
    resources: int
    input_errors: int


class Gate(_Model):
    passed: bool
    fail_on: str
    min_score: float | None = None
    reasons: tuple[str, ...] = ()
    baseline: str | None = None
    new_failures: int | None = None
    fixed: int | None = None


class ScanInfo(_Model):
    started_at: dt.datetime
    duration_seconds: float
    inputs: tuple[str, ...]
    targets: tuple[str, ...]  # target families present
    config: str | None = None


class Report(_Model):
    tool: ToolInfo
    scan: ScanInfo
    score: Score
    summary: Summary
    gate: Gate
    findings: tuple[Finding, ...]
    errors: tuple[ErrorEntry, ...]
    suppressions: tuple[SuppressionRecord, ...] = ()
    rules: tuple[RuleInfo, ...] = ()

    def to_json(self, indent: int | None = 2) -> str:
        return self.model_dump_json(indent=indent)

    @classmethod
    def from_json(cls, text: str | bytes) -> Report:
        return cls.model_validate_json(text)

"""JSON: the canonical dump of the Report model."""

from __future__ import annotations

from auditor.report import Report
from auditor.reporters import RenderOptions


def render(report: Report, options: RenderOptions) -> str:
    return report.to_json(indent=2) + "\n"


def render_bytes(report: Report, options: RenderOptions) -> bytes:
    return report.__pydantic_serializer__.to_json(report, indent=2) + b"\n"

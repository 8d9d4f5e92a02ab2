"""JSON: the canonical dump of the Report model."""

from __future__ import annotations

from auditor.reporters import RenderOptions
from auditor.report import Report


def render(report: Report, options: RenderOptions) -> str:
    return report.to_json(indent=2) + "\n"

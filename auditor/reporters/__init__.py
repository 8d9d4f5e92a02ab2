"""Reporters: each renders the Report, nothing else (no rescans, no recomputed scores).

A reporter module exposes `render(report: Report, options: RenderOptions) -> str`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from auditor.report import Report

FORMATS: dict[str, str] = {
    "console": "auditor.reporters.console",
    "json": "auditor.reporters.json",
    "sarif": "auditor.reporters.sarif",
    "html": "auditor.reporters.html",
    "junit": "auditor.reporters.junit",
    "markdown": "auditor.reporters.markdown",
}
EXTENSIONS: dict[str, str] = {
    ".json": "json", ".sarif": "sarif", ".html": "html", ".htm": "html", ".xml": "junit", ".md": "markdown",
    ".txt": "console",
}


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False
    width: int | None = None
    verbose: bool = False
    docs_base_url: str | None = None
    include_passed: bool = False  # SARIF: also emit passes (kind "pass"); never for GitHub uploads
    include_suppressed: bool = True


def available() -> list[str]:
    out = []
    for name, mod in FORMATS.items():
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name != mod:
                raise
            continue
        out.append(name)
    return out


def _module(fmt: str) -> ModuleType:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    try:
        return importlib.import_module(FORMATS[fmt])
    except ModuleNotFoundError as exc:
        if exc.name == FORMATS[fmt]:
            raise ValueError(f"format {fmt!r} is not available in this build") from None
        raise


def render(report: Report, fmt: str, options: RenderOptions | None = None) -> str:
    text: str = _module(fmt).render(report, options or RenderOptions())
    return text


def render_bytes(report: Report, fmt: str, options: RenderOptions | None = None) -> bytes:
    """UTF-8 output for files and pipes; a reporter may provide `render_bytes` to skip the str copy."""
    mod = _module(fmt)
    if hasattr(mod, "render_bytes"):
        data: bytes = mod.render_bytes(report, options or RenderOptions())
        return data
    return render(report, fmt, options).encode("utf-8")

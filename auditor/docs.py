"""Rule documentation generated from rule metadata and fixtures (used by `explain` and docs/rules)."""

from __future__ import annotations

from pathlib import Path

from auditor.api import Rule
from auditor.checklist import load_checklist
from auditor.engine import rule_severity
from auditor.registry import builtin_dir

MAX_EXAMPLE_LINES = 40


def fixture_files(code: str) -> tuple[list[Path], list[Path]]:
    folder = builtin_dir("fixtures") / code
    if not folder.is_dir():
        return [], []
    files = sorted(p for p in folder.iterdir() if p.is_file() or p.is_dir())
    fails = [p for p in files if p.name.startswith("fail")]
    passes = [p for p in files if p.name.startswith("pass")]
    return fails, passes


def _example(path: Path) -> str:
    if path.is_dir():
        parts = []
        for f in sorted(path.rglob("*")):
            if f.is_file():
                parts.append(f"# {f.relative_to(path).as_posix()}\n" + _text(f))
        return "\n".join(parts)
    return _text(path)


def _text(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return "(binary fixture)"
    if len(lines) > MAX_EXAMPLE_LINES:
        lines = lines[:MAX_EXAMPLE_LINES] + ["..."]
    return "\n".join(lines)


def _lang(path: Path) -> str:
    name = path.name.lower()
    if "dockerfile" in name:
        return "dockerfile"
    return {".yaml": "yaml", ".yml": "yaml", ".json": "json"}.get(path.suffix.lower(), "")


def rule_markdown(rule: Rule) -> str:
    cl = load_checklist()
    m = rule.meta
    sev = rule_severity(rule, cl, {})
    lines = [f"# {m.code} {m.name}", "", f"**{m.title}**", ""]
    lines.append(f"- Target: {m.target}" + (f" ({', '.join(m.kinds)})" if m.kinds else ""))
    lines.append(f"- Severity: {sev}")
    lines.append(f"- Scope: {m.scope}")
    for cid in m.controls:
        c = cl.control(cid)
        lines.append(f"- Control: {cid} ({cl.section(c.section).title}): {c.title}")
    if m.aliases:
        lines.append(f"- Former codes: {', '.join(m.aliases)}")
    lines += ["", "## Why it matters", "", m.rationale, "", "## How to fix", "", m.remediation, ""]
    doc = rule.doc()
    if doc:
        lines += ["## What it checks", "", doc, ""]
    fails, passes = fixture_files(m.code)
    for title, items in (("Failing example", fails[:1]), ("Passing example", passes[:1])):
        for p in items:
            lines += [f"## {title}", "", f"```{_lang(p)}", _example(p), "```", ""]
    if m.references:
        lines += ["## References", ""] + [f"- {r}" for r in m.references] + [""]
    return "\n".join(lines).rstrip() + "\n"

"""Dockerfile loader: one resource per Dockerfile, the parsed model as its data."""

from __future__ import annotations

import fnmatch

from auditor.dockerfile import DockerfileError, parse
from auditor.loaders import LoadOptions, LoadResult, SourceFile
from auditor.model import InputError, Location, Resource
from auditor.suppressions import parse_inline

TARGET = "dockerfile"
_PATTERNS = ("dockerfile", "containerfile", "dockerfile.*", "containerfile.*", "*.dockerfile", "*.containerfile")


def by_name(file: SourceFile) -> bool:
    low = file.name.lower()
    return any(fnmatch.fnmatchcase(low, p) for p in _PATTERNS)


def by_content(file: SourceFile, text: str) -> bool:
    return False


def load(file: SourceFile, text: str, options: LoadOptions) -> LoadResult:
    try:
        model = parse(text, file.rel, options.build_args)
    except DockerfileError as exc:
        return LoadResult(errors=[InputError(file.rel, f"invalid Dockerfile: {exc}", TARGET)])
    if not model.stages:
        return LoadResult(errors=[InputError(file.rel, "invalid Dockerfile: no FROM instruction", TARGET)])
    # inline suppressions: a comment applies to the instruction that follows it
    starts = sorted((i.line, i.end_line) for i in model.instructions)
    sups = []
    for c in model.comments:
        nxt = next(((s, e) for s, e in starts if s > c.line), None)
        line, end = nxt if nxt else (c.line, c.line)
        sups.extend(parse_inline(c.text, line, end, file.root_rel, file.rel))
    res = Resource(
        target=TARGET,
        kind="Dockerfile",
        name=file.rel,
        location=Location(file.rel, model.stages[0].line),
        uid=file.root_rel,
        suppressions=tuple(sups),
        _data=model,
    )
    return LoadResult(resources=[res])

"""Loaders: parse files into typed resources, keeping file and line.

Each loader module exposes:
    TARGET: str
    def by_name(file: SourceFile) -> bool          # claims the file from its name alone
    def by_content(file: SourceFile, text: str) -> bool   # claims it after a look at the text
    def load(file: SourceFile, text: str, options: LoadOptions) -> LoadResult

Discovery offers every candidate file to the loaders in `LOADER_MODULES` order; the first to claim
it loads it. A file no loader claims is left alone silently (compose files, random YAML).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from auditor.model import InputError, Resource

# Order matters: the specific claims come before the generic Kubernetes one.
LOADER_MODULES: tuple[str, ...] = (
    "auditor.loaders.dockerfile",
    "auditor.loaders.pipeline",
    "auditor.loaders.arm",
    "auditor.loaders.snapshot",
    "auditor.loaders.kubernetes",
)

CANDIDATE_SUFFIXES = (".yaml", ".yml", ".json", ".bicep")


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: Path  # on disk
    rel: str  # display path: relative to the working directory when under it, `/` separated
    root_rel: str  # relative to the scanned root (stable identity for fingerprints)

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class LoadOptions:
    build_args: Mapping[str, str] = field(default_factory=dict)
    max_file_size: int = 32 * 1024 * 1024
    parameters: tuple[str, ...] = ()  # ARM parameter files given on the command line


@dataclass
class LoadResult:
    resources: list[Resource] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)


_loaded: list[ModuleType] | None = None


def loader_modules() -> list[ModuleType]:
    """The loader modules that exist in this build (a module not yet written is skipped)."""
    global _loaded
    if _loaded is None:
        mods = []
        for name in LOADER_MODULES:
            try:
                mods.append(importlib.import_module(name))
            except ModuleNotFoundError as exc:
                if exc.name != name:
                    raise
        _loaded = mods
    return _loaded

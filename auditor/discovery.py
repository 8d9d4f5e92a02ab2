"""Discovery: walk the given paths and hand each candidate file to the loader that claims it."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from auditor.loaders import CANDIDATE_SUFFIXES, LoadOptions, LoadResult, SourceFile, loader_modules
from auditor.model import InputError

SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv", ".tox", ".nox", ".mypy_cache",
     ".pytest_cache", ".ruff_cache", ".terraform", ".eggs", "site-packages", ".idea", ".vscode"}
)


def display_path(path: Path, cwd: Path) -> str:
    try:
        return path.resolve().relative_to(cwd.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def _excluded(rel: str, name: str, patterns: Iterable[str]) -> bool:
    for p in patterns:
        p = p.rstrip("/")
        if fnmatch.fnmatchcase(rel, p) or fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(rel, p + "/*") or \
                rel.startswith(p + "/") or fnmatch.fnmatchcase(rel, "*/" + p) or fnmatch.fnmatchcase(rel, "*/" + p + "/*"):
            return True
    return False


def walk(paths: Iterable[str], excludes: Iterable[str] = (), cwd: Path | None = None) -> Iterator[SourceFile]:
    cwd = cwd or Path.cwd()
    excludes = tuple(excludes)
    seen: set[str] = set()
    for raw in paths:
        root = Path(raw)
        if root.is_file():
            key = os.path.realpath(root)
            if key not in seen:
                seen.add(key)
                yield SourceFile(root, display_path(root, cwd), root.name)
            continue
        root_display = display_path(root, cwd)
        prefix = "" if root_display == "." else root_display + "/"
        root_key = os.path.realpath(root)
        for dirpath, dirnames, filenames in os.walk(root):
            base = Path(dirpath)
            rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
            keep = []
            for d in sorted(dirnames):
                rel = d if rel_dir == "." else f"{rel_dir}/{d}"
                if d in SKIP_DIRS or os.path.exists(os.path.join(dirpath, d, "pyvenv.cfg")) or \
                        _excluded(rel, d, excludes):
                    continue
                keep.append(d)
            dirnames[:] = keep
            for f in sorted(filenames):
                rel = f if rel_dir == "." else f"{rel_dir}/{f}"
                if _excluded(rel, f, excludes):
                    continue
                key = f"{root_key}/{rel}"
                if key in seen:
                    continue
                seen.add(key)
                yield SourceFile(base / f, prefix + rel, rel)


def load_file(file: SourceFile, options: LoadOptions) -> LoadResult:
    """Offer one file to the loaders; read it only when a loader may want it."""
    mods = loader_modules()
    by_name = [m for m in mods if m.by_name(file)]
    if not by_name and file.path.suffix.lower() not in CANDIDATE_SUFFIXES:
        return LoadResult()
    try:
        size = file.path.stat().st_size
        if size > options.max_file_size:
            target = by_name[0].TARGET if by_name else None
            return LoadResult(errors=[InputError(
                file.rel, f"refused: file is {size:,} bytes, over the {options.max_file_size:,}-byte limit", target)])
        data = file.path.read_bytes()
    except OSError as exc:
        return LoadResult(errors=[InputError(file.rel, f"cannot read: {exc.strerror or exc}")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        if by_name:
            return LoadResult(errors=[InputError(file.rel, "cannot read: not UTF-8 text", by_name[0].TARGET)])
        return LoadResult()  # binary or foreign-encoded data file nobody claimed by name
    chosen = by_name[0] if by_name else next((m for m in mods if m.by_content(file, text)), None)
    if chosen is None:
        return LoadResult()
    try:
        result: LoadResult = chosen.load(file, text, options)
        return result
    except Exception as exc:  # a loader bug must not take the scan down
        return LoadResult(errors=[InputError(file.rel, f"loader {chosen.__name__} failed: {type(exc).__name__}: {exc}",
                                             chosen.TARGET)])

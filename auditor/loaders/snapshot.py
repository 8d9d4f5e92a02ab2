"""Inventory snapshots (`auditor collect ... --output estate.json`) replayed as a scan input."""

from __future__ import annotations

import json

from auditor.inventory import SNAPSHOT_FORMAT, Inventory
from auditor.loaders import LoadOptions, LoadResult, SourceFile
from auditor.model import InputError

TARGET = "snapshot"


def by_name(file: SourceFile) -> bool:
    return False


def by_content(file: SourceFile, text: str) -> bool:
    if file.path.suffix.lower() != ".json":
        return False
    head = text[:4096]
    # keys are sorted: a long "errors" list (e.g. 403s of a live collection) comes before "format"
    return SNAPSHOT_FORMAT in head or (head.lstrip().startswith("{") and f'"format": "{SNAPSHOT_FORMAT}"' in text)


def load(file: SourceFile, text: str, options: LoadOptions) -> LoadResult:
    try:
        inv = Inventory.from_json(json.loads(text), file.rel)
    except (ValueError, KeyError, TypeError) as exc:
        return LoadResult(errors=[InputError(file.rel, f"invalid inventory snapshot: {exc}")])
    return LoadResult(resources=list(inv.resources), errors=list(inv.errors))

"""The Inventory: every resource of a scan, indexed, immutable, JSON-serialisable.

Loaders and collectors fill it; rules read it; `to_json`/`from_json` record a live audit and
replay it offline (`auditor collect ... --output estate.json`, then `auditor scan estate.json`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from auditor.model import InputError, Location, Resource

SNAPSHOT_FORMAT = "auditor-inventory/v1"


@dataclass(frozen=True, eq=False)
class Inventory:
    resources: tuple[Resource, ...]
    errors: tuple[InputError, ...] = ()
    sources: tuple[str, ...] = ()  # what was scanned: paths and live references
    _by_kind: Mapping[tuple[str, str], tuple[Resource, ...]] = field(default_factory=dict)
    _by_target: Mapping[str, tuple[Resource, ...]] = field(default_factory=dict)

    @classmethod
    def build(
        cls, resources: Iterable[Resource], errors: Iterable[InputError] = (), sources: Iterable[str] = ()
    ) -> Inventory:
        res = tuple(resources)
        by_kind: dict[tuple[str, str], list[Resource]] = defaultdict(list)
        by_target: dict[str, list[Resource]] = defaultdict(list)
        for r in res:
            by_kind[(r.target, r.kind.lower())].append(r)
            by_target[r.target].append(r)
        return cls(
            res,
            tuple(errors),
            tuple(sources),
            {k: tuple(v) for k, v in by_kind.items()},
            {k: tuple(v) for k, v in by_target.items()},
        )

    @property
    def targets(self) -> frozenset[str]:
        """Target families present: those with resources, plus those whose inputs failed to load."""
        present = set(self._by_target)
        present.update(e.target for e in self.errors if e.target)
        return frozenset(present)

    def of_target(self, target: str) -> tuple[Resource, ...]:
        return self._by_target.get(target, ())

    def of_kind(self, target: str, *kinds: str) -> Iterator[Resource]:
        if not kinds:
            yield from self.of_target(target)
            return
        for k in kinds:
            yield from self._by_kind.get((target, k.lower()), ())

    def __len__(self) -> int:
        return len(self.resources)

    # ---- record / replay -------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "format": SNAPSHOT_FORMAT,
            "sources": list(self.sources),
            "resources": [
                {
                    "target": r.target,
                    "kind": r.kind,
                    "name": r.name,
                    "namespace": r.namespace,
                    "uid": r.uid,
                    "location": {"path": r.location.path, "line": r.location.line},
                    "annotations": dict(r.annotations),
                    "extra": dict(r.extra),
                    "data": r.data,
                }
                for r in self.resources
                if r.target not in ("dockerfile",)
            ],
            "errors": [
                {"path": e.path, "message": e.message, "target": e.target, "kind": e.kind} for e in self.errors
            ],
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=1, sort_keys=True, default=str)

    @classmethod
    def from_json(cls, doc: Mapping[str, Any], snapshot_path: str | None = None) -> Inventory:
        if doc.get("format") != SNAPSHOT_FORMAT:
            raise ValueError(f"not an auditor inventory snapshot (format {doc.get('format')!r})")
        resources = []
        for r in doc.get("resources", []):
            loc = r.get("location") or {}
            resources.append(
                Resource(
                    target=r["target"],
                    kind=r["kind"],
                    name=r["name"],
                    namespace=r.get("namespace"),
                    uid=r.get("uid", ""),
                    origin="snapshot",
                    location=Location(loc.get("path") or snapshot_path or "", loc.get("line")),
                    annotations=r.get("annotations") or {},
                    extra=r.get("extra") or {},
                    _data=r.get("data"),
                )
            )
        errors = [
            InputError(e["path"], e["message"], e.get("target"), e.get("kind", "error"))
            for e in doc.get("errors", [])
        ]
        return cls.build(resources, errors, doc.get("sources", []))

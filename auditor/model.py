"""Core value types shared by loaders, collectors, rules, the engine and reporters.

Kept free of I/O and of heavy imports: every other module depends on this one.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["critical", "high", "medium", "low", "info"]
SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low", "info")
SEVERITY_RANK: dict[str, int] = {s: i for i, s in enumerate(reversed(SEVERITIES))}  # info=0 .. critical=4
SEVERITY_WEIGHT: dict[str, float] = {"critical": 10.0, "high": 6.0, "medium": 3.0, "low": 1.0, "info": 0.5}


class Status(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    NOT_ASSESSED = "not_assessed"
    SUPPRESSED = "suppressed"

    def __str__(self) -> str:
        return self.value


PathKey = str | int
ObjPath = tuple[PathKey, ...]


@dataclass(frozen=True, slots=True)
class Location:
    """Where something is: a file (repo-relative, `/` separated) and a 1-based line, or a live object."""

    path: str
    line: int | None = None
    end_line: int | None = None
    column: int | None = None
    object_path: str | None = None  # dotted path inside the object, e.g. spec.template.spec.containers[0]


class LineMap(dict[Any, Any]):
    """A mapping that remembers the line of itself and of each of its keys (YAML loader output)."""

    __slots__ = ("line", "key_lines")

    def __init__(self, line: int | None = None) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[Any, int] = {}


class LineList(list[Any]):
    """A sequence that remembers its own line and each item's line."""

    __slots__ = ("line", "item_lines")

    def __init__(self, line: int | None = None) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []


def line_at(data: Any, path: Sequence[PathKey]) -> int | None:
    """Best line for `path` inside `data`: the deepest existing key's line."""
    best = getattr(data, "line", None)
    node = data
    for key in path:
        if isinstance(node, LineMap):
            if key not in node:
                break
            best = node.key_lines.get(key, best)
            node = node[key]
        elif isinstance(node, LineList) and isinstance(key, int):
            if not 0 <= key < len(node):
                break
            if key < len(node.item_lines):
                best = node.item_lines[key]
            node = node[key]
        elif isinstance(node, Mapping) and key in node:  # noqa: SIM114
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
        else:
            break
    return best


def format_path(path: Sequence[PathKey]) -> str:
    out = ""
    for key in path:
        if isinstance(key, int):
            out += f"[{key}]"
        else:
            out += ("." if out else "") + str(key)
    return out


@dataclass(frozen=True, slots=True)
class Suppression:
    """A request to accept failures of one rule or control, with a reason and an optional expiry.

    Comes from an inline Dockerfile comment, a Kubernetes annotation, the config or a baseline.
    `uid` limits it to one resource, `line`..`end_line` to findings on those lines, `path` and
    `resource` are globs (config entries).
    """

    rule: str
    reason: str
    source: str
    expires: datetime.date | None = None
    uid: str | None = None
    path: str | None = None
    resource: str | None = None
    line: int | None = None
    end_line: int | None = None
    fingerprint: str | None = None
    problem: str | None = None  # why it is invalid (no reason, bad date); invalid ones never apply


@dataclass(frozen=True, eq=False)
class Resource:
    """One subject the rules judge: a Dockerfile stage set, a Kubernetes object, an Azure resource...

    `data` is the parsed body in the shape of its ecosystem (Kubernetes object, ARM resource,
    Dockerfile model). `build` lets loaders defer converting a large body until a rule needs it.
    """

    target: str  # dockerfile | image | kubernetes | azure | pipeline
    kind: str
    name: str
    location: Location
    namespace: str | None = None
    uid: str = ""  # stable identity (live id, or path#index)
    origin: Literal["file", "live", "snapshot"] = "file"
    annotations: Mapping[str, str] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)
    suppressions: tuple[Suppression, ...] = ()
    build: Callable[[], Any] | None = None
    _data: Any = None
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def data(self) -> Any:
        if self._data is None and self.build is not None:
            object.__setattr__(self, "_data", self.build())
            object.__setattr__(self, "build", None)
        return self._data

    @property
    def display(self) -> str:
        if self.target == "dockerfile":
            return f"Dockerfile {self.name}"
        ns = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {ns}{self.name}"

    def memo(self, key: Any, compute: Callable[[], Any]) -> Any:
        """A value derived from this resource's (immutable) body, computed once: helpers that many rules
        call on the same resource (its pod spec, its containers) use it. Not for rule state."""
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = compute()
            return value

    def line_of(self, path: Sequence[PathKey]) -> int | None:
        line = line_at(self.data, path)
        return line if line is not None else self.location.line


@dataclass(frozen=True, slots=True)
class Violation:
    """What a rule yields: a problem with a message, a location and masked evidence."""

    message: str
    path: ObjPath = ()
    line: int | None = None  # explicit line (Dockerfile instructions); else resolved from path
    evidence: str | None = None  # never a secret value: mask it first
    resource: Resource | None = None  # for estate rules: the resource the violation is about
    severity: Severity | None = None  # override the control/rule default for this violation


@dataclass(frozen=True, slots=True)
class NotAssessed(Exception):
    """Raised by a rule when the evidence it needs is missing or unresolvable (never a pass)."""

    reason: str


class NotApplicable(Exception):
    """Raised by a rule when the subject is outside its scope after all (not counted anywhere)."""


@dataclass(frozen=True, slots=True)
class InputError:
    path: str
    message: str
    target: str | None = None
    kind: str = "error"  # error | not_scanned


def iter_pairs(mapping: Mapping[str, Any] | None) -> Iterator[tuple[str, Any]]:
    if isinstance(mapping, Mapping):
        yield from mapping.items()

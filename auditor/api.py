"""The public rule-author API. Rules import from here (and from the helper modules it names).

A rule is a pure function plus its metadata, declared in one place with `@rule(...)`. The
decorator returns a `Rule` object and registers nothing: the registry finds `Rule` objects in the
modules of a rule folder.

    @rule(code="K8S001", name="container-runs-as-root", title="...", controls=["CONT-NON-ROOT"],
          target="kubernetes", kinds=POD_KINDS, rationale="...", remediation="...")
    def check(res: Resource, ctx: Context) -> Iterator[Violation]:
        ...
        yield Violation("container 'app' may run as root", path=(...))

Outcomes: yielding nothing is PASS; each `Violation` is a FAIL; raising `NotAssessed(reason)`
means the evidence is missing (never a pass); raising `NotApplicable()` drops the subject; any
other exception is an ERROR for that (rule, subject) and never stops other rules.

Estate-scope rules (`scope="estate"`) take the whole `Inventory` instead of one resource; they
may yield `Passed(resource)` and `Violation(..., resource=...)` for several subjects.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator

from auditor.model import (
    InputError,
    Location,
    NotApplicable,
    NotAssessed,
    Resource,
    Severity,
    Violation,
)

if TYPE_CHECKING:
    from auditor.inventory import Inventory

__all__ = [
    "Context",
    "InputError",
    "Location",
    "NotApplicable",
    "NotAssessed",
    "Params",
    "Passed",
    "Resource",
    "Rule",
    "RuleMeta",
    "Violation",
    "rule",
]

_CODE_RE = re.compile(r"^[A-Z][A-Z0-9]*?[A-Z][0-9]{3}$")
_NAME_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class Params(BaseModel):
    """Base class for a rule's typed parameters (configurable in [tool.auditor.params.CODE])."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class RuleMeta(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    name: str
    title: str
    controls: tuple[str, ...]
    target: Literal["dockerfile", "image", "kubernetes", "azure", "pipeline"]
    kinds: tuple[str, ...] = ()  # resource kinds it applies to; empty = every kind of the target
    scope: Literal["resource", "estate"] = "resource"
    severity: Severity | None = None  # default: the most severe of its controls
    rationale: str
    remediation: str
    references: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()  # former codes, kept resolvable forever

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        if not _CODE_RE.match(v):
            raise ValueError(f"rule code {v!r} must look like DF001 / K8S014")
        return v

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _NAME_RE.match(v):
            raise ValueError(f"rule name {v!r} must be kebab-case")
        return v

    @field_validator("controls")
    @classmethod
    def _controls(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("a rule implements at least one control")
        return v

    @field_validator("rationale", "remediation", "title")
    @classmethod
    def _text(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be empty")
        return v.strip()


@dataclass(frozen=True, slots=True)
class Passed:
    """Yielded by estate rules to mark one subject as checked and fine."""

    resource: Resource
    message: str | None = None


@dataclass(frozen=True)
class Context:
    """What a rule may read besides its subject: its parameters and the whole inventory."""

    params: Any
    inventory: Inventory
    settings: Mapping[str, Any] = field(default_factory=dict)


CheckFn = Callable[[Any, Context], Iterable[Violation | Passed] | None]


@dataclass(frozen=True, eq=False)
class Rule:
    meta: RuleMeta
    check: CheckFn
    params_model: type[Params] | None = None
    applies: Callable[[Resource], bool] | None = None
    module: str = ""

    @property
    def code(self) -> str:
        return self.meta.code

    def doc(self) -> str:
        return inspect.cleandoc(self.check.__doc__ or "")


def rule(
    *,
    code: str,
    name: str,
    title: str,
    controls: Sequence[str],
    target: str,
    rationale: str,
    remediation: str,
    kinds: Sequence[str] = (),
    scope: str = "resource",
    severity: str | None = None,
    references: Sequence[str] = (),
    aliases: Sequence[str] = (),
    params: type[Params] | None = None,
    applies: Callable[[Resource], bool] | None = None,
) -> Callable[[CheckFn], Rule]:
    """Declare a rule: metadata validated here, the function kept pure."""
    meta = RuleMeta.model_validate(
        {
            "code": code,
            "name": name,
            "title": title,
            "controls": tuple(controls),
            "target": target,
            "kinds": tuple(kinds),
            "scope": scope,
            "severity": severity,
            "rationale": rationale,
            "remediation": remediation,
            "references": tuple(references),
            "aliases": tuple(aliases),
        }
    )

    def wrap(fn: CheckFn) -> Rule:
        return Rule(meta=meta, check=fn, params_model=params, applies=applies, module=fn.__module__)

    return wrap

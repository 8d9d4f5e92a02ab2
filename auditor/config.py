"""Configuration: `[tool.auditor]` in pyproject.toml or a `.auditor.toml`, strictly validated.

A typo is an error naming the key (pydantic `extra="forbid"` at every level).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from auditor.model import Severity

FailOn = Literal["critical", "high", "medium", "low", "info", "none"]


class ConfigError(Exception):
    pass


class SuppressionEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    rule: str = Field(description="rule code or control id, e.g. K8S004 or CONT-NON-ROOT")
    reason: str
    path: str | None = Field(default=None, description="glob on the finding's path")
    resource: str | None = Field(default=None, description="glob on the finding's resource, e.g. 'Deployment ml/*'")
    expires: dt.date | None = None

    @field_validator("reason")
    @classmethod
    def _reason(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("a suppression needs a reason")
        return v


class EolEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    image: str = Field(description="image name, e.g. python, node, library/debian")
    version: str = Field(description="version prefix matched against the tag, e.g. 3.8")
    eol: dt.date


class Config(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    select: tuple[str, ...] = ()  # rule codes, control ids, section ids or targets; empty = all
    ignore: tuple[str, ...] = ()
    severity: dict[str, Severity] = Field(default_factory=dict)  # rule code or control id -> severity
    params: dict[str, dict[str, Any]] = Field(default_factory=dict)  # rule code -> parameters
    exclude: tuple[str, ...] = ()
    rules_dirs: tuple[str, ...] = ()
    suppress: tuple[SuppressionEntry, ...] = ()
    eol: tuple[EolEntry, ...] = ()
    build_args: dict[str, str] = Field(default_factory=dict)
    fail_on: FailOn | None = None
    min_score: float | None = Field(default=None, ge=0, le=100)
    fail_on_input_errors: bool = False  # an input that could not be read fails the gate
    max_file_size: int = Field(default=32 * 1024 * 1024, gt=0)
    docs_base_url: str | None = None


def _validate(data: dict[str, Any], origin: str) -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "(top)"
            msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
            problems.append(f"{where}: {msg}")
        raise ConfigError(f"invalid configuration in {origin}: " + "; ".join(problems)) from None


def load_config(explicit: str | None = None, cwd: Path | None = None) -> tuple[Config, str | None]:
    """The configuration and where it came from. Explicit file > .auditor.toml > pyproject.toml."""
    cwd = cwd or Path.cwd()
    candidates: list[Path] = [Path(explicit)] if explicit else [cwd / ".auditor.toml", cwd / "pyproject.toml"]
    for path in candidates:
        if not path.is_file():
            if explicit:
                raise ConfigError(f"configuration file {path} does not exist")
            continue
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read {path}: {exc}") from None
        if path.name == "pyproject.toml":
            section = doc.get("tool", {}).get("auditor")
            if section is None:
                if explicit:
                    return Config(), str(path)
                continue
            return _validate(section, f"{path} [tool.auditor]"), str(path)
        data = doc.get("tool", {}).get("auditor", doc) if "tool" in doc else doc
        return _validate(data, str(path)), str(path)
    return Config(), None

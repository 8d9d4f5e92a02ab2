"""The checklist catalogue: sections and controls, shipped as package data.

Control ids are a public contract. This module only reads the catalogue; rules name its ids.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict

from auditor.model import SEVERITIES, Severity

Target = Literal["dockerfile", "image", "kubernetes", "azure", "pipeline"]
TARGETS: tuple[str, ...] = ("dockerfile", "image", "kubernetes", "azure", "pipeline")


class Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str
    title: str
    seed: str = ""


class Control(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str
    section: str
    severity: Severity
    scope: Literal["resource", "estate"]
    targets: tuple[Target, ...]
    title: str
    intent: str
    retired: bool = False


class Checklist(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    sections: tuple[Section, ...]
    controls: tuple[Control, ...]

    def control(self, control_id: str) -> Control:
        for c in self.controls:
            if c.id == control_id:
                return c
        raise KeyError(control_id)

    @property
    def control_ids(self) -> frozenset[str]:
        return frozenset(c.id for c in self.controls)

    def section(self, section_id: str) -> Section:
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(section_id)


def checklist_text() -> str:
    return resources.files("auditor").joinpath("data/checklist.yaml").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def load_checklist() -> Checklist:
    raw = yaml.load(checklist_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    cl = Checklist.model_validate(raw)
    section_ids = {s.id for s in cl.sections}
    for c in cl.controls:
        if c.section not in section_ids:
            raise ValueError(f"control {c.id} names unknown section {c.section}")
        if c.severity not in SEVERITIES:
            raise ValueError(f"control {c.id} has unknown severity {c.severity}")
    return cl

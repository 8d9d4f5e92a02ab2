"""Finds rules in rule folders: the built-in pack and a user's own, loaded the same way.

A rule folder holds Python modules (any depth); every module-level `Rule` object is a rule.
Importing a module registers nothing by itself: this loader decides what is a rule.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from auditor.api import Rule
from auditor.checklist import load_checklist


class RuleLoadError(Exception):
    pass


def builtin_dir(name: str) -> Path:
    """The built-in folder `name` (rules, templates, fixtures): installed copy, else the checkout."""
    pkg = Path(__file__).resolve().parent
    installed = pkg / "_builtin" / name
    if installed.is_dir():
        return installed
    checkout = {"rules": "rules", "templates": "reports/templates", "fixtures": "fixtures/rules"}[name]
    return pkg.parent / checkout


def _import_path(path: Path, root: Path) -> list[Rule]:
    rel = path.relative_to(root).with_suffix("")
    tag = hashlib.sha1(str(root).encode()).hexdigest()[:8]
    modname = f"auditor_rules_{tag}." + ".".join(rel.parts)
    spec = importlib.util.spec_from_file_location(modname, path)
    if spec is None or spec.loader is None:
        raise RuleLoadError(f"cannot import rule module {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[modname] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[modname]
        raise RuleLoadError(f"rule module {path} failed to import: {exc}") from exc
    found = [v for v in vars(module).values() if isinstance(v, Rule)]
    for r in found:
        object.__setattr__(r, "module", str(path))
    return found


def load_folder(folder: Path) -> list[Rule]:
    if not folder.is_dir():
        raise RuleLoadError(f"rule folder {folder} does not exist")
    rules: list[Rule] = []
    for path in sorted(folder.rglob("*.py")):
        if path.name.startswith("_") or "__pycache__" in path.parts:
            continue
        rules.extend(_import_path(path, folder))
    return rules


def validate(rules: Sequence[Rule]) -> None:
    cl = load_checklist()
    seen: dict[str, Rule] = {}
    names: dict[str, Rule] = {}
    for r in rules:
        m = r.meta
        for code in (m.code, *m.aliases):
            if code in seen:
                raise RuleLoadError(f"rule code {code} is declared twice ({seen[code].module}, {r.module})")
            seen[code] = r
        if m.name in names:
            raise RuleLoadError(f"rule name {m.name} is used by {names[m.name].code} and {m.code}")
        names[m.name] = r
        for cid in m.controls:
            if cid not in cl.control_ids:
                raise RuleLoadError(f"rule {m.code} names unknown control {cid}")
            control = cl.control(cid)
            if m.target not in control.targets:
                raise RuleLoadError(
                    f"rule {m.code} targets {m.target}, but control {cid} lists only {', '.join(control.targets)}"
                )


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]

    def by_code(self, code: str) -> Rule | None:
        up = code.upper()
        for r in self.rules:
            if r.meta.code == up or up in r.meta.aliases:
                return r
        return None


@lru_cache(maxsize=8)
def _load_cached(folders: tuple[str, ...]) -> RuleSet:
    rules: list[Rule] = []
    for f in folders:
        rules.extend(load_folder(Path(f)))
    validate(rules)
    rules.sort(key=lambda r: r.meta.code)
    return RuleSet(tuple(rules))


def load_rules(extra_folders: Iterable[str | Path] = (), builtin: bool = True) -> RuleSet:
    folders = ([str(builtin_dir("rules"))] if builtin else []) + [str(Path(f).resolve()) for f in extra_folders]
    return _load_cached(tuple(folders))

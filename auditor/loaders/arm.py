"""ARM template loader: deployment templates (and their parameter files) into the Azure resource model.

Recognised by `$schema`. Resources come from the `resources` array or the languageVersion 2.0
symbolic-name object, nested child resources, `parent/child` names, inline nested deployments (inner and
outer expression scope) and extension resources with `scope` (or the old `.../providers/...` type form).
Expressions rules read are evaluated (see `auditor.armexpr`); what cannot be known before deployment stays
an `Unresolved` value, and rules that meet it answer NOT_ASSESSED. Lines are kept: JSON is composed by
libyaml, so every key remembers its line. `.bicep` files are compiled with the `bicep` CLI when present.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from auditor.azure import (
    DEPLOYMENT,
    Secure,
    Unresolved,
    canonical_type,
    make_resource,
)
from auditor.loaders import LoadOptions, LoadResult, SourceFile
from auditor.loaders.armexpr import Evaluator, build_id, scope_prefix
from auditor.model import InputError, LineList, LineMap, Location, Resource
from auditor.yamlsafe import YamlRefused, compose_documents, convert, describe_error

TARGET = "azure"
_SCHEMA_RE = re.compile(r'"\$schema"\s*:\s*"[^"]*/(\w*?)(Deployment(?:Template|Parameters))\.json', re.IGNORECASE)
BICEP_HINT = "Bicep source: install the bicep CLI (az bicep install) or run `bicep build FILE` and scan the JSON"
MAX_COPY = 100
MAX_NESTING = 10


def by_name(file: SourceFile) -> bool:
    return file.path.suffix.lower() == ".bicep"


def by_content(file: SourceFile, text: str) -> bool:
    return file.path.suffix.lower() == ".json" and bool(_SCHEMA_RE.search(text[:4096]))


# ---- JSON with lines --------------------------------------------------------------------------------
def strip_comments(text: str) -> str:
    """Blank out // and /* */ comments (ARM accepts them) and tabs, keeping every line where it was."""
    out: list[str] = []
    i, n = 0, len(text)
    in_str = False
    while i < n:
        c = text[i]
        if in_str:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 2
                continue
            if c == '"':
                in_str = False
            i += 1
            continue
        if c == '"':
            in_str = True
        elif c == "/" and text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
            continue
        elif c == "/" and text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("".join(ch if ch == "\n" else " " for ch in text[i:j]))
            i = j
            continue
        elif c == "\t" or c == "\r":
            c = " " if c == "\t" else c
        out.append(c)
        i += 1
    return "".join(out)


def parse_json(text: str) -> Any:
    """JSON (with comments) to LineMap/LineList values; falls back to json without lines."""
    clean = strip_comments(text)
    try:
        docs = list(compose_documents(clean, check_aliases=False))
        if len(docs) == 1 and docs[0].node is not None:
            return convert(docs[0].node)
    except (yaml.YAMLError, YamlRefused, RecursionError):
        pass
    return json.loads(clean)


def _schema_kind(doc: Any) -> str:
    schema = str(doc.get("$schema", "")) if isinstance(doc, Mapping) else ""
    low = schema.lower()
    if "deploymentparameters" in low:
        return "parameters"
    if "deploymenttemplate" in low:
        if "subscriptiondeploymenttemplate" in low:
            return "subscription"
        if "managementgroupdeploymenttemplate" in low:
            return "managementGroup"
        if "tenantdeploymenttemplate" in low:
            return "tenant"
        return "resourceGroup"
    return ""


def _param_values(doc: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    params = doc.get("parameters") if isinstance(doc, Mapping) else None
    if not isinstance(params, Mapping):
        return out
    for name, spec in params.items():
        if not isinstance(spec, Mapping):
            continue
        if "value" in spec:
            out[str(name).lower()] = spec["value"]
        elif "reference" in spec:  # Key Vault reference: a secret the file does not show
            out[str(name).lower()] = Secure("")
    return out


# ---- loading ------------------------------------------------------------------------------------------
class _Walker:
    def __init__(self, file: SourceFile, result: LoadResult) -> None:
        self.file = file
        self.result = result
        self.count = 0

    def template(self, tpl: Mapping[str, Any], ev: Evaluator, level: str, depth: int) -> None:
        if depth > MAX_NESTING:
            self.result.errors.append(InputError(self.file.rel, "nested deployments deeper than "
                                                 f"{MAX_NESTING} levels: not followed", TARGET, "not_scanned"))
            return
        resources = tpl.get("resources")
        entries: list[tuple[str | None, Any]] = []
        if isinstance(resources, Mapping):  # languageVersion 2.0: symbolic names
            entries = [(str(k), v) for k, v in resources.items()]
        elif isinstance(resources, list):
            entries = [(None, v) for v in resources]
        symbols: dict[str, str] = {}
        # ids of symbolic resources first, so `scope`/`parent` references resolve in any order
        for sym, raw in entries:
            if sym and isinstance(raw, Mapping):
                rtype, name = ev.value(raw.get("type")), ev.name_value(raw.get("name"))
                if isinstance(rtype, str) and isinstance(name, str):
                    symbols[sym.lower()] = build_id(level, rtype, name)
        ev.symbols.update(symbols)
        for _sym, raw in entries:
            if isinstance(raw, Mapping):
                self.resource(raw, ev, level, depth, parent=None)

    def resource(self, raw: Mapping[str, Any], ev: Evaluator, level: str, depth: int,
                 parent: tuple[str, str] | None) -> None:
        if raw.get("existing") is True:
            return  # a reference to something deployed elsewhere
        copy = raw.get("copy")
        if isinstance(copy, Mapping):
            count = ev.value(copy.get("count"))
            loop = str(copy.get("name") or "")
            if isinstance(count, int) and not isinstance(count, bool) and 0 <= count <= MAX_COPY:
                for i in range(count):
                    self._one(raw, ev.with_copy(loop, i), level, depth, parent)
                return
            self._one(raw, ev.with_copy(loop, None), level, depth, parent)
            return
        self._one(raw, ev, level, depth, parent)

    def _one(self, raw: Mapping[str, Any], ev: Evaluator, level: str, depth: int,
             parent: tuple[str, str] | None) -> None:
        conditional = None
        if "condition" in raw:
            cond = ev.value(raw["condition"])
            if cond is False or (isinstance(cond, str) and cond.lower() == "false"):
                return
            if isinstance(cond, Unresolved):
                conditional = cond.reason  # may or may not be deployed: judged as if it were
        data = ev.evaluate(_shallow(raw))
        if not isinstance(data, LineMap):
            return
        rtype = data.get("type")
        name = data.get("name")
        if isinstance(name, Unresolved):
            name = ev.name_value(raw.get("name"))
        if isinstance(data.get("scope"), Unresolved):
            data["scope"] = ev.name_value(raw.get("scope"))
        if not isinstance(rtype, str) or isinstance(rtype, Unresolved):
            self.result.errors.append(InputError(self.file.rel, f"resource at line {data.line}: type not resolvable",
                                                 TARGET, "not_scanned"))
            return
        name_s = str(name) if isinstance(name, str) else "<unnamed>"
        if parent is not None and "." not in rtype.split("/")[0]:  # nested child: type and name relative to parent
            rtype = f"{parent[0]}/{rtype}"
            name_s = f"{parent[1]}/{name_s}"
        scope = data.get("scope")
        rid: str
        if "/providers/" in rtype.lower() and not rtype.lower().startswith("microsoft.resources/deployments"):
            # old extension form: Microsoft.KeyVault/vaults/providers/diagnosticSettings, vault/Microsoft.Insights/x
            base_type, _, ext_type = rtype.partition("/providers/")
            parts = name_s.split("/")
            nbase = len(base_type.split("/")) - 1
            base_id = build_id(level, base_type, "/".join(parts[:nbase]))
            ext_ns = parts[nbase] if len(parts) > nbase else "Microsoft.Insights"
            rtype = f"{ext_ns}/{ext_type}"
            name_s = "/".join(parts[nbase + 1:]) or name_s
            rid = f"{base_id}/providers/{rtype}/{name_s}"
            data["type"] = rtype
        elif isinstance(scope, str) and scope and not isinstance(scope, Unresolved):
            target_id = ev.scope_id(scope)
            rid = f"{target_id}/providers/{rtype}/{name_s}"
        elif isinstance(scope, Unresolved):
            rid = f"{scope_prefix(level)}/unresolved-scope/providers/{rtype}/{name_s}"
        else:
            rid = build_id(level, rtype, name_s)
        data["type"] = rtype
        data["name"] = name_s
        data["id"] = rid
        line = data.line
        self.count += 1
        self.result.resources.append(make_resource(
            data, Location(self.file.rel, line), origin="file",
            extra={"source": "template", "apiVersion": str(data.get("apiVersion") or ""), "level": level,
                   **({"condition": conditional} if conditional else {})}))
        children = raw.get("resources")
        if isinstance(children, list):
            for child in children:
                if isinstance(child, Mapping):
                    self.resource(child, ev, level, depth, parent=(rtype, name_s))
        if canonical_type(rtype) == DEPLOYMENT:
            self.nested(raw, data, ev, level, depth)

    def nested(self, raw: Mapping[str, Any], data: Mapping[str, Any], ev: Evaluator, level: str, depth: int) -> None:
        props = raw.get("properties")
        if not isinstance(props, Mapping):
            return
        tpl = props.get("template")
        if not isinstance(tpl, Mapping):
            if "templateLink" in props:
                self.result.errors.append(InputError(
                    self.file.rel, f"line {_key_line(props, 'templateLink')}: linked template not followed "
                    "(scan the linked file itself)", TARGET, "not_scanned"))
            return
        opts = props.get("expressionEvaluationOptions")
        scope = str(opts.get("scope", "outer")).lower() if isinstance(opts, Mapping) else "outer"
        inner_level = level
        rg = data.get("resourceGroup")
        if isinstance(rg, str) and rg and not isinstance(rg, Unresolved):
            inner_level = f"resourceGroup:{rg}"
        elif rg is not None:
            inner_level = "resourceGroup"
        elif data.get("subscriptionId") is not None:
            inner_level = "subscription"
        if scope == "inner":
            values: dict[str, Any] = {}
            given = props.get("parameters")
            if isinstance(given, Mapping):
                for k, spec in given.items():
                    if isinstance(spec, Mapping) and "value" in spec:
                        values[str(k).lower()] = ev.evaluate(spec["value"])
                    elif isinstance(spec, Mapping) and "reference" in spec:
                        values[str(k).lower()] = Secure("")
            inner = Evaluator(tpl, values, level=inner_level)
        else:
            inner = ev  # outer scope: the parent's parameters and variables
        self.template(tpl, inner, inner_level, depth + 1)


def _key_line(node: Any, key: str) -> Any:
    lines = getattr(node, "key_lines", {})
    return lines.get(key, getattr(node, "line", "?"))


def _shallow(raw: Mapping[str, Any]) -> Any:
    """The resource without its child resources and nested template (those are evaluated on their own)."""
    if not isinstance(raw, LineMap):
        return raw
    out = LineMap(raw.line)
    is_deployment = str(raw.get("type", "")).lower() == DEPLOYMENT.lower()
    for k, v in raw.items():
        if k == "resources":
            continue
        if k == "properties" and is_deployment and isinstance(v, LineMap):
            props = LineMap(v.line)
            for pk, pv in v.items():
                if pk != "template":
                    props[pk] = pv
                    props.key_lines[pk] = v.key_lines.get(pk, v.line or 0)
            v = props
        out[k] = v
        out.key_lines[k] = raw.key_lines.get(k, raw.line or 0)
    return out


def load(file: SourceFile, text: str, options: LoadOptions) -> LoadResult:
    if file.path.suffix.lower() == ".bicep":
        return _load_bicep(file, options)
    return load_template_text(file, text, options)


def load_template_text(file: SourceFile, text: str, options: LoadOptions) -> LoadResult:
    out = LoadResult()
    try:
        doc = parse_json(text)
    except (ValueError, RecursionError) as exc:
        out.errors.append(InputError(file.rel, f"invalid JSON: {exc}", TARGET))
        return out
    kind = _schema_kind(doc)
    if kind == "parameters" or not kind:
        return out  # parameter files are read with their template
    values: dict[str, Any] = {}
    for pfile in _parameter_files(file, options):
        try:
            values.update(_param_values(parse_json(Path(pfile).read_text(encoding="utf-8-sig"))))
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            out.errors.append(InputError(str(pfile), f"parameters file unreadable: {exc}", TARGET))
    ev = Evaluator(doc, values, level=kind)
    walker = _Walker(file, out)
    try:
        walker.template(doc, ev, kind, 0)
    except RecursionError:
        out.errors.append(InputError(file.rel, "template too deeply nested", TARGET))
    return out


def _parameter_files(file: SourceFile, options: LoadOptions) -> list[Path]:
    files = [Path(p) for p in options.parameters]
    if files:
        return files
    stem = file.path.name[: -len(".json")]
    for cand in (f"{stem}.parameters.json", f"{stem}.parameters.local.json"):
        p = file.path.with_name(cand)
        if p.is_file():
            return [p]
    return []


def _load_bicep(file: SourceFile, options: LoadOptions) -> LoadResult:
    exe = shutil.which("bicep")
    if exe is None:
        return LoadResult(errors=[InputError(file.rel, BICEP_HINT, TARGET, "not_scanned")])
    with tempfile.TemporaryDirectory(prefix="auditor-bicep-") as tmp:
        outfile = Path(tmp) / (file.path.stem + ".json")
        try:
            proc = subprocess.run([exe, "build", str(file.path), "--outfile", str(outfile)], capture_output=True,
                                  text=True, timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return LoadResult(errors=[InputError(file.rel, f"bicep build failed: {exc}", TARGET)])
        if proc.returncode != 0 or not outfile.is_file():
            msg = (proc.stderr or proc.stdout).strip().splitlines()
            return LoadResult(errors=[InputError(file.rel, "bicep build failed: " + (msg[0] if msg else "?"), TARGET)])
        text = outfile.read_text(encoding="utf-8")
    res = load_template_text(file, text, options)
    # lines point into the compiled JSON, not the .bicep source: keep only the file
    res.resources = [
        Resource(target=r.target, kind=r.kind, name=r.name, location=Location(file.rel, None), namespace=r.namespace,
                 uid=r.uid, origin=r.origin, extra={**r.extra, "compiledFrom": "bicep"}, _data=_strip_lines(r.data))
        for r in res.resources
    ]
    return res


def _strip_lines(value: Any) -> Any:
    if isinstance(value, LineMap):
        return {k: _strip_lines(v) for k, v in value.items()}
    if isinstance(value, LineList):
        return [_strip_lines(v) for v in value]
    return value


def describe(exc: BaseException) -> str:
    return describe_error(exc)

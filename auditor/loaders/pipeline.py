"""CI/CD pipeline loader: GitHub Actions workflows and Azure Pipelines YAML, with exact lines.

One Resource per pipeline file (target "pipeline"). `data` holds the parsed document and a
normalised view the rules read (see auditor.pipelines): jobs with their `needs`/`dependsOn`,
steps with `uses`/`run`/`task`/`script`/inputs and lines, triggers with schedules.

Local templates are followed here (the loader is where file I/O belongs): reusable workflows
(`jobs.<id>.uses: ./.github/workflows/x.yml`), local composite actions (`uses: ./path`), Azure
`- template: path.yml` for stages, jobs and steps, and `extends: template:`. Steps that come from
another file carry the line of the reference in the pipeline file and the template's path.
Remote templates (`x.yml@repo`, `owner/repo/...@ref`) and templated paths are listed as
unresolved, so rules can say "not assessed" instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from auditor.loaders import LoadOptions, LoadResult, SourceFile
from auditor.model import InputError, LineList, LineMap, Location, Resource, Suppression
from auditor.suppressions import parse_inline
from auditor.yamlsafe import YamlRefused, compose_documents, describe_error, load_one

TARGET = "pipeline"
KIND_GITHUB = "GitHubWorkflow"
KIND_GITHUB_REUSABLE = "GitHubReusableWorkflow"
KIND_AZURE = "AzurePipeline"
KIND_AZURE_TEMPLATE = "AzurePipelineTemplate"

_WORKFLOW_RE = re.compile(r"(?:^|/)\.github/workflows/[^/]+\.ya?ml$")
_AZURE_NAME_RE = re.compile(r"^\.?azure-pipelines?[\w.\-]*\.ya?ml$", re.IGNORECASE)
_TOP_RE = re.compile(r"^[\"']?(on|jobs|trigger|pr|schedules|pool|stages|steps|extends)[\"']?\s*:", re.MULTILINE)
_K8S_RE = re.compile(r"^(apiVersion|kind)\s*:", re.MULTILINE)
_IGNORE_RE = re.compile(r"#\s*(auditor:ignore(?:-file)?\b.*)$", re.IGNORECASE)
AZURE_STEP_KEYS = frozenset({"script", "bash", "pwsh", "powershell", "task", "checkout", "template", "download",
                             "downloadBuild", "publish", "getPackage", "reviewApp", "restoreCache"})
AZURE_PIPELINE_KEYS = frozenset({"trigger", "pr", "schedules", "pool", "resources", "extends", "name",
                                 "lockBehavior", "appendCommitMessageToRunName"})
MAX_TEMPLATES = 100
MAX_DEPTH = 10
MAX_TEMPLATE_BYTES = 4 * 1024 * 1024
INLINE_SCRIPT_INPUTS = ("script", "inlineScript", "Inline", "inline")


# ---- claiming -------------------------------------------------------------------------------
def by_name(file: SourceFile) -> bool:
    if not file.name.lower().endswith((".yml", ".yaml")):
        return False
    return bool(_WORKFLOW_RE.search(file.root_rel) or _WORKFLOW_RE.search(file.rel)
                or _AZURE_NAME_RE.match(file.name))


def by_content(file: SourceFile, text: str) -> bool:
    if file.path.suffix.lower() not in (".yml", ".yaml") or not _TOP_RE.search(text):
        return False
    if _K8S_RE.search(text):
        return False
    try:
        for doc in compose_documents(text):
            if doc.node is None:
                continue
            return shape(doc.to_python()) is not None
    except (yaml.YAMLError, YamlRefused, RecursionError):
        return False
    return False


def _is_mapping_list(value: Any, keys: frozenset[str]) -> bool:
    return isinstance(value, list) and bool(value) and all(
        isinstance(i, Mapping) and (any(k in keys for k in i) or _is_conditional(i)) for i in value)


def _is_conditional(item: Mapping[str, Any]) -> bool:
    return len(item) == 1 and str(next(iter(item))).startswith("${{")


def shape(doc: Any) -> str | None:
    """The kind a parsed document has by its shape alone, or None (Kubernetes, compose, other YAML)."""
    if not isinstance(doc, Mapping) or ("apiVersion" in doc and "kind" in doc):
        return None
    jobs = doc.get("jobs")
    if "on" in doc and isinstance(jobs, Mapping) and jobs and all(
            isinstance(j, Mapping) and ("runs-on" in j or "uses" in j or "steps" in j) for j in jobs.values()):
        return KIND_GITHUB
    if "services" in doc and "version" in doc:
        return None  # docker compose
    azure = (
        _is_mapping_list(doc.get("stages"), frozenset({"stage", "template"}))
        or _is_mapping_list(jobs, frozenset({"job", "deployment", "template"}))
        or _is_mapping_list(doc.get("steps"), AZURE_STEP_KEYS)
        or (isinstance(doc.get("extends"), Mapping) and "template" in doc["extends"])
    )
    if not azure:
        return None
    return KIND_AZURE if any(k in doc for k in AZURE_PIPELINE_KEYS) else KIND_AZURE_TEMPLATE


# ---- loading --------------------------------------------------------------------------------
def _repo_root(file: SourceFile) -> Path:
    """The checkout root: the folder holding `.github/workflows/<file>`, else the nearest `.git`, else the
    folder that was scanned. Templates are read only below it."""
    p = file.path.resolve()
    if p.parent.name == "workflows" and p.parent.parent.name == ".github":
        return p.parent.parent.parent
    for anc in p.parents:
        if (anc / ".git").exists():
            return anc
    depth = len(Path(file.root_rel).parts)
    if 1 <= depth <= len(p.parents):
        return p.parents[depth - 1]
    return p.parent


def _str(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (Mapping, list)):
        return None
    return str(v)


def _line(container: Any, key: Any, default: int | None) -> int | None:
    if isinstance(container, LineMap):
        return container.key_lines.get(key, default)
    if isinstance(container, LineList) and isinstance(key, int) and key < len(container.item_lines):
        return container.item_lines[key]
    return default


def _as_list(v: Any) -> list[Any]:
    if v is None or v == "":
        return []
    if isinstance(v, list):
        return list(v)
    return [v]


def _str_map(v: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    if isinstance(v, Mapping):
        for k, val in v.items():
            s = _str(val)
            if s is not None:
                out[str(k)] = s
    return out


_PARAM_RE = re.compile(r"\$\{\{\s*(parameters|inputs)\.([A-Za-z_][\w-]*)\s*\}\}")


def template_values(declared: Any, given: Any) -> dict[str, str]:
    """Template parameters / workflow_call inputs: declared defaults, overridden by the caller's values."""
    values: dict[str, str] = {}
    if isinstance(declared, Mapping):  # {name: default} or {name: {default: ...}}
        for k, v in declared.items():
            d = v.get("default") if isinstance(v, Mapping) else v
            if _str(d) is not None:
                values[str(k)] = _str(d) or ""
    else:
        for item in _as_list(declared):
            if isinstance(item, Mapping) and item.get("name") is not None and _str(item.get("default")) is not None:
                values[str(item["name"])] = _str(item.get("default")) or ""
    values.update(_str_map(given))
    return values


def substitute(node: Any, values: Mapping[str, str]) -> None:
    """Replace `${{ parameters.x }}` / `${{ inputs.x }}` in the string values of a freshly parsed template."""
    if not values:
        return

    def sub(text: str) -> str:
        return _PARAM_RE.sub(lambda m: values.get(m.group(2), m.group(0)), text)

    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, str):
                node[k] = sub(v)
            else:
                substitute(v, values)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if isinstance(v, str):
                node[i] = sub(v)
            else:
                substitute(v, values)


class _Builder:
    """Normalises one pipeline file, reading the local templates it references (cycle-safe)."""

    def __init__(self, file: SourceFile, root: Path, options: LoadOptions) -> None:
        self.file = file
        self.root = root
        self.options = options
        self.templates: list[dict[str, Any]] = []
        self.errors: list[InputError] = []
        self.stack: list[Path] = [file.path.resolve()]
        self.count = 0

    # -- templates --
    def _rel(self, p: Path) -> str:
        try:
            return p.relative_to(self.root).as_posix()
        except ValueError:
            return p.as_posix()

    def read_template(self, ref: str, base: Path, line: int | None, absolute_from_root: bool) -> tuple[Any, Path | None]:
        """Parse a local template; None (and an unresolved entry) when remote, templated, missing or cyclic."""
        entry: dict[str, Any] = {"ref": ref, "line": line, "resolved": False, "path": None, "reason": None}
        self.templates.append(entry)
        clean = ref.strip()
        if "${{" in clean or "$(" in clean:
            entry["reason"] = "template path is an expression"
            return None, None
        if "@" in clean and not clean.startswith("./"):
            entry["reason"] = "remote template (another repository)"
            return None, None
        if clean.startswith("/"):
            target = (self.root / clean.lstrip("/")).resolve()
        elif absolute_from_root:
            target = (self.root / clean).resolve()
        else:
            target = (base / clean).resolve()
        if target.is_dir():
            for name in ("action.yml", "action.yaml"):
                if (target / name).is_file():
                    target = target / name
                    break
        entry["path"] = self._rel(target)
        if self.root not in target.parents:
            entry["reason"] = "outside the checkout"
            return None, None
        if target in self.stack:
            entry["reason"] = "template cycle: " + " -> ".join(self._rel(p) for p in [*self.stack, target])
            return None, None
        if len(self.stack) > MAX_DEPTH or self.count >= MAX_TEMPLATES:
            entry["reason"] = f"more than {MAX_DEPTH} nested or {MAX_TEMPLATES} templates"
            return None, None
        if not target.is_file():
            entry["reason"] = "file not found"
            return None, None
        self.count += 1
        try:
            if target.stat().st_size > MAX_TEMPLATE_BYTES:
                raise YamlRefused("template too large")
            doc = load_one(target.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError, YamlRefused, RecursionError) as exc:
            msg = describe_error(exc) if not isinstance(exc, (OSError, UnicodeDecodeError)) else f"cannot read: {exc}"
            entry["reason"] = msg
            self.errors.append(InputError(self.file.rel, f"template {ref} (line {line}): {msg}", TARGET))
            return None, None
        entry["resolved"] = True
        return doc, target

    # -- steps (shared) --
    def step(self, raw: Any, index: int, line: int | None, anchor: int | None, source: str | None,
             base: Path, github: bool) -> list[dict[str, Any]]:
        """One step as a list of normalised steps (a local composite action expands to its steps)."""
        if not isinstance(raw, Mapping):
            return []
        at = anchor if anchor is not None else line
        st: dict[str, Any] = {
            "index": index, "id": _str(raw.get("id")), "name": _str(raw.get("name") or raw.get("displayName")),
            "uses": None, "task": None, "script": None, "shell": None, "inputs": {}, "env": _str_map(raw.get("env")),
            "line": at, "script_line": None, "script_block": False, "template": source,
            "condition": _str(raw.get("if") if github else raw.get("condition")), "unresolved": None,
        }
        if github:
            uses = _str(raw.get("uses"))
            st["uses"] = uses
            st["inputs"] = _str_map(raw.get("with"))
            if raw.get("run") is not None:
                self._script(st, raw, "run", anchor)
                st["shell"] = _str(raw.get("shell"))
            if uses and uses.startswith("./"):
                doc, path = self.read_template(uses, base, at, absolute_from_root=True)
                runs = doc.get("runs") if isinstance(doc, Mapping) else None
                if isinstance(runs, Mapping) and str(runs.get("using")) == "composite" and path is not None:
                    self.stack.append(path)
                    inner = [s for i, r in enumerate(_as_list(runs.get("steps")))
                             for s in self.step(r, i, None, at, self._rel(path), path.parent, True)]
                    self.stack.pop()
                    return [st, *inner]
                if doc is None:
                    st["unresolved"] = uses
            return [st]
        for key in ("script", "bash", "pwsh", "powershell"):
            if raw.get(key) is not None:
                self._script(st, raw, key, anchor)
                st["shell"] = key
                break
        if raw.get("task") is not None:
            st["task"] = _str(raw.get("task"))
            inputs = raw.get("inputs")
            st["inputs"] = _str_map(inputs)
            if isinstance(inputs, Mapping):
                for k in INLINE_SCRIPT_INPUTS:
                    if isinstance(inputs.get(k), str):
                        self._script(st, inputs, k, anchor)
                        break
        if raw.get("checkout") is not None:
            st["uses"] = "checkout:" + str(raw.get("checkout"))
        return [st]

    def _script(self, st: dict[str, Any], raw: Any, key: str, anchor: int | None) -> None:
        text = _str(raw.get(key)) or ""
        st["script"] = text
        if anchor is None:
            kl = _line(raw, key, st["line"])
            st["script_block"] = "\n" in text.rstrip("\n") or text.endswith("\n")
            st["script_line"] = (kl + 1) if (kl is not None and st["script_block"]) else kl

    # -- GitHub --
    def github(self, doc: Mapping[str, Any], base: Path, anchor: int | None, source: str | None,
               prefix: str = "", outer_needs: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        jobs_out: list[dict[str, Any]] = []
        jobs = doc.get("jobs")
        if not isinstance(jobs, Mapping):
            return jobs_out
        for jid, j in jobs.items():
            if not isinstance(j, Mapping):
                continue
            line = anchor if anchor is not None else _line(jobs, jid, None)
            full = f"{prefix}{jid}"
            needs = [*outer_needs, *(f"{prefix}{n}" for n in _as_list(j.get("needs")) if _str(n))]
            job: dict[str, Any] = {
                "id": full, "name": _str(j.get("name")) or str(jid), "stage": None, "needs": needs, "calls": [],
                "line": line, "steps": [], "uses": _str(j.get("uses")), "deployment": j.get("environment") is not None,
                "environment": _str(j.get("environment")) or _str((j.get("environment") or {}).get("name")
                                                                 if isinstance(j.get("environment"), Mapping) else None),
                "env": _str_map(j.get("env")), "template": source, "condition": _str(j.get("if")),
                "inputs": _str_map(j.get("with")), "unresolved": None,
            }
            jobs_out.append(job)
            steps = j.get("steps")
            for i, s in enumerate(_as_list(steps)):
                job["steps"] += self.step(s, i, _line(steps, i, line), anchor, source, base, True)
            uses = job["uses"]
            if uses:
                if uses.startswith("./"):
                    called, path = self.read_template(uses, base, line, absolute_from_root=True)
                    if isinstance(called, Mapping) and path is not None:
                        on = called.get("on")
                        wc = on.get("workflow_call") if isinstance(on, Mapping) else None
                        substitute(called, template_values(wc.get("inputs") if isinstance(wc, Mapping) else None,
                                                           j.get("with")))
                        self.stack.append(path)
                        inner = self.github(called, path.parent, line, self._rel(path), f"{full}/", tuple(needs))
                        self.stack.pop()
                        job["calls"] = [x["id"] for x in inner]
                        jobs_out += inner
                        continue
                else:
                    self.templates.append({"ref": uses, "line": line, "resolved": False, "path": None,
                                           "reason": "remote reusable workflow"})
                job["unresolved"] = uses
        return jobs_out

    # -- Azure --
    def azure_items(self, items: Any, section: str, base: Path, anchor: int | None,
                    source: str | None) -> list[tuple[Any, int | None, int | None, str | None, Path]]:
        """Flatten a stages/jobs/steps list: conditional insertions and local templates expanded.

        Yields (item, line, anchor, source, base) where anchor is the line in the pipeline file
        that brought the item in (None for the pipeline file's own items)."""
        out: list[tuple[Any, int | None, int | None, str | None, Path]] = []
        for i, item in enumerate(_as_list(items)):
            line = _line(items, i, None)
            if not isinstance(item, Mapping):
                continue
            if _is_conditional(item):
                out += self.azure_items(next(iter(item.values())), section, base, anchor, source)
                continue
            if "template" in item and not ({"task", "script", "job", "stage", "deployment"} & set(item)):
                at = anchor if anchor is not None else line
                ref = _str(item.get("template")) or ""
                doc, path = self.read_template(ref, base, at, absolute_from_root=False)
                if isinstance(doc, Mapping) and path is not None:
                    substitute(doc, template_values(doc.get("parameters"), item.get("parameters")))
                    self.stack.append(path)
                    out += self.azure_items(doc.get(section), section, path.parent, at, self._rel(path))
                    self.stack.pop()
                else:
                    out.append(({"__unresolved__": ref}, line, at, source, base))
                continue
            out.append((item, line, anchor, source, base))
        return out

    def azure_steps(self, steps: Any, base: Path, anchor: int | None, source: str | None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for idx, (item, line, anc, src, b) in enumerate(self.azure_items(steps, "steps", base, anchor, source)):
            if "__unresolved__" in item:
                out.append({"index": idx, "id": None, "name": None, "uses": None, "task": None, "script": None,
                            "shell": None, "inputs": {}, "env": {}, "line": anc if anc is not None else line,
                            "script_line": None, "script_block": False, "template": src, "condition": None,
                            "unresolved": item["__unresolved__"]})
                continue
            out += self.step(item, idx, line, anc, src, b, False)
        return out

    def azure_job(self, item: Mapping[str, Any], line: int | None, anchor: int | None, source: str | None,
                  base: Path, stage: str | None, index: int) -> dict[str, Any]:
        deployment = "deployment" in item
        name = _str(item.get("deployment") if deployment else item.get("job")) or f"job{index + 1}"
        at = anchor if anchor is not None else line
        job: dict[str, Any] = {
            "id": f"{stage}.{name}" if stage else name, "name": _str(item.get("displayName")) or name,
            "stage": stage, "needs": [f"{stage}.{d}" if stage else str(d) for d in _as_list(item.get("dependsOn"))
                                      if _str(d)],
            "calls": [], "line": at, "steps": [], "uses": None, "deployment": deployment,
            "environment": _str(item.get("environment")) or (_str(item["environment"].get("name"))
                                                             if isinstance(item.get("environment"), Mapping) else None),
            "env": azure_variables(item),
            "template": source, "condition": _str(item.get("condition")), "inputs": {}, "unresolved": None,
        }
        if "__unresolved__" in item:
            job["unresolved"] = item["__unresolved__"]
            return job
        job["steps"] = self.azure_steps(item.get("steps"), base, anchor, source)
        strategy = item.get("strategy")
        if deployment and isinstance(strategy, Mapping):
            for _sname, sbody in strategy.items():
                if not isinstance(sbody, Mapping):
                    continue
                for hook in ("preDeploy", "deploy", "routeTraffic", "postRouteTraffic"):
                    h = sbody.get(hook)
                    if isinstance(h, Mapping):
                        job["steps"] += self.azure_steps(h.get("steps"), base, anchor, source)
                on = sbody.get("on")
                if isinstance(on, Mapping):
                    for hook in ("failure", "success"):
                        h = on.get(hook)
                        if isinstance(h, Mapping):
                            job["steps"] += self.azure_steps(h.get("steps"), base, anchor, source)
        for i, s in enumerate(job["steps"]):
            s["index"] = i
        return job

    def azure(self, doc: Mapping[str, Any], base: Path) -> list[dict[str, Any]]:
        body: Mapping[str, Any] = doc
        ext = doc.get("extends")
        if isinstance(ext, Mapping) and ext.get("template") is not None:
            tl = _line(ext, "template", None)
            tdoc, path = self.read_template(str(ext["template"]), base, tl, absolute_from_root=False)
            if isinstance(tdoc, Mapping) and path is not None:
                substitute(tdoc, template_values(tdoc.get("parameters"), ext.get("parameters")))
                self.stack.append(path)
                jobs = self._azure_body(tdoc, path.parent, tl, self._rel(path))
                self.stack.pop()
                return jobs
            return [{"id": "extends", "name": "extends", "stage": None, "needs": [], "calls": [], "line": tl,
                     "steps": [], "uses": None, "deployment": False, "environment": None, "env": {},
                     "template": None, "condition": None, "inputs": {}, "unresolved": str(ext["template"])}]
        return self._azure_body(body, base, None, None)

    def _azure_body(self, doc: Mapping[str, Any], base: Path, anchor: int | None,
                    source: str | None) -> list[dict[str, Any]]:
        if doc.get("stages") is not None:
            jobs: list[dict[str, Any]] = []
            stage_jobs: dict[str, list[str]] = {}
            previous: str | None = None
            for si, (st, line, anc, src, b) in enumerate(self.azure_items(doc.get("stages"), "stages", base,
                                                                           anchor, source)):
                sname = _str(st.get("stage")) or (f"unresolved{si + 1}" if "__unresolved__" in st else f"stage{si + 1}")
                if "dependsOn" in st:
                    deps = [str(d) for d in _as_list(st.get("dependsOn")) if _str(d)]
                else:
                    deps = [previous] if previous else []
                if "__unresolved__" in st:
                    job = self.azure_job(st, line, anc, src, b, sname, 0)
                    job["needs"] = [x for d in deps for x in stage_jobs.get(d, [])]
                    jobs.append(job)
                    stage_jobs[sname] = [job["id"]]
                    previous = sname
                    continue
                mine: list[str] = []
                for ji, (jitem, jline, janc, jsrc, jb) in enumerate(self.azure_items(st.get("jobs"), "jobs", b,
                                                                                     anc, src)):
                    job = self.azure_job(jitem, jline, janc, jsrc, jb, sname, ji)
                    job["needs"] = [*job["needs"], *(x for d in deps for x in stage_jobs.get(d, []))]
                    jobs.append(job)
                    mine.append(job["id"])
                stage_jobs[sname] = mine
                previous = sname
            return jobs
        if doc.get("jobs") is not None:
            return [self.azure_job(j, line, anc, src, b, None, i)
                    for i, (j, line, anc, src, b) in enumerate(self.azure_items(doc.get("jobs"), "jobs", base,
                                                                                  anchor, source))]
        if doc.get("steps") is not None:
            job = self.azure_job({"job": "Job", "steps": doc.get("steps")}, _line(doc, "steps", None), anchor,
                                 source, base, None, 0)
            return [job]
        return []


def github_triggers(doc: Mapping[str, Any]) -> dict[str, Any]:
    on = doc.get("on")
    events: list[str] = []
    schedules: list[dict[str, Any]] = []
    if isinstance(on, str):
        events = [on]
    elif isinstance(on, list):
        events = [str(e) for e in on]
    elif isinstance(on, Mapping):
        events = [str(k) for k in on]
        sched = on.get("schedule")
        for i, s in enumerate(_as_list(sched)):
            if isinstance(s, Mapping) and s.get("cron") is not None:
                schedules.append({"cron": str(s["cron"]), "line": _line(s, "cron", _line(sched, i, None))})
    tags = isinstance(on, Mapping) and isinstance(on.get("push"), Mapping) and "tags" in on["push"]
    return {"events": events, "schedules": schedules, "line": _line(doc, "on", getattr(doc, "line", None)),
            "tag_push": bool(tags) or "release" in events}


def azure_triggers(doc: Mapping[str, Any]) -> dict[str, Any]:
    events: list[str] = []
    trig = doc.get("trigger", "<default>")
    if not (isinstance(trig, str) and trig.lower() == "none") and trig is not False:
        events.append("push")
    pr = doc.get("pr", "<default>")
    if not (isinstance(pr, str) and pr.lower() == "none") and pr is not False:
        events.append("pull_request")
    schedules = []
    sched = doc.get("schedules")
    for i, s in enumerate(_as_list(sched)):
        if isinstance(s, Mapping) and s.get("cron") is not None:
            schedules.append({"cron": str(s["cron"]), "line": _line(s, "cron", _line(sched, i, None))})
    if schedules:
        events.append("schedule")
    tag_push = isinstance(trig, Mapping) and "tags" in trig
    line = _line(doc, "trigger", None) or _line(doc, "schedules", None) or getattr(doc, "line", None)
    return {"events": events, "schedules": schedules, "line": line, "tag_push": tag_push}


def azure_variables(doc: Mapping[str, Any]) -> dict[str, str]:
    v = doc.get("variables")
    if isinstance(v, Mapping):
        return _str_map(v)
    out: dict[str, str] = {}
    for item in _as_list(v):
        if isinstance(item, Mapping) and item.get("name") is not None and _str(item.get("value")) is not None:
            out[str(item["name"])] = _str(item.get("value")) or ""
    return out


def normalise(doc: Mapping[str, Any], kind: str, file: SourceFile, options: LoadOptions) -> tuple[dict[str, Any], list[InputError]]:
    root = _repo_root(file)
    b = _Builder(file, root, options)
    if kind in (KIND_GITHUB, KIND_GITHUB_REUSABLE):
        system = "github"
        jobs = b.github(doc, file.path.parent, None, None)
        triggers = github_triggers(doc)
        variables = _str_map(doc.get("env"))
    else:
        system = "azure"
        jobs = b.azure(doc, file.path.parent)
        triggers = azure_triggers(doc)
        variables = azure_variables(doc)
    data = {
        "system": system, "name": _str(doc.get("name")), "document": doc, "triggers": triggers,
        "variables": variables, "jobs": jobs, "templates": b.templates,
    }
    return data, b.errors


def load(file: SourceFile, text: str, options: LoadOptions) -> LoadResult:
    out = LoadResult()
    try:
        docs = [d for d in (x.to_python() for x in compose_documents(text)) if d is not None]
    except (yaml.YAMLError, YamlRefused, RecursionError) as exc:
        out.errors.append(InputError(file.rel, describe_error(exc), TARGET))
        return out
    if not docs:
        out.errors.append(InputError(file.rel, "empty pipeline file", TARGET, kind="not_scanned"))
        return out
    doc = docs[0]
    kind = shape(doc)
    if kind is None:
        if isinstance(doc, Mapping) and _AZURE_NAME_RE.match(file.name) and not ("apiVersion" in doc and "kind" in doc):
            kind = KIND_AZURE  # an azure-pipelines.yml with an unusual body (e.g. only variables)
        else:
            what = "GitHub Actions workflow" if _WORKFLOW_RE.search(file.root_rel) else "pipeline"
            out.errors.append(InputError(file.rel, f"not a {what}: no jobs, stages or steps found", TARGET))
            return out
    if kind == KIND_AZURE_TEMPLATE and _AZURE_NAME_RE.match(file.name):
        kind = KIND_AZURE
    if kind == KIND_GITHUB and _only_workflow_call(doc):
        kind = KIND_GITHUB_REUSABLE
    data, errors = normalise(doc, kind, file, options)
    out.errors += errors
    title = data["name"]
    uid = f"{file.root_rel}#pipeline"
    out.resources.append(Resource(
        target=TARGET, kind=kind, name=file.root_rel, location=Location(file.rel, getattr(doc, "line", 1) or 1),
        uid=uid, extra={"system": data["system"], "title": title}, _data=data,
        suppressions=tuple(inline_suppressions(text, uid, file.rel)),
    ))
    return out


def inline_suppressions(text: str, uid: str, path: str) -> list[Suppression]:
    """`# auditor:ignore PIPE002 -- reason` applies to the YAML node on the next line (a step, a job, a
    command inside a script block) down to its last line; `# auditor:ignore-file ...` to the whole file."""
    if "auditor:ignore" not in text.lower():
        return []
    lines = text.split("\n")
    out: list[Suppression] = []
    for i, raw in enumerate(lines):
        m = _IGNORE_RE.search(raw)
        if not m:
            continue
        nxt = next((j for j in range(i + 1, len(lines)) if lines[j].strip() and not lines[j].strip().startswith("#")),
                   None)
        if nxt is None:
            continue
        indent = len(lines[nxt]) - len(lines[nxt].lstrip())
        end = nxt
        for j in range(nxt + 1, len(lines)):
            stripped = lines[j].strip()
            if not stripped or stripped.startswith("#"):
                continue
            if len(lines[j]) - len(lines[j].lstrip()) <= indent:
                break
            end = j
        out += parse_inline(m.group(1), nxt + 1, end + 1, uid, path)
    return out


def _only_workflow_call(doc: Mapping[str, Any]) -> bool:
    on = doc.get("on")
    events = list(on) if isinstance(on, (Mapping, list)) else [on]
    return bool(events) and all(str(e) == "workflow_call" for e in events)

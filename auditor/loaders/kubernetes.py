"""Kubernetes manifest loader: YAML/JSON, multi-document, `kind: List`, with exact lines.

Unrendered Helm templates are reported as not scanned (with a hint), never parsed into garbage.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from auditor.loaders import LoadOptions, LoadResult, SourceFile
from auditor.model import InputError, LineMap, Location, Resource
from auditor.suppressions import ANNOTATION_PREFIX, parse_annotations
from auditor.yamlsafe import YamlRefused, compose_documents, convert, describe_error

TARGET = "kubernetes"
_API_RE = re.compile(r'^\s*(?:"apiVersion"\s*:|apiVersion\s*:)', re.MULTILINE)
_KIND_RE = re.compile(r'(?:^|[\s{,])"?kind"?\s*:', re.MULTILINE)
_TEMPLATE_RE = re.compile(r"\{\{-?\s*[^}]*\}\}")
HELM_HINT = "unrendered Helm/Go template: render it first (helm template CHART | auditor scan -) and scan the output"


def by_name(file: SourceFile) -> bool:
    return False


def by_content(file: SourceFile, text: str) -> bool:
    return file.path.suffix.lower() in (".yaml", ".yml", ".json") and bool(_API_RE.search(text)) and bool(
        _KIND_RE.search(text)
    )


def _is_helm_template(file: SourceFile) -> bool:
    parent = file.path.parent
    if parent.name != "templates":
        return False
    chart = parent.parent
    return (chart / "Chart.yaml").is_file() or (chart / "Chart.yml").is_file()


def _node_scalar(node: Any) -> str | None:
    return str(node.value) if isinstance(node, ScalarNode) else None


def _annotations_of(node: MappingNode | None) -> dict[str, str]:
    """Only our own annotations (suppressions), read straight from the nodes without converting."""
    out: dict[str, str] = {}
    if not isinstance(node, MappingNode):
        return out
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.value == "metadata" and isinstance(v, MappingNode):
            for k2, v2 in v.value:
                if isinstance(k2, ScalarNode) and k2.value == "annotations" and isinstance(v2, MappingNode):
                    for ak, av in v2.value:
                        if isinstance(ak, ScalarNode) and str(ak.value).startswith(ANNOTATION_PREFIX):
                            out[str(ak.value)] = _node_scalar(av) or ""
    return out


def _meta(node: MappingNode) -> tuple[str | None, str | None, str | None, str | None]:
    api = kind = name = ns = None
    for k, v in node.value:
        if not isinstance(k, ScalarNode):
            continue
        if k.value == "apiVersion":
            api = _node_scalar(v)
        elif k.value == "kind":
            kind = _node_scalar(v)
        elif k.value == "metadata" and isinstance(v, MappingNode):
            for k2, v2 in v.value:
                if isinstance(k2, ScalarNode):
                    if k2.value == "name":
                        name = _node_scalar(v2)
                    elif k2.value == "generateName" and name is None:
                        name = (_node_scalar(v2) or "") + "*"
                    elif k2.value == "namespace":
                        ns = _node_scalar(v2)
    return api, kind, name, ns


LARGE_DOCUMENT = 128 * 1024  # characters; larger documents are re-read on demand instead of kept as nodes


def _reload(path: str, index: str) -> Any:
    """Re-read one document of a file (for large documents whose nodes were not kept in memory)."""
    with open(path, encoding="utf-8-sig") as fh:
        text = fh.read()
    doc_i, _, item_i = index.partition(".")
    for doc in compose_documents(text):
        if doc.index == int(doc_i):
            if not item_i:
                return doc.to_python()
            items = doc.top("items")
            if isinstance(items, SequenceNode):
                return convert(items.value[int(item_i)])
    raise ValueError(f"document {index} of {path} is gone")


def make_resource(node: MappingNode, file: SourceFile, index: str, line: int) -> Resource | None:
    api, kind, name, ns = _meta(node)
    if not api or not kind:
        return None
    display_name = name or "<unnamed>"
    ann = _annotations_of(node)
    uid = f"{file.root_rel}#{kind}/{ns or ''}/{display_name}"
    sups = tuple(parse_annotations(ann, uid, file.rel, line)) if ann else ()
    small = node.end_mark.index - node.start_mark.index <= LARGE_DOCUMENT
    return Resource(
        target=TARGET,
        kind=kind,
        name=display_name,
        namespace=ns,
        location=Location(file.rel, line),
        uid=uid,
        annotations=ann,
        extra={"apiVersion": api, "index": index},
        suppressions=sups,
        # small documents are converted now, so their node graph (3 objects a node) is freed at once;
        # large ones (CRDs, bundles) are re-read only if a rule ever asks for their body
        _data=convert(node) if small else None,
        build=None if small else (lambda p=str(file.path), i=index: _reload(p, i)),  # type: ignore[misc]
    )


def load(file: SourceFile, text: str, options: LoadOptions) -> LoadResult:
    out = LoadResult()
    if _is_helm_template(file) or ("{{" in text and _looks_unrendered(text)):
        out.errors.append(InputError(file.rel, HELM_HINT, TARGET, kind="not_scanned"))
        return out
    try:
        for doc in compose_documents(text):
            node = doc.node
            if node is None or (isinstance(node, ScalarNode) and node.value in ("", "~", "null", "Null", "NULL")):
                continue  # empty or comment-only document
            if not isinstance(node, MappingNode):
                out.errors.append(
                    InputError(file.rel, f"document {doc.index + 1} (line {doc.line}) is not a mapping", TARGET)
                )
                continue
            api, kind, _, _ = _meta(node)
            if kind and kind.endswith("List") and api == "v1":
                items = doc.top("items")
                if isinstance(items, SequenceNode):
                    for j, item in enumerate(items.value):
                        if isinstance(item, MappingNode):
                            r = _make_or_error(out, item, file, f"{doc.index}.{j}", item.start_mark.line + 1)
                            if r is not None:
                                out.resources.append(r)
                continue
            try:
                r = make_resource(node, file, str(doc.index), doc.line)
            except YamlRefused as exc:
                out.errors.append(InputError(file.rel, f"document {doc.index + 1} (line {doc.line}): "
                                             + describe_error(exc), TARGET))
                continue
            if r is None:
                out.errors.append(
                    InputError(
                        file.rel,
                        f"document {doc.index + 1} (line {doc.line}) has no apiVersion/kind: not a Kubernetes object",
                        TARGET,
                        kind="not_scanned",
                    )
                )
                continue
            out.resources.append(r)
    except (yaml.YAMLError, YamlRefused, RecursionError) as exc:
        msg = describe_error(exc)
        if _TEMPLATE_RE.search(text):
            msg += "; " + HELM_HINT
        out.errors.append(InputError(file.rel, msg, TARGET))
    return out


_BLOCK_START_RE = re.compile(r"[:\-]\s*[|>][-+0-9]*\s*(#.*)?$")
_ACTION_RE = re.compile(r"^(?:-\s*)?(?:[\w.\-\"'/]+\s*:\s*)?\{\{")


def _make_or_error(out: LoadResult, node: MappingNode, file: SourceFile, index: str, line: int) -> Resource | None:
    try:
        return make_resource(node, file, index, line)
    except YamlRefused as exc:
        out.errors.append(InputError(file.rel, f"item {index} (line {line}): " + describe_error(exc), TARGET))
        return None


def _looks_unrendered(text: str) -> bool:
    """Template actions in YAML structure (not inside block scalars or quoted strings)."""
    block_indent: int | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        indent = len(line) - len(line.lstrip())
        if block_indent is not None:
            if indent > block_indent:
                continue
            block_indent = None
        if _ACTION_RE.match(stripped):
            return True
        if _BLOCK_START_RE.search(line):
            block_indent = indent
    return False


def validate_data(data: Any) -> bool:
    return isinstance(data, LineMap)


def is_manifest_path(path: Path) -> bool:
    return path.suffix.lower() in (".yaml", ".yml", ".json")

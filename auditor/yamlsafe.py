"""YAML reading that keeps line numbers and refuses hostile input in bounded time and memory.

libyaml (through PyYAML's C binding) composes the node graph; this module turns nodes into
`LineMap`/`LineList` values that remember the line of every key and item. Conversion is lazy per
document, so huge documents no rule looks at (CRDs) cost only the C compose.

Guards: a byte limit per file, libyaml's own nesting limit, a nesting limit here, and an expansion
budget for aliases (computed without expanding, so a "billion laughs" is refused at once).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from auditor.model import LineList, LineMap

_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_RESOLVER = yaml.resolver.Resolver()
PLAIN = "auditor:plain"  # a plain scalar whose implicit type is resolved only when converted

MAX_DEPTH = 200
MAX_EXPANDED_NODES = 2_000_000

STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
BOOL = "tag:yaml.org,2002:bool"
NULL = "tag:yaml.org,2002:null"
MERGE = "tag:yaml.org,2002:merge"


class YamlRefused(ValueError):
    """The input is refused on purpose (hostile or beyond limits), not merely malformed."""


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml composer that defers implicit tag resolution (a Python call per scalar) to conversion."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is ScalarNode:
            return PLAIN if implicit[0] else STR
        return _RESOLVER.DEFAULT_SEQUENCE_TAG if kind is SequenceNode else _RESOLVER.DEFAULT_MAPPING_TAG


def _scalar(node: ScalarNode) -> Any:
    tag = node.tag
    value: str = node.value
    if tag == PLAIN:
        tag = _RESOLVER.resolve(ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    if tag == STR:
        return value
    if tag == NULL:
        return None
    if tag == BOOL:
        return value.lower() in ("yes", "true", "on", "y")
    if tag == INT:
        try:
            return int(value)
        except ValueError:
            try:
                return _CONSTRUCTOR.construct_yaml_int(node)
            except Exception:
                return value
    if tag == FLOAT:
        try:
            f = float(_CONSTRUCTOR.construct_yaml_float(node))
        except Exception:
            return value
        return f if math.isfinite(f) else value
    # timestamps, '=' values, binary, custom tags: keep the text
    return value


def _expanded_size(root: Node) -> int:
    """Number of nodes the document expands to, with aliases counted each time (memoised)."""
    memo: dict[int, int] = {}
    in_progress: set[int] = set()

    def size(node: Node, depth: int) -> int:
        key = id(node)
        if key in memo:
            return memo[key]
        if key in in_progress:
            raise YamlRefused("recursive YAML alias (a node contains itself)")
        if depth > MAX_DEPTH:
            raise YamlRefused(f"YAML nesting deeper than {MAX_DEPTH} levels")
        in_progress.add(key)
        total = 1
        if isinstance(node, SequenceNode):
            for child in node.value:
                total += size(child, depth + 1)
        elif isinstance(node, MappingNode):
            for k, v in node.value:
                total += size(k, depth + 1) + size(v, depth + 1)
        in_progress.discard(key)
        memo[key] = total
        if total > MAX_EXPANDED_NODES:
            raise YamlRefused(
                f"YAML aliases expand to more than {MAX_EXPANDED_NODES:,} nodes (alias bomb?)"
            )
        return total

    return size(root, 0)


def _key(node: Node) -> Any:
    if isinstance(node, ScalarNode):
        return node.value
    return yaml.serialize(node, Dumper=yaml.SafeDumper).strip()  # complex key: its text


def convert(node: Node, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise YamlRefused(f"YAML nesting deeper than {MAX_DEPTH} levels")
    if isinstance(node, ScalarNode):
        return _scalar(node)
    if isinstance(node, MappingNode):
        out = LineMap(node.start_mark.line + 1)
        merges: list[Node] = []
        for knode, vnode in node.value:
            if knode.tag in (MERGE, PLAIN) and knode.value == "<<" and isinstance(knode, ScalarNode):
                merges.append(vnode)
                continue
            k = _key(knode)
            out[k] = convert(vnode, depth + 1)
            out.key_lines[k] = knode.start_mark.line + 1
        for m in merges:
            sources = m.value if isinstance(m, SequenceNode) else [m]
            for src in sources:
                merged = convert(src, depth + 1)
                if isinstance(merged, LineMap):
                    for k, v in merged.items():
                        if k not in out:
                            out[k] = v
                            out.key_lines[k] = merged.key_lines.get(k, out.line or 1)
        return out
    if isinstance(node, SequenceNode):
        seq = LineList(node.start_mark.line + 1)
        for item in node.value:
            seq.append(convert(item, depth + 1))
            seq.item_lines.append(item.start_mark.line + 1)
        return seq
    return None


@dataclass(slots=True)
class YamlDoc:
    """One document of a YAML stream: its root node and where it starts."""

    node: Node | None
    index: int
    line: int

    def top(self, key: str) -> Node | None:
        if isinstance(self.node, MappingNode):
            for knode, vnode in self.node.value:
                if isinstance(knode, ScalarNode) and knode.value == key:
                    found: Node = vnode
                    return found
        return None

    def top_scalar(self, key: str) -> str | None:
        n = self.top(key)
        return n.value if isinstance(n, ScalarNode) and isinstance(n.value, str) else None

    def sub_scalar(self, key: str, sub: str) -> str | None:
        n = self.top(key)
        if isinstance(n, MappingNode):
            for knode, vnode in n.value:
                if isinstance(knode, ScalarNode) and knode.value == sub and isinstance(vnode, ScalarNode):
                    return str(vnode.value)
        return None

    def to_python(self) -> Any:
        return None if self.node is None else convert(self.node)


def _alias_positions(text: str) -> list[int]:
    """Offsets of every `*` that could start an alias: after start of line, white space following a
    mapping/sequence/flow indicator, or a flow indicator; followed by an anchor character. A superset of
    YAML's alias syntax, found with str.find (C speed) instead of a regex tried at every offset."""
    out: list[int] = []
    i = text.find("*")
    while i != -1:
        nxt = text[i + 1 : i + 2]
        if nxt and nxt not in " \t\r\n[]{},":
            j = i - 1
            while j >= 0 and text[j] in " \t":
                j -= 1
            before = text[j] if j >= 0 else "\n"
            if before in "\n\r[{," or (before in ":-?" and j < i - 1):
                out.append(i)
        i = text.find("*", i + 1)
    return out


def compose_documents(text: str, check_aliases: bool | None = None) -> Iterator[YamlDoc]:
    """Compose every document of `text` (C speed), refusing alias bombs before any expansion."""
    alias_lines: list[int] = []  # 0-based lines that may hold an alias: only their documents are checked
    if check_aliases is None or check_aliases:
        positions = _alias_positions(text)
        if positions:
            line, last = 0, 0
            for p in positions:  # positions ascend: count newlines between them (C speed)
                line += text.count("\n", last, p)
                last = p
                if not alias_lines or alias_lines[-1] != line:
                    alias_lines.append(line)
        elif check_aliases:
            alias_lines = [-1]
    loader = _Loader(text)
    try:
        index = 0
        while loader.check_node():
            node = loader.get_node()
            if node is not None and alias_lines:
                first = bisect.bisect_left(alias_lines, node.start_mark.line)
                if check_aliases or (first < len(alias_lines) and alias_lines[first] <= node.end_mark.line):
                    _expanded_size(node)
            line = node.start_mark.line + 1 if node is not None else 1
            yield YamlDoc(node, index, line)
            index += 1
    except RecursionError as exc:
        raise YamlRefused("YAML nesting too deep") from exc
    finally:
        loader.dispose()


def load_all(text: str) -> list[Any]:
    """Every document converted to LineMap/LineList/scalars (for small files: configs, pipelines)."""
    return [d.to_python() for d in compose_documents(text)]


def load_one(text: str) -> Any:
    docs = load_all(text)
    return docs[0] if docs else None


def describe_error(exc: BaseException) -> str:
    """A one-line, position-bearing message for a YAML error (what and where, and what it was in)."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        what = exc.problem or exc.context or "invalid YAML"
        ctx = ""
        if exc.context and exc.context_mark is not None and exc.problem:
            ctx = f", {exc.context} started at line {exc.context_mark.line + 1}"
        return f"invalid YAML: {what}{where}{ctx}"
    if isinstance(exc, YamlRefused):
        return f"refused: {exc}"
    if isinstance(exc, RecursionError):
        return "refused: YAML nesting too deep"
    return f"invalid YAML: {exc}"

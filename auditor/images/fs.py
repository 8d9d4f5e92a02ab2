"""The merged filesystem of an image: layers applied in order, as a container would see them.

Whiteouts (`.wh.NAME`) and opaque markers (`.wh..wh..opq`) hide entries of *lower* layers only
(OCI image spec, "Representing Changes"); an entry replaced or hidden by a later layer still takes
space in the image, counted as shadowed bytes. Symlinks are resolved inside the image root: an
absolute target starts at the image root and `..` never climbs above it.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass

from auditor.images.layers import Entry


@dataclass(frozen=True, slots=True)
class Node:
    entry: Entry
    layer: int


class MergedFS:
    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self.children: dict[str, set[str]] = {"": set()}
        self.shadowed: dict[int, int] = {}  # layer index -> its bytes hidden or replaced later

    # ---- building -------------------------------------------------------------------------
    def _shadow(self, node: Node) -> None:
        if node.entry.kind == "file" and node.entry.size:
            self.shadowed[node.layer] = self.shadowed.get(node.layer, 0) + node.entry.size

    def _remove(self, path: str) -> None:
        node = self.nodes.pop(path, None)
        if node is not None:
            self._shadow(node)
        for child in list(self.children.pop(path, ())):
            self._remove(f"{path}/{child}" if path else child)
        parent, _, base = path.rpartition("/")
        kids = self.children.get(parent)
        if kids is not None:
            kids.discard(base)

    def _clear_children(self, path: str) -> None:
        for child in list(self.children.get(path, ())):
            self._remove(f"{path}/{child}" if path else child)

    def _link_parents(self, path: str) -> None:
        while path:
            parent, _, base = path.rpartition("/")
            kids = self.children.setdefault(parent, set())
            if base in kids:
                return
            kids.add(base)
            path = parent

    def apply(self, layer: int, entries: list[Entry]) -> None:
        """Apply one layer: its whiteouts first (they only hide lower layers), then its entries."""
        for e in entries:
            if e.kind == "whiteout":
                self._remove(e.path)
            elif e.kind == "opaque":
                self._clear_children(e.path)
        for e in entries:
            if e.kind in ("whiteout", "opaque"):
                continue
            old = self.nodes.get(e.path)
            if old is not None:
                if old.entry.kind == "dir" and e.kind == "dir":
                    self.nodes[e.path] = Node(e, layer)
                    continue
                if old.entry.kind == "dir":
                    self._remove(e.path)
                else:
                    self._shadow(old)
            self.nodes[e.path] = Node(e, layer)
            self._link_parents(e.path)

    # ---- reading --------------------------------------------------------------------------
    def resolve(self, path: str, follow_last: bool = True) -> str | None:
        """The real path of `path` with every symlink followed inside the image; None for a loop."""
        parts = [p for p in path.split("/") if p]
        parts.reverse()
        cur: list[str] = []
        hops = 0
        while parts:
            p = parts.pop()
            if p == ".":
                continue
            if p == "..":
                if cur:
                    cur.pop()
                continue
            cand = "/".join([*cur, p])
            node = self.nodes.get(cand)
            if node is not None and node.entry.kind == "symlink" and (parts or follow_last):
                hops += 1
                if hops > 40:
                    return None
                target = node.entry.link
                if target.startswith("/"):
                    cur = []
                parts.extend(reversed([t for t in target.split("/") if t]))
                continue
            cur.append(p)
        return "/".join(cur)

    def lookup(self, path: str) -> Node | None:
        real = self.resolve(path)
        if real is None:
            return None
        node = self.nodes.get(real)
        if node is not None and node.entry.kind == "hardlink":
            target = self.nodes.get(node.entry.link)
            return Node(target.entry, target.layer) if target is not None else node
        return node

    def exists_file(self, path: str) -> bool:
        node = self.lookup(path)
        return node is not None and node.entry.kind in ("file", "hardlink")

    def listdir(self, path: str) -> list[str]:
        real = self.resolve(path)
        if real is None:
            return []
        return sorted(self.children.get(real, ()))

    def walk_files(self, prefix: str = "") -> Iterator[tuple[str, Node]]:
        """Every regular file (hardlinks included) at or under `prefix`, without following symlinks."""
        stack = [prefix]
        while stack:
            d = stack.pop()
            node = self.nodes.get(d) if d else None
            if node is not None and node.entry.kind in ("file", "hardlink"):
                yield d, node
            for child in self.children.get(d, ()):
                stack.append(f"{d}/{child}" if d else child)

    def dirname_exists(self, path: str) -> bool:
        real = self.resolve(path)
        return real is not None and (real in self.children or self.nodes.get(real) is not None)


def parent_of(path: str) -> str:
    return posixpath.dirname(path)

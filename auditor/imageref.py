"""Container image references: registry, repository, tag and digest, parsed like the Docker CLI."""

from __future__ import annotations

import re
from dataclasses import dataclass

_DIGEST_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:[+._-][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$")
DEFAULT_REGISTRY = "docker.io"


@dataclass(frozen=True, slots=True)
class ImageRef:
    raw: str
    registry: str  # docker.io when none is written
    repository: str  # library/python for python
    tag: str | None
    digest: str | None
    explicit_registry: bool

    @property
    def name(self) -> str:
        """Short name as users write it: python, bitnami/redis, myacr.azurecr.io/ml/scorer."""
        if not self.explicit_registry and self.repository.startswith("library/"):
            return self.repository[len("library/") :]
        return self.repository if not self.explicit_registry else f"{self.registry}/{self.repository}"

    @property
    def last_component(self) -> str:
        return self.repository.rsplit("/", 1)[-1]

    @property
    def pinned(self) -> bool:
        """Pinned to something other than the moving `latest`: a digest, or an explicit non-latest tag."""
        return self.digest is not None or (self.tag is not None and self.tag.lower() != "latest")

    @property
    def identity(self) -> str:
        """Registry and repository without tag or digest (stable across rebuilds)."""
        return f"{self.registry}/{self.repository}"


def parse_image(ref: str) -> ImageRef:
    raw = ref.strip()
    rest = raw
    digest = None
    if "@" in rest:
        rest, _, d = rest.partition("@")
        digest = d if _DIGEST_RE.match(d) else d or None
    # a tag is after the last ':' that comes after the last '/': host:5000/app has no tag
    tag = None
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > slash:
        rest, tag = rest[:colon], rest[colon + 1 :] or None
    first, sep, remainder = rest.partition("/")
    explicit = bool(sep) and ("." in first or ":" in first or first == "localhost" or first != first.lower())
    if explicit:
        registry, repository = first, remainder
    else:
        registry, repository = DEFAULT_REGISTRY, rest
    if registry in ("index.docker.io", "registry-1.docker.io"):
        registry = DEFAULT_REGISTRY
    if registry == DEFAULT_REGISTRY and "/" not in repository:
        repository = f"library/{repository}"
    return ImageRef(raw, registry, repository.lower() if repository else repository, tag, digest, explicit)

"""Reading built container images without a container engine.

    sources.py   where the manifest, config and layer blobs come from (OCI layout, OCI archive,
                 docker-archive, stdin) and how an index is narrowed to one platform
    registry.py  the OCI distribution API client (tokens, basic auth, docker config credentials)
    layers.py    streaming one layer: decompress, verify both digests, list entries, keep small files
    fs.py        the merged filesystem: whiteouts, opaque dirs, symlinks resolved inside the image
    facts.py     the JSON-serialisable facts rules judge (user, OS, packages, caches, sizes, secrets)

Everything here is bounded (`Limits`) and writes nothing but temp files; a hostile or broken image
raises `ImageError`, which the collector turns into an input error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

GiB = 1024**3
MiB = 1024**2


class ImageError(Exception):
    """The image cannot be read: malformed, lying about a digest, over a limit, unreachable."""


@dataclass(frozen=True)
class Limits:
    max_manifest_bytes: int = 4 * MiB  # index.json, manifest.json, manifests
    max_config_bytes: int = 8 * MiB
    max_layer_bytes: int = 8 * GiB  # decompressed bytes of one layer (decompression bombs stop here)
    max_total_bytes: int = 32 * GiB  # decompressed bytes of the whole image
    max_blob_bytes: int = 8 * GiB  # stored (compressed) bytes of one blob
    max_entries: int = 1_000_000  # tar entries over all layers
    max_layers: int = 256
    max_small_file: int = 16 * MiB  # passwd, os-release, package databases
    max_small_total: int = 64 * MiB  # all such files kept, over all layers
    max_secret_candidate: int = 256 * 1024  # candidate secret files are read up to this size
    max_stdin_bytes: int = 16 * GiB

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Limits:
        """Limits overridden by `limits` in the collector options (tests use small ones)."""
        given = options.get("limits") or {}
        if isinstance(given, Limits):
            return given
        return cls(**{k: int(v) for k, v in dict(given).items()})

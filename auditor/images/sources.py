"""Where an image's manifest, config and layers come from, narrowed to concrete images.

Transports (skopeo's names):
    oci:DIR[:TAG]                  an OCI image-layout directory
    oci-archive:FILE[:TAG]         a tar of an OCI image layout
    docker-archive:FILE[:REF|@N]   `docker save` output: the legacy layout (manifest.json + <id>/layer.tar)
                                   and the Docker >= 25 one (manifest.json naming OCI blobs/sha256/...)
    docker-archive:-               the same, from stdin (spooled to a temp file)
    docker://REGISTRY/REPO[:TAG|@DIGEST]   see registry.py

Every source yields `Resolved` images: the config bytes (digest verified), the layer descriptors
and an opener for each layer's stored bytes. An index is narrowed to one platform.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import platform as _platform
import re
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from auditor.images import ImageError, Limits
from auditor.images.layers import normalise

INDEX_TYPES = {
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
}
MANIFEST_TYPES = {
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
}
_DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")
_BLOB_PATH_RE = re.compile(r"^blobs/sha256/([0-9a-f]{64})$")
_LEGACY_CONFIG_RE = re.compile(r"^([0-9a-f]{64})\.json$")


@dataclass(frozen=True)
class Blob:
    media_type: str
    digest: str | None  # sha256:... when the source names it
    size: int | None
    path: str | None = None  # inside a docker-archive (legacy layers have no digest name)


@dataclass
class Resolved:
    """One concrete image (a single platform)."""

    config: dict[str, Any]
    config_digest: str
    layers: list[Blob]
    open_layer: Callable[[Blob], IO[bytes]]
    manifest_digest: str | None = None
    name: str | None = None  # reference it is known by (docker.io/library/app:1.4), if any
    media_type: str = ""
    platform: str | None = None
    cleanup: list[Callable[[], None]] = field(default_factory=list)


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def verify(data: bytes, digest: str | None, what: str) -> str:
    actual = sha256_digest(data)
    if digest is not None:
        if not _DIGEST_RE.match(digest):
            raise ImageError(f"{what}: unsupported or malformed digest {digest[:80]!r}")
        if actual != digest:
            raise ImageError(f"{what}: content does not match its digest {digest} (got {actual})")
    return actual


def parse_json(data: bytes, what: str) -> Any:
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ImageError(f"{what} is not valid JSON: {exc}") from None


def host_platform() -> str:
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(
        _platform.machine().lower(), _platform.machine().lower())
    return f"linux/{arch}"


def platform_of(desc: Mapping[str, Any]) -> str:
    p = desc.get("platform") or {}
    if not isinstance(p, Mapping):
        return "unknown"
    s = f"{p.get('os', 'unknown')}/{p.get('architecture', 'unknown')}"
    return s + (f"/{p['variant']}" if p.get("variant") else "")


def choose_platform(manifests: list[Mapping[str, Any]], wanted: str | None) -> Mapping[str, Any]:
    """The index entry for `wanted` (os/arch[/variant]); the host's platform when not given."""
    real = [m for m in manifests if platform_of(m) != "unknown/unknown"]  # attestation manifests
    if not real:
        raise ImageError("the index lists no image manifests")
    if len(real) == 1 and wanted is None:
        return real[0]
    target = wanted or host_platform()
    exact = [m for m in real if platform_of(m) == target]
    if not exact and target.count("/") == 1:
        exact = [m for m in real if platform_of(m).startswith(target + "/")]
    if not exact:
        have = ", ".join(sorted({platform_of(m) for m in real}))
        raise ImageError(f"no image for platform {target} in the index (it has: {have}); pick one with --platform")
    return exact[0]


def descriptor(obj: Any, what: str) -> Blob:
    if not isinstance(obj, Mapping) or not isinstance(obj.get("digest"), str):
        raise ImageError(f"{what}: malformed descriptor")
    digest = obj["digest"]
    if not _DIGEST_RE.match(digest):
        raise ImageError(f"{what}: unsupported or malformed digest {digest[:80]!r}")
    size = obj.get("size")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
        raise ImageError(f"{what}: malformed size {size!r}")
    return Blob(str(obj.get("mediaType") or ""), digest, size)


def manifest_kind(doc: Any, media_type: str | None = None) -> str:
    if not isinstance(doc, Mapping):
        raise ImageError("manifest is not a JSON object")
    mt = media_type or doc.get("mediaType") or ""
    if mt in INDEX_TYPES or (not mt and isinstance(doc.get("manifests"), list)):
        return "index"
    if mt in MANIFEST_TYPES or (not mt and isinstance(doc.get("layers"), list) and "config" in doc):
        return "manifest"
    if doc.get("schemaVersion") == 1 or "prettyjws" in str(mt):
        raise ImageError("Docker schema 1 manifests are not supported (deprecated since 2017)")
    raise ImageError(f"unsupported manifest media type {str(mt)[:80]!r}")


def layers_of(manifest: Mapping[str, Any]) -> list[Blob]:
    layers = manifest.get("layers")
    if not isinstance(layers, list):
        raise ImageError("manifest has no layer list")
    return [descriptor(d, f"layer {i}") for i, d in enumerate(layers)]


def check_config(raw: bytes) -> dict[str, Any]:
    doc = parse_json(raw, "image config")
    if not isinstance(doc, dict):
        raise ImageError("image config is not a JSON object")
    rootfs = doc.get("rootfs")
    if not isinstance(rootfs, Mapping) or not isinstance(rootfs.get("diff_ids"), list):
        raise ImageError("image config has no rootfs.diff_ids")
    return doc


# ---- stores: a directory or a tar holding a layout ------------------------------------------
class Store:
    label: str

    def has(self, name: str) -> bool:
        raise NotImplementedError

    def open(self, name: str) -> IO[bytes]:
        raise NotImplementedError

    def read(self, name: str, cap: int) -> bytes:
        if not self.has(name):
            raise ImageError(f"{self.label}: {name} is missing")
        with self.open(name) as f:
            data = f.read(cap + 1)
        if len(data) > cap:
            raise ImageError(f"{self.label}: {name} is larger than {cap:,} bytes")
        return data

    def close(self) -> None:
        pass


class DirStore(Store):
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.label = str(root)

    def _path(self, name: str) -> Path | None:
        rel = normalise(name)
        if rel is None:
            return None
        p = (self.root / rel).resolve()
        if p != self.root and self.root not in p.parents:
            return None  # a symlink pointing out of the layout
        return p

    def has(self, name: str) -> bool:
        p = self._path(name)
        return p is not None and p.is_file()

    def open(self, name: str) -> IO[bytes]:
        p = self._path(name)
        if p is None or not p.is_file():
            raise ImageError(f"{self.label}: {name} is missing")
        return p.open("rb")


class TarStore(Store):
    def __init__(self, path: Path, label: str) -> None:
        self.label = label
        try:
            self.tf = tarfile.open(path, mode="r:")  # noqa: SIM115 - closed by close()
            self.members: dict[str, tarfile.TarInfo] = {}
            for m in self.tf:
                n = normalise(m.name)
                if n and (m.isreg() or m.islnk() or m.issym()):
                    self.members[n] = m
                self.tf.members = []  # type: ignore[attr-defined]
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise ImageError(f"{label}: not a readable tar archive: {exc}") from None

    def has(self, name: str) -> bool:
        n = normalise(name)
        return n is not None and n in self.members

    def open(self, name: str) -> IO[bytes]:
        n = normalise(name)
        m = self.members.get(n or "")
        if m is None:
            raise ImageError(f"{self.label}: {name} is missing")
        if m.issym() or m.islnk():
            target = normalise(m.linkname if m.islnk() else os.path.join(os.path.dirname(n or ""), m.linkname))
            m = self.members.get(target or "")
            if m is None or not m.isreg():
                raise ImageError(f"{self.label}: {name} is a link to nothing usable")
        f = self.tf.extractfile(m)
        if f is None:
            raise ImageError(f"{self.label}: {name} is not a file")
        return f

    def close(self) -> None:
        self.tf.close()


def _open_blob(store: Store, blob: Blob) -> IO[bytes]:
    if blob.path is not None:
        return store.open(blob.path)
    assert blob.digest is not None
    alg, _, hexd = blob.digest.partition(":")
    return store.open(f"blobs/{alg}/{hexd}")


# ---- OCI layout (directory or archive) ---------------------------------------------------
def resolve_layout(store: Store, tag: str | None, platform: str | None, limits: Limits) -> list[Resolved]:
    if store.has("oci-layout"):
        marker = parse_json(store.read("oci-layout", 4096), f"{store.label}: oci-layout")
        if not isinstance(marker, Mapping) or "imageLayoutVersion" not in marker:
            raise ImageError(f"{store.label}: oci-layout has no imageLayoutVersion")
    index = parse_json(store.read("index.json", limits.max_manifest_bytes), f"{store.label}: index.json")
    if not isinstance(index, Mapping) or not isinstance(index.get("manifests"), list):
        raise ImageError(f"{store.label}: index.json has no manifests list")
    entries = [m for m in index["manifests"] if isinstance(m, Mapping)]
    if tag is not None:
        entries = [m for m in entries if _ref_matches(m, tag)]
        if not entries:
            raise ImageError(f"{store.label}: no image tagged {tag!r}")
    if not entries:
        raise ImageError(f"{store.label}: the layout holds no images")
    out = []
    seen: set[str] = set()
    for entry in entries:
        desc = descriptor(entry, "index.json entry")
        if desc.digest in seen:
            continue
        seen.add(desc.digest or "")
        name = _ref_name(entry)
        out.append(_resolve_descriptor(store, desc, platform, limits, name, depth=0))
    return out


def _annotations(entry: Mapping[str, Any]) -> Mapping[str, Any]:
    a = entry.get("annotations")
    return a if isinstance(a, Mapping) else {}


def _ref_matches(entry: Mapping[str, Any], tag: str) -> bool:
    a = _annotations(entry)
    for key in ("org.opencontainers.image.ref.name", "io.containerd.image.name"):
        v = a.get(key)
        if isinstance(v, str) and (v == tag or v.endswith(":" + tag) or v.endswith("/" + tag)):
            return True
    return False


def _ref_name(entry: Mapping[str, Any]) -> str | None:
    a = _annotations(entry)
    full = a.get("io.containerd.image.name")
    if isinstance(full, str) and full:
        return full
    ref = a.get("org.opencontainers.image.ref.name")
    if isinstance(ref, str) and ("/" in ref or ":" in ref):
        return ref
    return None


def _resolve_descriptor(store: Store, desc: Blob, platform: str | None, limits: Limits, name: str | None,
                        depth: int) -> Resolved:
    if depth > 3:
        raise ImageError(f"{store.label}: indexes nested too deeply")
    raw = _read_blob(store, desc, limits.max_manifest_bytes, "manifest")
    doc = parse_json(raw, f"manifest {desc.digest}")
    kind = manifest_kind(doc, desc.media_type or None)
    if kind == "index":
        chosen = choose_platform([m for m in doc["manifests"] if isinstance(m, Mapping)], platform)
        sub = descriptor(chosen, "index entry")
        r = _resolve_descriptor(store, sub, platform, limits, name, depth + 1)
        r.platform = platform_of(chosen)
        return r
    cfg_desc = descriptor(doc.get("config"), "config")
    cfg_raw = _read_blob(store, cfg_desc, limits.max_config_bytes, "config")
    config = check_config(cfg_raw)
    return Resolved(config=config, config_digest=cfg_desc.digest or "", layers=layers_of(doc),
                    open_layer=lambda b: _open_blob(store, b), manifest_digest=desc.digest, name=name,
                    media_type=str(doc.get("mediaType") or desc.media_type), platform=_config_platform(config))


def _config_platform(config: Mapping[str, Any]) -> str | None:
    if not config.get("os"):
        return None
    s = f"{config.get('os')}/{config.get('architecture', 'unknown')}"
    return s + (f"/{config['variant']}" if config.get("variant") else "")


def _read_blob(store: Store, desc: Blob, cap: int, what: str) -> bytes:
    if desc.size is not None and desc.size > cap:
        raise ImageError(f"{what} {desc.digest} claims {desc.size:,} bytes, over the {cap:,}-byte limit")
    with _open_blob(store, desc) as f:
        data = f.read(cap + 1)
    if len(data) > cap:
        raise ImageError(f"{what} {desc.digest} is larger than {cap:,} bytes")
    verify(data, desc.digest, f"{what} {desc.digest}")
    if desc.size is not None and len(data) != desc.size:
        raise ImageError(f"{what} {desc.digest} is {len(data):,} bytes, its descriptor says {desc.size:,}")
    return data


# ---- docker-archive ------------------------------------------------------------------------
def resolve_docker_archive(store: Store, selector: str | None, limits: Limits) -> list[Resolved]:
    doc = parse_json(store.read("manifest.json", limits.max_manifest_bytes), f"{store.label}: manifest.json")
    if not isinstance(doc, list) or not all(isinstance(e, Mapping) for e in doc) or not doc:
        raise ImageError(f"{store.label}: manifest.json is not a non-empty list of images")
    picked: list[tuple[Mapping[str, Any], str | None]] = []
    for i, e in enumerate(doc):
        tags = [t for t in e.get("RepoTags") or [] if isinstance(t, str)]
        if selector is None or selector == f"@{i}" or selector in tags or any(
                t.endswith("/" + selector) for t in tags):
            name = selector if selector and selector in tags else (tags[0] if tags else None)
            picked.append((e, name))
    if not picked:
        raise ImageError(f"{store.label}: no image {selector!r} in the archive")
    out = []
    for e, name in picked:
        cfg_path = e.get("Config")
        layer_paths = e.get("Layers")
        if not isinstance(cfg_path, str) or not isinstance(layer_paths, list) or \
                not all(isinstance(p, str) for p in layer_paths):
            raise ImageError(f"{store.label}: manifest.json entry lacks Config or Layers")
        cfg_raw = store.read(cfg_path, limits.max_config_bytes)
        expected = _digest_from_path(cfg_path)
        cfg_digest = verify(cfg_raw, expected, f"config {cfg_path}")
        config = check_config(cfg_raw)
        sources: Mapping[str, Any] = e["LayerSources"] if isinstance(e.get("LayerSources"), Mapping) else {}
        layers = []
        for p in layer_paths:
            d = _digest_from_path(p)
            size = None
            if d and isinstance(sources.get(d), Mapping) and isinstance(sources[d].get("size"), int):
                size = sources[d]["size"]
            layers.append(Blob("application/vnd.docker.image.rootfs.diff.tar", d, size, path=p))
        out.append(Resolved(config=config, config_digest=cfg_digest, layers=layers,
                            open_layer=lambda b: _open_blob(store, b), name=name,
                            media_type="docker-archive", platform=_config_platform(config)))
    return out


def _digest_from_path(p: str) -> str | None:
    n = normalise(p) or ""
    m = _BLOB_PATH_RE.match(n) or _LEGACY_CONFIG_RE.match(n)
    return f"sha256:{m.group(1)}" if m else None


# ---- entry points ------------------------------------------------------------------------
def split_path_ref(ref: str) -> tuple[str, str | None]:
    """`PATH[:SUFFIX]` where PATH exists: the longest existing prefix wins (paths may hold colons)."""
    if ref == "-" or Path(ref).exists():
        return ref, None
    for i in [i for i, c in enumerate(ref) if c == ":"]:
        if Path(ref[:i]).exists():
            return ref[:i], ref[i + 1:] or None
    raise ImageError(f"no such file or directory: {ref}")


def spool(stream: IO[bytes], limits: Limits, what: str) -> tuple[Path, Callable[[], None]]:
    """Copy a stream (stdin, or a gzip-compressed archive decompressed) into a private temp dir."""
    tmp = tempfile.mkdtemp(prefix="auditor-image-")
    path = Path(tmp) / "archive.tar"
    total = 0
    try:
        with path.open("wb") as out:
            while True:
                chunk = stream.read(1024 * 1024)
                if not chunk:
                    break
                total += len(chunk)
                if total > limits.max_stdin_bytes:
                    raise ImageError(f"{what} holds more than {limits.max_stdin_bytes:,} bytes")
                out.write(chunk)
    except (OSError, EOFError, zlib.error) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ImageError(f"{what} cannot be read: {exc}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path, lambda: shutil.rmtree(tmp, ignore_errors=True)


def _gunzip_archive(path: Path, limits: Limits, label: str) -> tuple[Path, Callable[[], None]] | None:
    """`docker save | gzip` output: decompressed once into a temp file (tar members need random access)."""
    with path.open("rb") as f:
        if f.read(2) != b"\x1f\x8b":
            return None
    with gzip.open(path, "rb") as gz:
        return spool(gz, limits, label)  # type: ignore[arg-type]


def open_local(scheme: str, ref: str, options: Mapping[str, Any], limits: Limits) -> tuple[list[Resolved], str]:
    """Resolve a local transport to its images and the display path of the input."""
    platform = options.get("platform")
    cleanups: list[Callable[[], None]] = []
    path_s, selector = split_path_ref(ref)
    display = path_s
    if path_s == "-":
        if scheme != "docker-archive":
            raise ImageError(f"{scheme}:- is not supported; stdin carries `docker save` output (docker-archive:-)")
        stream = options.get("stdin")
        if stream is None:
            import sys  # noqa: PLC0415

            stream = sys.stdin.buffer
        path, done = spool(stream, limits, "stdin")
        cleanups.append(done)
    else:
        path = Path(path_s)
    store: Store
    try:
        if scheme == "oci" and path.is_dir():
            store = DirStore(path)
        elif path.is_dir():
            raise ImageError(f"{path_s} is a directory; use oci:{path_s} for an OCI layout")
        else:
            unzipped = _gunzip_archive(path, limits, display) if path.is_file() else None
            if unzipped is not None:
                path = unzipped[0]
                cleanups.append(unzipped[1])
            store = TarStore(path, display)
            cleanups.insert(0, store.close)
        if scheme == "docker-archive":
            if not store.has("manifest.json") and store.has("index.json"):
                images = resolve_layout(store, selector, platform, limits)  # an OCI archive given as docker
            else:
                images = resolve_docker_archive(store, selector, limits)
        elif scheme in ("oci", "oci-archive"):
            images = resolve_layout(store, selector, platform, limits)
        else:
            raise ImageError(f"unknown image transport {scheme}")
    except BaseException:
        for c in cleanups:
            c()
        raise
    if images:
        images[-1].cleanup.extend(cleanups)
    return images, display

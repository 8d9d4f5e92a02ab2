"""A small OCI image writer for tests: deterministic tars (mtime 0, sorted as given), gzip with mtime 0,
so the same spec always gives the same digests. No Docker needed.

    img = build(spec)                       # spec: a dict (see fixtures/rules/IMG*/*.json)
    write_oci_layout(img, dir, tag)         # oci:DIR:TAG
    write_oci_archive(img, file, tag)       # oci-archive:FILE
    write_docker_archive(img, file, legacy) # docker-archive:FILE (legacy or Docker >= 25 layout)
    push(img, "http://127.0.0.1:5000", "ml/app", "1.0", auth=None)

Spec:
    {"name": "registry.example/ml/app:1.0", "created": "2026-11-01T00:00:00Z", "base": "debian-slim",
     "os_version": "12", "config": {"User": "app", "Env": [...], "Labels": {...}, "Healthcheck": {...}},
     "layers": [{"created_by": "RUN ...", "compression": "gzip|zstd|none", "files": [
         {"path": "etc/x", "text": "..."} | {"path": "p", "size": 1000} | {"path": "p", "sparse_size": N} |
         {"path": "bin", "symlink": "usr/bin"} | {"path": "a", "hardlink": "b"} | {"path": "d", "dir": true} |
         {"whiteout": "path"} | {"opaque": "dir"}   (+ "mode": "4755", "uid": 0)]}]}
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import random
import tarfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER_TYPES = {"gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
               "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
               "none": "application/vnd.oci.image.layer.v1.tar"}


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def content_for(path: str, size: int) -> bytes:
    """Deterministic, moderately compressible bytes (like binaries: some structure, some noise)."""
    rnd = random.Random(path)
    block = rnd.randbytes(2048) + bytes(2048)
    return (block * (size // len(block) + 1))[:size]


class LayerBuilder:
    def __init__(self) -> None:
        self.buf = io.BytesIO()
        self.tar = tarfile.open(fileobj=self.buf, mode="w", format=tarfile.GNU_FORMAT)  # noqa: SIM115

    def _info(self, path: str, kind: bytes, mode: int, uid: int = 0, gid: int = 0) -> tarfile.TarInfo:
        ti = tarfile.TarInfo(path)
        ti.type = kind
        ti.mode = mode
        ti.mtime = 0
        ti.uid, ti.gid = uid, gid
        ti.uname = ti.gname = ""
        return ti

    def file(self, path: str, data: bytes, mode: int = 0o644, uid: int = 0, gid: int = 0) -> None:
        ti = self._info(path, tarfile.REGTYPE, mode, uid, gid)
        ti.size = len(data)
        self.tar.addfile(ti, io.BytesIO(data))

    def stream_file(self, path: str, size: int, fileobj: Any, mode: int = 0o644) -> None:
        ti = self._info(path, tarfile.REGTYPE, mode)
        ti.size = size
        self.tar.addfile(ti, fileobj)

    def dir(self, path: str, mode: int = 0o755) -> None:
        self.tar.addfile(self._info(path, tarfile.DIRTYPE, mode))

    def symlink(self, path: str, target: str) -> None:
        ti = self._info(path, tarfile.SYMTYPE, 0o777)
        ti.linkname = target
        self.tar.addfile(ti)

    def hardlink(self, path: str, target: str, mode: int = 0o644) -> None:
        ti = self._info(path, tarfile.LNKTYPE, mode)
        ti.linkname = target
        self.tar.addfile(ti)

    def sparse(self, path: str, size: int, mode: int = 0o644) -> None:
        """A GNU sparse file of `size` bytes holding no data blocks (one hole): honest size, tiny tar."""
        ti = self._info(path, tarfile.REGTYPE, mode)
        ti.size = 0
        hdr = bytearray(ti.tobuf(format=tarfile.GNU_FORMAT))
        hdr[156:157] = b"S"
        hdr[386:398] = b"%011o\0" % size  # sparse map entry 0: offset = size, numbytes 0
        hdr[398:410] = b"%011o\0" % 0
        hdr[482] = 0  # not extended
        hdr[483:495] = b"%011o\0" % size  # real size
        hdr[148:156] = b" " * 8
        chk = sum(hdr[:512])
        hdr[148:156] = b"%06o\0 " % chk
        self.tar.fileobj.write(bytes(hdr))  # type: ignore[union-attr]
        self.tar.offset += len(hdr)

    def whiteout(self, path: str) -> None:
        parent, _, base = path.rpartition("/")
        self.file(f"{parent}/.wh.{base}" if parent else f".wh.{base}", b"")

    def opaque(self, path: str) -> None:
        self.file(f"{path}/.wh..wh..opq", b"")

    def finish(self) -> bytes:
        self.tar.close()
        return self.buf.getvalue()


@dataclass
class Layer:
    tar: bytes
    blob: bytes
    media_type: str
    created_by: str

    @property
    def diff_id(self) -> str:
        return sha(self.tar)

    @property
    def digest(self) -> str:
        return sha(self.blob)


@dataclass
class Image:
    name: str | None
    config: bytes
    layers: list[Layer]

    @property
    def config_digest(self) -> str:
        return sha(self.config)

    @property
    def manifest(self) -> bytes:
        doc = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
               "config": {"mediaType": OCI_CONFIG, "digest": self.config_digest, "size": len(self.config)},
               "layers": [{"mediaType": lay.media_type, "digest": lay.digest, "size": len(lay.blob)}
                          for lay in self.layers]}
        return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()

    @property
    def manifest_digest(self) -> str:
        return sha(self.manifest)


def compress(tar: bytes, how: str) -> bytes:
    if how == "gzip":
        return gzip.compress(tar, compresslevel=6, mtime=0)
    if how == "zstd":
        import zstandard

        return zstandard.ZstdCompressor(level=3).compress(tar)
    return tar


# ---- presets: small fake OS roots with the files the facts look at ------------------------------
PASSWD = "root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n" \
         "app:x:10001:10001::/home/app:/bin/sh\n"


def _dpkg_status(n: int) -> str:
    return "".join(f"Package: pkg{i}\nStatus: install ok installed\nVersion: 1.{i}\n\n" for i in range(n))


def base_files(base: str, version: str | None) -> list[dict[str, Any]]:
    if base == "scratch":
        return []
    if base in ("debian-slim", "debian"):
        v = version or "12"
        codename = {"10": "buster", "11": "bullseye", "12": "bookworm", "13": "trixie"}.get(v, "")
        files: list[dict[str, Any]] = [
            {"path": "bin", "symlink": "usr/bin"},
            {"path": "etc/os-release", "symlink": "../usr/lib/os-release"},
            {"path": "usr/lib/os-release", "text": f'PRETTY_NAME="Debian GNU/Linux {v} ({codename})"\nNAME="Debian '
             f'GNU/Linux"\nVERSION_ID="{v}"\nVERSION_CODENAME={codename}\nID=debian\n'},
            {"path": "etc/passwd", "text": PASSWD},
            {"path": "etc/group", "text": "root:x:0:\napp:x:10001:\n"},
            {"path": "usr/bin/dash", "size": 4000, "mode": "0755"},
            {"path": "usr/bin/sh", "symlink": "dash"},
            {"path": "usr/bin/apt-get", "size": 3000, "mode": "0755"},
            {"path": "usr/bin/dpkg", "size": 3000, "mode": "0755"},
            {"path": "var/lib/dpkg/status", "text": _dpkg_status(88 if base == "debian-slim" else 230)},
            {"path": "var/lib/apt/lists/lock", "text": ""},
            {"path": "usr/bin/su", "size": 1000, "mode": "4755"},
        ]
        if base == "debian-slim":
            files.append({"path": "etc/dpkg/dpkg.cfg.d/docker", "text": "path-exclude /usr/share/doc/*\n"
                          "path-include /usr/share/doc/*/copyright\npath-exclude /usr/share/man/*\n"})
        else:
            files += [{"path": "usr/bin/gcc", "size": 2000, "mode": "0755"},
                      {"path": "usr/bin/make", "size": 2000, "mode": "0755"}]
        return files
    if base == "alpine":
        v = version or "3.22"
        return [
            {"path": "etc/os-release", "text": f'NAME="Alpine Linux"\nID=alpine\nVERSION_ID={v}.1\n'},
            {"path": "etc/passwd", "text": PASSWD},
            {"path": "bin/busybox", "size": 8000, "mode": "0755"},
            {"path": "bin/sh", "symlink": "/bin/busybox"},
            {"path": "sbin/apk", "size": 3000, "mode": "0755"},
            {"path": "lib/apk/db/installed", "text": "".join(f"P:pkg{i}\nV:1.0\n\n" for i in range(15))},
        ]
    if base == "distroless":
        v = version or "12"
        return [
            {"path": "etc/os-release", "text": f'PRETTY_NAME="Distroless"\nID=debian\nVERSION_ID="{v}"\n'},
            {"path": "etc/passwd", "text": "root:x:0:0:root:/root:/sbin/nologin\n"
             "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"},
            {"path": "var/lib/dpkg/status.d/base-files", "text": "Package: base-files\n"},
            {"path": "var/lib/dpkg/status.d/tzdata", "text": "Package: tzdata\n"},
        ]
    raise ValueError(f"unknown base preset {base!r}")


def add_files(lb: LayerBuilder, files: list[dict[str, Any]]) -> None:
    for f in files:
        mode = int(str(f.get("mode", "0644")), 8)
        uid = int(f.get("uid", 0))
        if "whiteout" in f:
            lb.whiteout(f["whiteout"])
        elif "opaque" in f:
            lb.opaque(f["opaque"])
        elif "symlink" in f:
            lb.symlink(f["path"], f["symlink"])
        elif "hardlink" in f:
            lb.hardlink(f["path"], f["hardlink"], mode)
        elif f.get("dir"):
            lb.dir(f["path"], int(str(f.get("mode", "0755")), 8))
        elif "sparse_size" in f:
            lb.sparse(f["path"], int(f["sparse_size"]), mode)
        elif "text" in f:
            lb.file(f["path"], f["text"].encode(), mode, uid)
        elif "b64" in f:
            lb.file(f["path"], base64.b64decode(f["b64"]), mode, uid)
        else:
            lb.file(f["path"], content_for(f["path"], int(f.get("size", 0))), mode, uid)


def make_layer(tar: bytes, compression: str = "gzip", created_by: str = "") -> Layer:
    return Layer(tar, compress(tar, compression), LAYER_TYPES[compression], created_by)


def build(spec: dict[str, Any], compression: str | None = None) -> Image:
    layers: list[Layer] = []
    history: list[dict[str, Any]] = []
    created = spec.get("created", "2026-11-01T00:00:00Z")
    base = spec.get("base", "scratch")
    if base != "scratch":
        lb = LayerBuilder()
        add_files(lb, base_files(base, spec.get("os_version")))
        layers.append(make_layer(lb.finish(), compression or "gzip", f"/bin/sh -c #(nop) ADD file:{base} in / "))
        history.append({"created": created, "created_by": layers[-1].created_by})
    for ls in spec.get("layers", []):
        if ls.get("empty"):  # USER, ENV, LABEL...: a history entry without a layer
            history.append({"created": created, "created_by": ls.get("created_by", ""), "empty_layer": True})
            continue
        lb = LayerBuilder()
        add_files(lb, ls.get("files", []))
        layers.append(make_layer(lb.finish(), compression or ls.get("compression", "gzip"), ls.get("created_by", "")))
        history.append({"created": created, "created_by": layers[-1].created_by})
    return assemble(spec, layers, history)


def assemble(spec: dict[str, Any], layers: list[Layer], history: list[dict[str, Any]] | None = None) -> Image:
    created = spec.get("created", "2026-11-01T00:00:00Z")
    config = {
        "architecture": spec.get("architecture", "amd64"),
        "os": "linux",
        "created": created,
        "config": spec.get("config", {}),
        "rootfs": {"type": "layers", "diff_ids": [lay.diff_id for lay in layers]},
        "history": history if history is not None else [{"created": created, "created_by": lay.created_by}
                                                         for lay in layers],
    }
    raw = json.dumps(config, sort_keys=True, separators=(",", ":")).encode()
    return Image(spec.get("name"), raw, layers)


# ---- writers -----------------------------------------------------------------------------------
def _index(img: Image, tag: str | None) -> bytes:
    ann = {}
    if tag:
        ann["org.opencontainers.image.ref.name"] = tag
    if img.name:
        ann["io.containerd.image.name"] = img.name
    entry = {"mediaType": OCI_MANIFEST, "digest": img.manifest_digest, "size": len(img.manifest)}
    if ann:
        entry["annotations"] = ann
    return json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [entry]}, sort_keys=True).encode()


def _layout_files(img: Image, tag: str | None) -> list[tuple[str, bytes]]:
    files = [("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'), ("index.json", _index(img, tag))]
    blobs = [img.manifest, img.config] + [lay.blob for lay in img.layers]
    seen = set()
    for b in blobs:
        d = sha(b)
        if d not in seen:
            seen.add(d)
            files.append((f"blobs/sha256/{d[7:]}", b))
    return files


def write_oci_layout(img: Image, root: Path, tag: str | None = None) -> Path:
    for name, data in _layout_files(img, tag):
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return root


def _write_tar(path: Path, files: list[tuple[str, bytes]]) -> Path:
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tf:
        for name, data in files:
            ti = tarfile.TarInfo(name)
            ti.size, ti.mtime, ti.mode = len(data), 0, 0o644
            tf.addfile(ti, io.BytesIO(data))
    return path


def write_oci_archive(img: Image, path: Path, tag: str | None = None) -> Path:
    return _write_tar(path, _layout_files(img, tag))


def write_docker_archive(img: Image, path: Path, legacy: bool = True, tags: list[str] | None = None) -> Path:
    """`docker save` output: legacy (<id>/layer.tar, <config-hex>.json) or Docker >= 25 (OCI blobs + index)."""
    repo_tags = tags if tags is not None else ([img.name] if img.name else [])
    files: list[tuple[str, bytes]] = []
    if legacy:
        cfg_name = f"{img.config_digest[7:]}.json"
        layer_names = []
        for i, lay in enumerate(img.layers):
            lid = hashlib.sha256(f"{i}{lay.diff_id}".encode()).hexdigest()
            layer_names.append(f"{lid}/layer.tar")
            files.append((f"{lid}/VERSION", b"1.0"))
            files.append((f"{lid}/layer.tar", lay.tar))
        files.append((cfg_name, img.config))
    else:
        cfg_name = f"blobs/sha256/{img.config_digest[7:]}"
        layer_names = [f"blobs/sha256/{lay.diff_id[7:]}" for lay in img.layers]
        files += [("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'), (cfg_name, img.config)]
        files += [(n, lay.tar) for n, lay in zip(layer_names, img.layers, strict=True)]
        # the index points at an uncompressed-layer manifest, as Docker 25 writes it
        man = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                          "config": {"mediaType": OCI_CONFIG, "digest": img.config_digest, "size": len(img.config)},
                          "layers": [{"mediaType": LAYER_TYPES["none"], "digest": lay.diff_id, "size": len(lay.tar)}
                                     for lay in img.layers]}).encode()
        files.append((f"blobs/sha256/{sha(man)[7:]}", man))
        files.append(("index.json", json.dumps({"schemaVersion": 2, "manifests": [
            {"mediaType": OCI_MANIFEST, "digest": sha(man), "size": len(man)}]}).encode()))
    manifest = [{"Config": cfg_name, "RepoTags": repo_tags, "Layers": layer_names}]
    files.append(("manifest.json", json.dumps(manifest).encode()))
    return _write_tar(path, files)


# ---- push through the OCI distribution API -----------------------------------------------------
def _request(method: str, url: str, data: bytes | None = None, headers: dict[str, str] | None = None,
             auth: str | None = None) -> Any:
    h = dict(headers or {})
    if auth:
        h["Authorization"] = auth
    req = urllib.request.Request(url, data=data, method=method, headers=h)
    return urllib.request.urlopen(req, timeout=60)


def push_blob(base: str, repo: str, data: bytes, auth: str | None = None) -> None:
    d = sha(data)
    try:
        with _request("HEAD", f"{base}/v2/{repo}/blobs/{d}", auth=auth):
            return
    except urllib.error.HTTPError as exc:
        if exc.code != 404:
            raise
    with _request("POST", f"{base}/v2/{repo}/blobs/uploads/", b"", auth=auth) as resp:
        location = resp.headers["Location"]
    if location.startswith("/"):
        location = base + location
    sep = "&" if "?" in location else "?"
    with _request("PUT", f"{location}{sep}digest={d}", data,
                  {"Content-Type": "application/octet-stream"}, auth=auth):
        pass


def push(img: Image, base: str, repo: str, tag: str, auth: str | None = None, index: bytes | None = None) -> str:
    """Push blobs and the manifest (and, when given, an index under the tag); returns the tag's digest."""
    for b in [img.config] + [lay.blob for lay in img.layers]:
        push_blob(base, repo, b, auth)
    if index is None:
        with _request("PUT", f"{base}/v2/{repo}/manifests/{tag}", img.manifest,
                      {"Content-Type": OCI_MANIFEST}, auth=auth):
            return img.manifest_digest
    with _request("PUT", f"{base}/v2/{repo}/manifests/{img.manifest_digest}", img.manifest,
                  {"Content-Type": OCI_MANIFEST}, auth=auth):
        pass
    with _request("PUT", f"{base}/v2/{repo}/manifests/{tag}", index, {"Content-Type": OCI_INDEX}, auth=auth):
        return sha(index)


def index_for(images: list[tuple[Image, str]]) -> bytes:
    """An OCI index over (image, "os/arch") pairs, plus an attestation-like unknown/unknown entry."""
    manifests = []
    for img, plat in images:
        os_, arch = plat.split("/")[:2]
        manifests.append({"mediaType": OCI_MANIFEST, "digest": img.manifest_digest, "size": len(img.manifest),
                          "platform": {"os": os_, "architecture": arch}})
    return json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}, sort_keys=True).encode()


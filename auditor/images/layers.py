"""Stream one layer: decompress, verify its digests, list its entries, keep only small wanted files.

Nothing is extracted: the tar is read in stream mode and each entry becomes an `Entry`. Paths are
normalised (leading `./` and `/` dropped); an entry whose path climbs out of the root (`..`) is
ignored and counted. Decompressed bytes are counted against the limits, so a decompression bomb is
cut off instead of filling memory or time.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import tarfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from auditor.images import ImageError, Limits

CHUNK = 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


@dataclass(frozen=True, slots=True)
class Entry:
    path: str  # normalised, no leading slash
    kind: str  # file | dir | symlink | hardlink | other | whiteout | opaque
    size: int = 0
    mode: int = 0
    link: str = ""  # symlink target as written; hardlink target normalised
    uid: int = 0
    gid: int = 0


@dataclass
class LayerRead:
    index: int
    entries: list[Entry] = field(default_factory=list)
    contents: dict[str, bytes] = field(default_factory=dict)  # small wanted files, by path
    secrets: dict[str, str] = field(default_factory=dict)  # path -> kind of secret found in it
    stored_bytes: int = 0  # as stored / transferred (compressed)
    tar_bytes: int = 0  # decompressed tar stream
    stored_digest: str = ""
    diff_id: str = ""
    compression: str = "none"
    ignored: list[str] = field(default_factory=list)  # traversal / unsafe names, never used


class _Hashing(io.RawIOBase):
    """Pass-through reader that hashes and counts what it hands out and stops at a byte cap."""

    def __init__(self, raw: Any, cap: int, what: str) -> None:
        self.raw = raw
        self.cap = cap
        self.what = what
        self.sha = hashlib.sha256()
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        data = self.raw.read(len(b))
        if not data:
            return 0
        n = len(data)
        self.count += n
        if self.count > self.cap:
            raise ImageError(f"{self.what} exceeds the limit of {self.cap:,} bytes (decompression bomb or absurd size)")
        self.sha.update(data)
        b[:n] = data
        return n

    def drain(self) -> None:
        while self.read(CHUNK):
            pass

    @property
    def digest(self) -> str:
        return "sha256:" + self.sha.hexdigest()


class _Gunzip(io.RawIOBase):
    """gzip (multi-member) decompression with a bounded output per call."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.d = zlib.decompressobj(wbits=31)
        self.pending = b""
        self.done = False

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        want = len(b)
        while not self.done:
            src = self.pending or self.d.unconsumed_tail
            if not src:
                src = self.raw.read(CHUNK)
                if not src:
                    if not self.d.eof:
                        raise ImageError("gzip layer is truncated")
                    self.done = True
                    break
            self.pending = b""
            try:
                out = self.d.decompress(src, want)
            except zlib.error as exc:
                raise ImageError(f"gzip layer is corrupt: {exc}") from None
            if self.d.eof:
                rest = self.d.unused_data
                if len(rest) == 1:  # a next member's header may straddle the read boundary
                    rest += self.raw.read(1)
                if rest[:2] == GZIP_MAGIC:  # another member follows
                    self.d = zlib.decompressobj(wbits=31)
                    self.pending = rest
                elif not out:
                    self.done = True  # trailing padding after the last member: ignored
            if out:
                b[: len(out)] = out
                return len(out)
        return 0


def _zstd_reader(raw: Any) -> Any:
    try:
        import zstandard  # noqa: PLC0415 - optional dependency
    except ImportError:
        raise ImageError("this layer is zstd-compressed: install the optional `zstandard` package to read it") from None
    return zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True, closefd=False)


class _Peek(io.RawIOBase):
    def __init__(self, raw: Any, head: bytes) -> None:
        self.raw = raw
        self.head = head

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if self.head:
            n = min(len(b), len(self.head))
            b[:n] = self.head[:n]
            self.head = self.head[n:]
            return n
        data = self.raw.read(len(b))
        b[: len(data)] = data
        return len(data)


MAX_META_HEADER = 1024 * 1024  # a longname or PAX header larger than this is hostile


class _SafeTarInfo(tarfile.TarInfo):
    """Refuses oversized GNU longname/longlink and PAX headers before tarfile reads them into memory."""

    def _proc_member(self, tarfile_: tarfile.TarFile) -> tarfile.TarInfo:
        meta = (tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK, tarfile.XHDTYPE, tarfile.XGLTYPE,
                tarfile.SOLARIS_XHDTYPE)
        if self.type in meta and self.size > MAX_META_HEADER:
            raise ImageError(f"tar metadata header of {self.size:,} bytes (over {MAX_META_HEADER:,})")
        result: tarfile.TarInfo = super()._proc_member(tarfile_)  # type: ignore[misc]
        return result


def normalise(name: str) -> str | None:
    """Image-root-relative path, or None when it climbs out of the root."""
    p = name.replace("\\", "/")
    while p.startswith("./"):
        p = p[2:]
    p = p.lstrip("/")
    if not p or p == ".":
        return ""
    norm = posixpath.normpath(p)
    if norm == ".." or norm.startswith("../") or "/../" in f"/{p}/":
        return None
    return "" if norm == "." else norm


Wanted = Callable[[str, int], int]  # (path, size) -> how many bytes to keep (0: none)
Inspect = Callable[[str, bytes], str | None]  # (path, head of content) -> secret kind or None


def read_layer(
    index: int,
    stream: IO[bytes],
    limits: Limits,
    budget: list[int],
    want_content: Wanted,
    want_secret: Wanted,
    inspect_secret: Inspect,
) -> LayerRead:
    """Read one stored layer blob. `budget` is [decompressed bytes left, entries left] for the image."""
    out = LayerRead(index)
    stored = _Hashing(stream, limits.max_blob_bytes, f"layer {index} blob")
    head = stored.read(4) or b""
    peeked = _Peek(stored, head)
    decoded: Any
    if head[:2] == GZIP_MAGIC:
        out.compression = "gzip"
        decoded = _Gunzip(peeked)
    elif head[:4] == ZSTD_MAGIC:
        out.compression = "zstd"
        decoded = _zstd_reader(peeked)
    else:
        decoded = peeked
    cap = min(limits.max_layer_bytes, budget[0])
    tar_stream = _Hashing(decoded, cap, f"layer {index} (decompressed)")
    buffered = io.BufferedReader(tar_stream, CHUNK)
    try:
        tf = tarfile.open(fileobj=buffered, mode="r|", tarinfo=_SafeTarInfo)  # noqa: SIM115 - closed with the stream
    except tarfile.TarError as exc:
        if tar_stream.count == 0:  # an empty layer blob is a valid, empty tar
            tf = None
        else:
            raise ImageError(f"layer {index} is not a tar archive: {exc}") from None
    try:
        while tf is not None:
            try:
                member = tf.next()
            except tarfile.TarError as exc:
                raise ImageError(f"layer {index} has a corrupt tar entry: {exc}") from None
            if member is None:
                break
            tf.members = []  # type: ignore[attr-defined]  # stream mode keeps every header otherwise
            budget[1] -= 1
            if budget[1] < 0:
                raise ImageError(f"image has more than {limits.max_entries:,} tar entries")
            try:
                _take(out, tf, member, limits, want_content, want_secret, inspect_secret)
            except tarfile.TarError as exc:
                raise ImageError(f"layer {index}: unreadable entry {member.name[:200]!r}: {exc}") from None
        tar_stream.drain()  # the tar end blocks and padding still count for the diff id
        while stored.read(CHUNK):  # trailing bytes after the compressed stream
            pass
    except (EOFError, OSError, zlib.error) as exc:
        raise ImageError(f"layer {index} is truncated or corrupt: {exc}") from None
    out.stored_bytes = stored.count
    out.stored_digest = stored.digest
    out.tar_bytes = tar_stream.count
    out.diff_id = tar_stream.digest
    budget[0] -= tar_stream.count
    return out


def _take(out: LayerRead, tf: tarfile.TarFile, m: tarfile.TarInfo, limits: Limits, want_content: Wanted,
          want_secret: Wanted, inspect_secret: Inspect) -> None:
    path = normalise(m.name)
    if path is None:
        out.ignored.append(m.name[:200])
        return
    if path == "":
        return
    base = posixpath.basename(path)
    parent = posixpath.dirname(path)
    if base == ".wh..wh..opq":
        out.entries.append(Entry(parent, "opaque"))
        return
    if base.startswith(".wh."):
        out.entries.append(Entry(posixpath.join(parent, base[4:]), "whiteout"))
        return
    if m.isreg():
        kind = "file"
    elif m.isdir():
        kind = "dir"
    elif m.issym():
        kind = "symlink"
    elif m.islnk():
        kind = "hardlink"
    else:
        kind = "other"
    link = m.linkname
    if kind == "hardlink":
        target = normalise(link)
        if target is None:
            out.ignored.append(m.name[:200])
            return
        link = target
    out.entries.append(Entry(path, kind, m.size if kind == "file" else 0, m.mode, link, m.uid, m.gid))
    if kind != "file" or m.size == 0 or m.issparse():
        return
    keep = want_content(path, m.size)
    sec = want_secret(path, m.size)
    if not keep and not sec:
        return
    f = tf.extractfile(m)
    if f is None:
        return
    data = f.read(min(max(keep, sec), m.size))
    if keep and m.size <= keep:
        out.contents[path] = data
    if sec:
        kind_found = inspect_secret(path, data[:sec])
        if kind_found:
            out.secrets[path] = kind_found

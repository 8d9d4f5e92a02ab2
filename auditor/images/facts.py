"""Read a resolved image layer by layer and reduce it to the facts the image rules judge.

The facts are one JSON-serialisable dict (Resource.data of an `Image`): record a scan, replay it.
Secret *files* are recorded by path, layer and kind only, never their content. Config Env values
are kept as the image has them (rules mask them with auditor.secrets).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from typing import Any

from auditor.images import ImageError, Limits
from auditor.images.fs import MergedFS
from auditor.images.layers import LayerRead, read_layer
from auditor.images.sources import Resolved
from auditor.secrets import find_secret, token_kind

FACTS_SCHEMA = 1

# small files whose content the facts need (read when at most Limits.max_small_file bytes)
SYSTEM_FILES = frozenset({
    "etc/passwd", "etc/group", "etc/os-release", "usr/lib/os-release", "var/lib/dpkg/status",
    "lib/apk/db/installed", "usr/lib/apk/db/installed", "etc/alpine-release", "etc/debian_version",
    "etc/redhat-release",
})
_DPKG_CFG_RE = re.compile(r"^etc/dpkg/dpkg\.cfg\.d/[^/]+$")

SHELLS = ("bin/sh", "bin/bash", "bin/ash", "bin/dash", "bin/zsh", "bin/busybox", "usr/bin/sh", "usr/bin/bash")
PACKAGE_MANAGERS = ("usr/bin/apt-get", "usr/bin/apt", "usr/bin/dpkg", "sbin/apk", "usr/bin/apk", "usr/bin/yum",
                    "usr/bin/dnf", "usr/bin/microdnf", "usr/bin/rpm", "usr/bin/zypper", "usr/bin/tdnf",
                    "usr/bin/pacman")
TOOLCHAIN = ("usr/bin/gcc", "usr/bin/cc", "usr/bin/g++", "usr/bin/make", "usr/bin/clang")

# Secret candidates by name. Library trees ship test keys and certificates; they are not looked at.
_SECRET_NAMES = frozenset({
    "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", ".env", ".npmrc", ".pypirc", ".netrc", "_netrc",
    ".git-credentials", ".dockercfg", ".htpasswd", ".pgpass", ".s3cfg", "application_default_credentials.json",
    "credentials.json", "secrets.json", "secrets.yaml", "secrets.yml", ".vault-token", "terraform.tfvars",
})
_SECRET_SUFFIXES = (".pem", ".key", ".p12", ".pfx", ".ppk", ".tfvars")
_BINARY_KEYSTORES = (".p12", ".pfx")
_SKIP_SECRET_RE = re.compile(
    r"(^|/)(site-packages|dist-packages|node_modules|vendor|third[_-]party|testdata|test[_-]data|tests?|fixtures|"
    r"dummyserver|examples|__pycache__)/|^usr/share/|"
    r"^usr/(local/)?(lib/)?go/|^etc/ssl/certs/|^usr/lib/ssl/certs/|^etc/pki/(ca-trust|tls/certs)/"
)
_KV_RE = re.compile(r"""^\s*(?:export\s+)?["']?([A-Za-z_][A-Za-z0-9_.\-]*)["']?\s*[:=]\s*(.+?)\s*,?\s*$""")
_NETRC_RE = re.compile(r"\bpassword\s+(\S+)")


def is_secret_candidate(path: str) -> bool:
    base = posixpath.basename(path)
    if _SKIP_SECRET_RE.search(path):
        return False
    if base in _SECRET_NAMES or base.startswith(".env.") or base.endswith(_SECRET_SUFFIXES):
        return not base.endswith(".pub")
    if base == "credentials" and path.endswith(".aws/credentials"):
        return True
    if base == "config.json" and path.endswith(".docker/config.json"):
        return True
    if base == "config" and path.endswith(".kube/config"):
        return True
    return "/.ssh/" in f"/{path}" and base.startswith("id_") and not base.endswith(".pub")


def inspect_secret(path: str, head: bytes) -> str | None:
    """Kind of secret this candidate file holds, judged from its content; None when it holds none."""
    base = posixpath.basename(path)
    if base.endswith(_BINARY_KEYSTORES) and head:
        return "PKCS#12 key store"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = head.decode("latin-1")
    if "PRIVATE KEY-----" in text:
        return "private key"
    if base in (".netrc", "_netrc"):
        m = _NETRC_RE.search(text)
        if m and find_secret("password", m.group(1)):
            return "netrc password"
    if base == ".pgpass":
        for line in text.splitlines():
            parts = line.split(":")
            if len(parts) == 5 and not line.startswith("#") and find_secret("password", parts[4]):
                return "PostgreSQL password file"
    if base in ("config.json", ".dockercfg") and re.search(r'"auth"\s*:\s*"[A-Za-z0-9+/=]{8,}"', text):
        return "registry credentials"
    if base == "config" and re.search(r"(?m)^\s*(token|client-key-data|password):\s*\S{8,}", text):
        return "kubeconfig credentials"
    for line in text.splitlines()[:2000]:
        m = _KV_RE.match(line)
        if m and not line.lstrip().startswith("#"):
            value = m.group(2).strip().strip("\"'")
            hit = find_secret(m.group(1), value)
            if hit:
                return f"secret-named variable {m.group(1)[:60]}" if hit.kind.startswith("literal value") else hit.kind
    return token_kind(text)


_SYSTEM_BASENAMES = frozenset(posixpath.basename(p) for p in SYSTEM_FILES)


def _want_content(limits: Limits) -> Any:
    """Keep small system files; by base name too, since a later layer may symlink /etc elsewhere.
    All kept content together stays under Limits.max_small_total."""
    left = [limits.max_small_total]

    def want(path: str, size: int) -> int:
        if size > limits.max_small_file or size > left[0]:
            return 0
        if path in SYSTEM_FILES or _DPKG_CFG_RE.match(path) or posixpath.basename(path) in _SYSTEM_BASENAMES:
            left[0] -= size
            return limits.max_small_file
        return 0

    return want


def _want_secret(limits: Limits) -> Any:
    def want(path: str, size: int) -> int:
        return limits.max_secret_candidate if is_secret_candidate(path) else 0

    return want


# ---- reading ---------------------------------------------------------------------------------
def read_layers(img: Resolved, limits: Limits) -> list[LayerRead]:
    diff_ids = img.config["rootfs"]["diff_ids"]
    if len(img.layers) > limits.max_layers:
        raise ImageError(f"image has {len(img.layers)} layers, over the limit of {limits.max_layers}")
    if len(diff_ids) != len(img.layers):
        raise ImageError(f"manifest lists {len(img.layers)} layers but the config has {len(diff_ids)} diff_ids")
    budget = [limits.max_total_bytes, limits.max_entries]
    out = []
    want_c, want_s = _want_content(limits), _want_secret(limits)
    for i, blob in enumerate(img.layers):
        if blob.size is not None and blob.size > limits.max_blob_bytes:
            raise ImageError(f"layer {i} claims {blob.size:,} bytes, over the {limits.max_blob_bytes:,}-byte limit")
        with img.open_layer(blob) as stream:
            lr = read_layer(i, stream, limits, budget, want_c, want_s, inspect_secret)
        if blob.digest is not None and lr.stored_digest != blob.digest:
            raise ImageError(f"layer {i}: content does not match its digest {blob.digest} (got {lr.stored_digest})")
        if blob.size is not None and lr.stored_bytes != blob.size:
            raise ImageError(f"layer {i}: {lr.stored_bytes:,} bytes, its descriptor says {blob.size:,}")
        if lr.diff_id != diff_ids[i]:
            raise ImageError(f"layer {i}: uncompressed content does not match config diff_id {str(diff_ids[i])[:80]}"
                             f" (got {lr.diff_id})")
        out.append(lr)
    return out


# ---- facts -----------------------------------------------------------------------------------
def _content(fs: MergedFS, layers: list[LayerRead], path: str) -> bytes | None:
    """Content of a small wanted file as the final filesystem shows it (symlinks and hardlinks followed)."""
    real = fs.resolve(path)
    node = fs.nodes.get(real) if real is not None else None
    if node is None or real is None:
        return None
    key = real
    if node.entry.kind == "hardlink":
        key = node.entry.link
        target = fs.nodes.get(key)
        if target is None:
            return None
        node = target
    if node.entry.kind != "file":
        return None
    return layers[node.layer].contents.get(key)


def _text(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8", "replace")


def parse_os_release(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() and not key.startswith("#"):
            out[key.strip()] = value.strip().strip("\"'")
    return out


def parse_passwd(text: str) -> list[dict[str, Any]]:
    users = []
    for line in text.splitlines():
        parts = line.split(":")
        if len(parts) >= 4 and parts[0] and not line.startswith("#"):
            try:
                users.append({"name": parts[0], "uid": int(parts[2]), "gid": int(parts[3])})
            except ValueError:
                continue
    return users


def resolve_user(raw: str, passwd: list[dict[str, Any]] | None) -> dict[str, Any]:
    """Config User (`name`, `uid`, `name:group`, `uid:gid`) resolved to a uid through /etc/passwd."""
    user = raw.split(":", 1)[0].strip()
    if not user:
        return {"raw": raw, "name": None, "uid": 0, "source": "default (empty User runs as root)"}
    if user.isdigit():
        return {"raw": raw, "name": None, "uid": int(user), "source": "numeric"}
    if passwd is None:
        return {"raw": raw, "name": user, "uid": None, "source": "unresolved: the image has no /etc/passwd"}
    for u in passwd:
        if u["name"] == user:
            return {"raw": raw, "name": user, "uid": u["uid"], "source": "/etc/passwd"}
    return {"raw": raw, "name": user, "uid": None, "source": "unresolved: not in /etc/passwd"}


def _packages(fs: MergedFS, layers: list[LayerRead]) -> dict[str, Any]:
    status = _text(_content(fs, layers, "var/lib/dpkg/status"))
    status_d = [n for n in fs.listdir("var/lib/dpkg/status.d") if not n.endswith(".md5sums")]
    if status is not None or status_d:
        count = 0
        if status is not None:
            for stanza in re.split(r"\n\s*\n", status):
                if re.search(r"(?m)^Status:.*\binstalled\s*$", stanza) and "Package:" in stanza:
                    count += 1
        return {"manager": "dpkg", "count": count + len(status_d)}
    apk = _text(_content(fs, layers, "lib/apk/db/installed")) or _text(_content(fs, layers, "usr/lib/apk/db/installed"))
    if apk is not None:
        return {"manager": "apk", "count": len(re.findall(r"(?m)^P:", apk))}
    for p in ("var/lib/rpm/rpmdb.sqlite", "var/lib/rpm/Packages", "usr/lib/sysimage/rpm/rpmdb.sqlite"):
        if fs.exists_file(p):
            return {"manager": "rpm", "count": None}
    return {"manager": None, "count": None}


_CACHE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("apt lists", re.compile(r"^var/lib/apt/lists/(?!lock$|partial$|auxfiles$)[^/]+")),
    ("apt package archives", re.compile(r"^var/cache/apt/(archives/[^/]+\.deb$|[^/]+\.bin$)")),
    ("apk cache", re.compile(r"^(var/cache/apk|etc/apk/cache)/[^/]+")),
    ("pip cache", re.compile(r"^(root|home/[^/]+)/\.cache/pip/")),
    ("npm cache", re.compile(r"^(root|home/[^/]+)/\.npm/(_cacache|_npx)/")),
    ("yarn cache", re.compile(r"^(usr/local/share/\.cache/yarn|(root|home/[^/]+)/\.cache/yarn)/")),
    ("dnf/yum cache", re.compile(r"^var/cache/(dnf|yum)/.+\.(rpm|sqlite|solv|xml\.gz)$")),
)
_CACHE_ROOTS = ("var/lib/apt/lists", "var/cache/apt", "var/cache/apk", "etc/apk/cache", "root", "home",
                "usr/local/share/.cache", "var/cache/dnf", "var/cache/yum")


def _caches(fs: MergedFS) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    seen: set[str] = set()
    for root in _CACHE_ROOTS:
        for path, node in fs.walk_files(root):
            if path in seen:
                continue
            seen.add(path)
            for kind, rx in _CACHE_RULES:
                m = rx.match(path)
                if m:
                    top = path.split("/")
                    where = "/".join(top[: 4 if kind in ("apt lists",) else 3])
                    c = found.setdefault(kind, {"kind": kind, "path": where, "bytes": 0, "files": 0,
                                                "layers": set()})
                    c["bytes"] += node.entry.size
                    c["files"] += 1
                    c["layers"].add(node.layer)
                    break
    out = []
    for c in sorted(found.values(), key=lambda c: c["kind"]):
        c["layers"] = sorted(c["layers"])
        c["path"] = {"apt lists": "var/lib/apt/lists", "apt package archives": "var/cache/apt"}.get(c["kind"], c["path"])
        out.append(c)
    return out


def _classify(fs: MergedFS, os_info: Mapping[str, str] | None, shells: list[str], managers: list[str],
              packages: Mapping[str, Any], toolchain: list[str], dpkg_excludes_docs: bool) -> dict[str, Any]:
    os_id = (os_info or {}).get("ID", "").lower()
    like = (os_info or {}).get("ID_LIKE", "").lower()
    reasons = []
    if not os_info and not shells and not managers and packages.get("manager") is None:
        return {"kind": "scratch", "minimal": True,
                "reasons": ["no OS release file, shell, package manager or package database"]}
    if not shells and not managers:
        return {"kind": "distroless", "minimal": True, "reasons": ["no shell and no package manager"]}
    if os_id in ("alpine", "wolfi", "chainguard") or (not os_info and shells == ["bin/busybox"]):
        return {"kind": "alpine", "minimal": True, "reasons": [f"{os_id or 'busybox'} userland"]}
    if toolchain:
        reasons.append("build toolchain present: " + ", ".join("/" + t for t in toolchain))
    count = packages.get("count")
    if os_id == "ubuntu":
        reasons.append("Ubuntu full OS userland with a package manager")
    if os_id in ("rhel", "centos", "fedora", "rocky", "almalinux", "ol", "amzn") or "rhel" in like:
        if set(managers) <= {"usr/bin/microdnf", "usr/bin/rpm"} and not toolchain:
            return {"kind": "slim", "minimal": True, "reasons": ["RPM image with microdnf only (ubi-minimal)"]}
        reasons.append("full RPM-based OS with dnf/yum")
    if os_id == "debian" or ("debian" in like and os_id != "ubuntu"):
        if not dpkg_excludes_docs:
            reasons.append("Debian without the slim variant's dpkg path excludes for documentation")
        if isinstance(count, int) and count > 150:
            reasons.append(f"{count} packages installed (slim Debian bases have about 90)")
    if not reasons and os_id not in ("debian", "") and "debian" not in like:
        reasons.append(f"general-purpose OS ({os_id or 'unknown'}) with a shell and package manager")
    if reasons:
        return {"kind": "full", "minimal": False, "reasons": reasons}
    return {"kind": "slim", "minimal": True, "reasons": ["slim Debian: documentation excluded, few packages"]}


# Official language images announce their runtime in Env (python, node, golang, ...).
RUNTIME_ENV = {
    "PYTHON_VERSION": "python", "PYPY_VERSION": "pypy", "NODE_VERSION": "node", "GOLANG_VERSION": "golang",
    "RUBY_VERSION": "ruby", "PHP_VERSION": "php", "DOTNET_VERSION": "dotnet", "ASPNET_VERSION": "dotnet",
    "JAVA_VERSION": "eclipse-temurin", "CUDA_VERSION": "cuda", "PG_MAJOR": "postgres",
}
_PYTHON_BIN_RE = re.compile(r"^usr/(?:local/)?bin/python(\d+\.\d+)$")
_VERSION_RE = re.compile(r"(\d+(?:\.\d+)*)")


def _runtimes(env: list[str], fs: MergedFS) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for item in env:
        key, _, value = item.partition("=")
        product = RUNTIME_ENV.get(key)
        m = _VERSION_RE.search(value) if product else None
        if product and m and product not in seen:
            seen.add(product)
            out.append({"product": product, "version": m.group(1), "source": f"Env {key}"})
    if "python" not in seen:
        versions = sorted({m.group(1) for p in list(fs.nodes) if (m := _PYTHON_BIN_RE.match(p))},
                          key=lambda v: tuple(int(x) for x in v.split(".")))
        if versions:
            out.append({"product": "python", "version": versions[-1], "source": f"/usr/bin/python{versions[-1]}"})
    return out


def _history(config: Mapping[str, Any], n_layers: int) -> tuple[list[dict[str, Any]], list[str | None]]:
    hist: list[Any] = config["history"] if isinstance(config.get("history"), list) else []
    out = []
    by_layer: list[str | None] = [None] * n_layers
    i = 0
    for h in hist:
        if not isinstance(h, Mapping):
            continue
        empty = bool(h.get("empty_layer"))
        item: dict[str, Any] = {"created": h.get("created"), "created_by": str(h.get("created_by") or ""), "empty_layer": empty,
                "layer": None if empty else i}
        if not empty:
            if i < n_layers:
                by_layer[i] = item["created_by"]
            i += 1
        out.append(item)
    return out, by_layer


def build_facts(img: Resolved, layers: list[LayerRead]) -> dict[str, Any]:
    fs = MergedFS()
    secret_hits: list[dict[str, Any]] = []
    for lr in layers:
        fs.apply(lr.index, lr.entries)
    cfg = img.config
    c: Mapping[str, Any] = cfg["config"] if isinstance(cfg.get("config"), Mapping) else {}
    history, created_by = _history(cfg, len(layers))

    # secret files: in every layer, whether the final filesystem still shows them or not
    for lr in layers:
        for path, kind in sorted(lr.secrets.items()):
            node = fs.nodes.get(path)
            visible = node is not None and node.layer == lr.index
            secret_hits.append({"path": path, "layer": lr.index, "kind": kind, "in_final_filesystem": visible,
                                "created_by": created_by[lr.index]})

    os_text = _text(_content(fs, layers, "etc/os-release")) or _text(_content(fs, layers, "usr/lib/os-release"))
    os_info = parse_os_release(os_text) if os_text else None
    passwd_text = _text(_content(fs, layers, "etc/passwd"))
    passwd = parse_passwd(passwd_text) if passwd_text is not None else None
    raw_user: str = c["User"] if isinstance(c.get("User"), str) else ""
    shells = [s for s in SHELLS if fs.exists_file(s)]
    managers = [m for m in PACKAGE_MANAGERS if fs.exists_file(m)]
    toolchain = [t for t in TOOLCHAIN if fs.exists_file(t)]
    packages = _packages(fs, layers)
    docs_excluded = False
    for name in fs.listdir("etc/dpkg/dpkg.cfg.d"):
        text = _text(_content(fs, layers, f"etc/dpkg/dpkg.cfg.d/{name}")) or ""
        if re.search(r"(?m)^path-exclude\s+/usr/share/doc/", text):
            docs_excluded = True

    setuid: list[dict[str, Any]] = []
    for path, node in fs.walk_files(""):
        mode = node.entry.mode
        if node.entry.kind == "hardlink":
            target = fs.nodes.get(node.entry.link)
            mode = target.entry.mode if target is not None else mode
        if mode & 0o6000:
            setuid.append({"path": path, "mode": oct(mode & 0o7777)[2:].rjust(4, "0"), "layer": node.layer,
                           "setuid": bool(mode & 0o4000), "setgid": bool(mode & 0o2000), "owner_uid": node.entry.uid})
    setuid.sort(key=lambda s: s["path"])

    final_bytes = sum(n.entry.size for _, n in fs.walk_files(""))
    layer_facts: list[dict[str, Any]] = []
    for i, lr in enumerate(layers):
        blob = img.layers[i]
        layer_facts.append({
            "index": i, "digest": blob.digest or lr.stored_digest, "diff_id": lr.diff_id, "media_type": blob.media_type,
            "compression": lr.compression, "stored_bytes": lr.stored_bytes, "tar_bytes": lr.tar_bytes,
            "size": sum(e.size for e in lr.entries), "entries": len(lr.entries),
            "shadowed_bytes": fs.shadowed.get(i, 0), "created_by": created_by[i], "ignored_entries": lr.ignored[:20],
        })
    total = sum(lf["size"] for lf in layer_facts)
    labels: Mapping[str, Any] = c["Labels"] if isinstance(c.get("Labels"), Mapping) else {}
    env = [e for e in (c.get("Env") or []) if isinstance(e, str)]
    hc: Mapping[str, Any] | None = c["Healthcheck"] if isinstance(c.get("Healthcheck"), Mapping) else None
    return {
        "schema": FACTS_SCHEMA,
        "name": img.name,
        "manifest_digest": img.manifest_digest,
        "config_digest": img.config_digest,
        "media_type": img.media_type,
        "platform": img.platform,
        "created": cfg.get("created") if isinstance(cfg.get("created"), str) else None,
        "author": cfg.get("author") if isinstance(cfg.get("author"), str) else None,
        "config": {
            "User": raw_user,
            "Env": env,
            "Labels": dict(labels),
            "Healthcheck": dict(hc) if hc is not None else None,
            "Entrypoint": c.get("Entrypoint"),
            "Cmd": c.get("Cmd"),
            "WorkingDir": c.get("WorkingDir"),
            "ExposedPorts": sorted((c.get("ExposedPorts") or {}).keys()) if isinstance(c.get("ExposedPorts"), Mapping) else [],
        },
        "history": history,
        "user": resolve_user(raw_user, passwd),
        "has_passwd": passwd is not None,
        "os": {k.lower(): os_info[k] for k in ("ID", "VERSION_ID", "VERSION_CODENAME", "PRETTY_NAME", "ID_LIKE")
               if k in os_info} if os_info else None,
        "packages": packages,
        "runtimes": _runtimes(env, fs),
        "shells": shells,
        "package_managers": managers,
        "toolchain": toolchain,
        "classification": _classify(fs, os_info, shells, managers, packages, toolchain, docs_excluded),
        "setuid_files": setuid,
        "caches": _caches(fs),
        "size": {"total_bytes": total, "final_bytes": final_bytes, "stored_bytes": sum(lr.stored_bytes for lr in layers),
                 "shadowed_bytes": sum(fs.shadowed.values())},
        "layers": layer_facts,
        "secret_files": secret_hits,
    }


def facts_for(img: Resolved, limits: Limits) -> dict[str, Any]:
    return build_facts(img, read_layers(img, limits))


def env_pairs(env: Iterable[str]) -> list[tuple[str, str]]:
    out = []
    for e in env:
        k, _, v = e.partition("=")
        out.append((k, v))
    return out

"""View helpers shared by the sarif, html, junit and markdown reporters.

Pure functions over the Report: where a finding is anchored, its docs link, worst-first ordering.
Nothing here rescans or recomputes a score.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

from auditor.imageref import parse_image
from auditor.model import SEVERITY_RANK
from auditor.report import Finding, Report, RuleInfo
from auditor.reporters import RenderOptions

DEFAULT_DOCS_BASE = "https://github.com/auditor-dev/auditor/blob/main/docs/rules"
FAMILIES: tuple[str, ...] = ("dockerfile", "kubernetes", "azure", "image", "pipeline")
FAMILY_TITLES = {"dockerfile": "Dockerfiles", "kubernetes": "Kubernetes", "azure": "Azure",
                 "image": "Container images", "pipeline": "CI/CD pipelines"}
STATUS_ORDER = {"fail": 0, "error": 1, "not_assessed": 2, "suppressed": 3, "pass": 4}

# a real subscription id: templates carry placeholders such as {subscriptionId} that are no category
_SUB_RE = re.compile(r"/subscriptions/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:/|$)",
                     re.IGNORECASE)
_UNSAFE_RE = re.compile(r"[^a-z0-9._~/-]+")


def docs_base(report: Report, options: RenderOptions) -> str:
    return (options.docs_base_url or DEFAULT_DOCS_BASE).rstrip("/")


def rule_docs_url(report: Report, options: RenderOptions, code: str, info: RuleInfo | None = None) -> str:
    """The rule's documentation page: render option base URL, else the scan's, else the project's."""
    if options.docs_base_url is None and info is not None and info.help_uri:
        return info.help_uri
    return f"{docs_base(report, options)}/{quote(code)}.md"


def rules_by_code(report: Report) -> dict[str, RuleInfo]:
    return {r.code: r for r in report.rules}


def worst_first(f: Finding) -> tuple[object, ...]:
    return (STATUS_ORDER.get(f.status, 9), -SEVERITY_RANK.get(f.severity, 0), f.location.path,
            f.location.line or 0, f.rule, f.resource, f.message)


def subscription_of(uid: str) -> str | None:
    m = _SUB_RE.search(uid or "")
    return m.group(1).lower() if m else None


def where(f: Finding) -> str:
    """Human-readable location: path:line, or the live id."""
    loc = f.location
    if loc.path and loc.line:
        return f"{loc.path}:{loc.line}"
    return loc.path or f.uid or f.resource


@dataclass(frozen=True)
class Anchor:
    uri: str  # repo-relative, percent-encoded, no scheme, no leading slash
    line: int
    end_line: int | None
    synthetic: bool  # True when the uri names no file of the checkout
    logical_id: str | None  # the real id of a live resource / image


@lru_cache(maxsize=1)
def _live_schemes() -> frozenset[str]:
    from auditor.scan import LIVE_SCHEMES

    return frozenset(LIVE_SCHEMES) | {"docker", "k8s", "kubernetes", "azure", "registry", "http", "https"}


def slug(text: str) -> str:
    """Lower-case, URI-safe, `/`-separated; no empty, `.` or `..` segments."""
    s = _UNSAFE_RE.sub("-", text.lower()).strip("-")
    parts = [("_" + p if p in (".", "..") else p) for p in s.split("/") if p]
    return "/".join(parts) or "unknown"


def _segments(*parts: str) -> str:
    return "/".join(slug(p) for p in parts if p)


def is_file_path(path: str) -> bool:
    if not path or path in (".", "-"):
        return False
    if path.startswith("/"):
        return True
    if "://" in path:
        return False
    scheme = path.split(":", 1)[0].lower() if ":" in path else ""
    # live targets (azure:sub, k8s:ctx, oci:dir, docker-archive:file); a folder named nginx:1.27 is a path
    return scheme not in _live_schemes()


def _file_uri(path: str, uid: str) -> str:
    p = path.replace("\\", "/")
    if re.match(r"^[A-Za-z]:/", p):
        p = p[2:]
    if p.startswith("/"):
        file_part = uid.split("#", 1)[0].replace("\\", "/").lstrip("/")
        p = file_part if file_part and p.endswith("/" + file_part) else p.lstrip("/")
    p = posixpath.normpath(p)
    # percent-encode spaces, colons and anything else not safe in a relative reference
    return quote(p, safe="/-._~!$&'()*+,;=@")


def _looks_like_image(ref: str) -> bool:
    """myacr.azurecr.io/ml/scorer:1.4, python:3.12, app@sha256:...: a reference, not a file."""
    return "@" in ref or ":" in ref.rsplit("/", 1)[-1]


def _image_path(ref: str) -> str:
    img = parse_image(ref)
    return _segments("container-images", img.registry, img.repository)


def _k8s_path(f: Finding, cluster: str) -> str:
    kind, _, rest = f.resource.partition(" ")
    ns, _, name = rest.rpartition("/")
    return _segments("kubernetes", cluster or "cluster", ns or "_cluster", kind or f.kind, name or rest)


def live_cluster(f: Finding) -> str | None:
    """The cluster (kube context) of a live Kubernetes finding, slugged; None for manifests."""
    path, uid = f.location.path or "", f.uid or ""
    if f.target != "kubernetes" or is_file_path(path):
        return None
    cluster = path.partition(":")[2] if path.startswith("k8s:") else ""
    if not cluster and uid.startswith("k8s:"):
        cluster = uid[4:].split("/", 1)[0]
    return slug(cluster) if cluster else "cluster"


def anchor(f: Finding) -> Anchor:
    """Where a finding sits for code scanning: its file and line, or a stable synthetic path."""
    loc = f.location
    path = loc.path or ""
    if is_file_path(path) and not (f.target == "image" and _looks_like_image(path)):
        line = loc.line if loc.line and loc.line > 0 else 1
        end = loc.end_line if loc.end_line and loc.end_line >= line else None
        live_id = f.uid if f.uid.startswith("/subscriptions/") else None
        return Anchor(_file_uri(path, f.uid), line, end, False, live_id)
    uid = f.uid or ""
    live_id = uid or path or f.resource
    if f.target == "azure" or uid.lower().startswith("/subscriptions/"):
        if uid.lower().startswith("/subscriptions/"):
            uri = _segments("azure", uid)
        else:
            scope = path.partition(":")[2] if path.lower().startswith("azure:") else ""
            uri = _segments("azure", "subscriptions" if scope else "", scope, f.kind, uid or f.resource)
        return Anchor(uri, 1, None, True, live_id)
    if f.target == "image":
        ref = path
        for prefix in ("docker://", "docker:"):
            if ref.startswith(prefix):
                ref = ref[len(prefix):]
                # the reference as scanned, not the digest: digests change on every rebuild
                return Anchor(_image_path(ref), 1, None, True, ref)
        if _looks_like_image(ref) and not ref.startswith(("oci:", "oci-archive:", "docker-archive:")):
            return Anchor(_image_path(ref), 1, None, True, ref)
        scheme, _, rest = ref.partition(":")
        name = (rest or uid or f.resource).split("@", 1)[0]
        head, colon, tag = name.rpartition(":")
        if colon and "/" not in tag:  # oci:DIR:tag -> no tag in the path
            name = head
        return Anchor(_segments("container-images", scheme or "local", name), 1, None, True, live_id)
    if f.target == "kubernetes":
        return Anchor(_k8s_path(f, live_cluster(f) or ""), 1, None, True, live_id)
    return Anchor(_segments(f.target or "unknown", path.replace(":", "/"), uid or f.resource), 1, None, True,
                  live_id)

"""End-of-life dates of base images' runtimes and operating systems, as a dated table.

The table (data/eol.yaml) says when it was last reviewed; users extend or override it in config
(`[[tool.auditor.eol]] image = "python", version = "3.9", eol = 2025-10-31`). A version the table
does not know is "unknown", never "supported".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from auditor.imageref import ImageRef


@dataclass(frozen=True, slots=True)
class EolVerdict:
    product: str  # table entry, e.g. python, debian
    version: str  # the matched version key, e.g. 3.8
    eol: dt.date | None  # None: still supported with no date announced
    source: str  # "tag" / "variant" / "os-release"

    def is_eol(self, today: dt.date) -> bool:
        return self.eol is not None and self.eol <= today


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    text = resources.files("auditor").joinpath("data/eol.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def reviewed() -> str:
    return str(_table().get("reviewed", "unknown"))


@lru_cache(maxsize=1)
def _base_products() -> dict[str, dict[str, dt.date | None]]:
    return _products_from(())


def _products(extra: Iterable[Mapping[str, Any]] = ()) -> dict[str, dict[str, dt.date | None]]:
    extra = list(extra)
    return _products_from(extra) if extra else _base_products()


def _products_from(extra: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, dt.date | None]]:
    products: dict[str, dict[str, dt.date | None]] = {}
    for name, versions in _table()["products"].items():
        products[name] = {str(k): v for k, v in (versions or {}).items()}
    for e in extra:
        products.setdefault(_image_key(str(e["image"])), {})[str(e["version"])] = e["eol"]
    return products


def _image_key(image: str) -> str:
    """A config entry's image name as `ImageRef.name` spells it: docker.io/library/python -> python."""
    low = image.strip().lower()
    for prefix in ("docker.io/", "index.docker.io/", "registry-1.docker.io/"):
        if low.startswith(prefix):
            low = low[len(prefix) :]
    return low[len("library/") :] if low.startswith("library/") else low


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    return {str(k): str(v) for k, v in _table().get("images", {}).items()}


@lru_cache(maxsize=1)
def _codenames() -> dict[str, tuple[str, str]]:
    out = {}
    for product, names in _table().get("codenames", {}).items():
        for code, version in names.items():
            out[str(code)] = (str(product), str(version))
    return out


def _match_version(versions: Mapping[str, dt.date | None], text: str) -> str | None:
    """Longest table key that is a dotted prefix of `text` (3.8 matches 3.8.10, not 3.80)."""
    best = None
    for key in versions:
        matches = text == key or text.startswith(key + ".") or text.startswith(key + "-")
        if matches and (best is None or len(key) > len(best)):
            best = key
    return best


_VERSION_RE = re.compile(r"^v?(\d+(?:\.\d+)*)")
_ALPINE_RE = re.compile(r"alpine(\d+\.\d+)")
# an OS release written into a tag part or repository name: ubuntu22.04, debian12, ubi9, centos7, el8
_OS_RE = re.compile(r"^(debian|ubuntu|centos|ubi|rhel|el|rockylinux|rocky|almalinux|alma|fedora|amzn|amazonlinux|"
                    r"oraclelinux|ol)(\d+(?:\.\d+)?)$")
# CUDA and Python builds written into ML image tags: -cuda11.6-, -cu118, -py310 (pytorch/pytorch, rayproject/ray,
# Azure ML images)
_CUDA_PART_RE = re.compile(r"^(?:cuda(\d+(?:\.\d+)*)|cu(\d{2,3}))$")
_PY_PART_RE = re.compile(r"^py(3)(\d{1,2})$")
_OS_PRODUCT = {"ubi": "rhel", "el": "rhel", "rocky": "rockylinux", "alma": "almalinux", "amzn": "amazonlinux",
               "ol": "oraclelinux"}


def product_for(ref: ImageRef) -> str | None:
    aliases = _aliases()
    for key in (short_name(ref), ref.name, ref.repository, ref.last_component):
        if key in aliases:
            return aliases[key]
    return None


_NGC_TAG_RE = re.compile(r"^(\d{2})\.(\d{2})(?:$|[-.])")


def ngc_release_facts(ref: ImageRef) -> dict[str, str]:
    """What an NVIDIA NGC monthly container (tritonserver:20.08-py3) is built on, {"ubuntu": "18.04", "cuda":
    "11.0"}, from the `ngc` table: a listed release, or one between two listed releases that agree."""
    ngc = _table().get("ngc") or {}
    if ref.name not in [str(i) for i in ngc.get("images", ())]:
        return {}
    m = _NGC_TAG_RE.match(ref.tag or "")
    if not m:
        return {}
    release = (int(m.group(1)), int(m.group(2)))
    known = sorted(((int(k[:2]), int(k[3:5])), v) for k, v in (ngc.get("releases") or {}).items())
    out: dict[str, str] = {}
    for field in ("ubuntu", "cuda"):
        rows = [(r, str(v[field])) for r, v in known if field in v]
        before = [v for r, v in rows if r <= release]
        after = [v for r, v in rows if r >= release]
        if before and after and before[-1] == after[0]:
            out[field] = before[-1]
    return out


def image_verdicts(ref: ImageRef, extra: Iterable[Mapping[str, Any]] = ()) -> list[EolVerdict]:
    """Every EOL fact the reference's tag reveals: the runtime version and the OS variant (for NVIDIA NGC
    monthly containers, the Ubuntu and CUDA their release notes name)."""
    products = _products(extra)
    out: list[EolVerdict] = []
    for pname, version in ngc_release_facts(ref).items():
        key = _match_version(products.get(pname, {}), version)
        if key is not None:
            out.append(EolVerdict(pname, key, products[pname][key], "release notes"))
    if out:
        return out
    tag = ref.tag or ""
    product = product_for(ref)
    if product is None and ref.last_component in products:
        product = ref.last_component
    extra_names = {_image_key(str(e["image"])) for e in extra}
    for name in (short_name(ref), ref.name, ref.last_component):
        if name in extra_names:
            product = name
    if product and product in products:
        m = _VERSION_RE.match(tag)
        if m:
            key = _match_version(products[product], m.group(1))
            if key is not None:
                out.append(EolVerdict(product, key, products[product][key], "tag"))
        elif product in ("debian", "ubuntu"):
            code = tag.split("-")[0]
            cn = _codenames().get(code)
            if cn:
                out.append(EolVerdict(cn[0], cn[1], products[cn[0]].get(cn[1]), "tag"))
    # OS variant in the tag (-bookworm, -buster, -alpine3.15, -jammy, -ubuntu22.04, -ubi9) or in the
    # repository name (distroless python3-debian12, ubi8/ubi-minimal)
    parts = re.split(r"[-_]", tag) if tag else []
    parts += [p for c in ref.repository.split("/") for p in c.split("-")]
    for part in parts:
        part = part.lower()
        cn = _codenames().get(part)
        if cn and not any(v.product == cn[0] for v in out):
            out.append(EolVerdict(cn[0], cn[1], products[cn[0]].get(cn[1]), "variant"))
        am = _ALPINE_RE.match(part)
        if am and "alpine" in products and not any(v.product == "alpine" for v in out):
            key = _match_version(products["alpine"], am.group(1))
            if key is not None:
                out.append(EolVerdict("alpine", key, products["alpine"][key], "variant"))
        for product, version in _ml_variant(part):
            if product in products and not any(v.product == product for v in out):
                key = _match_version(products[product], version)
                if key is not None:
                    out.append(EolVerdict(product, key, products[product][key], "variant"))
        om = _OS_RE.match(part)
        if om:
            pname = _OS_PRODUCT.get(om.group(1), om.group(1))
            if pname in products and not any(v.product == pname for v in out):
                key = _match_version(products[pname], om.group(2))
                if key is not None:
                    out.append(EolVerdict(pname, key, products[pname][key], "variant"))
    return out


def _ml_variant(part: str) -> list[tuple[str, str]]:
    """(product, version) a tag part names: cuda11.6 / cu118 -> cuda 11.6 / 11.8, py310 -> python 3.10."""
    cm = _CUDA_PART_RE.match(part)
    if cm:
        if cm.group(1):
            return [("cuda", cm.group(1))]
        digits = cm.group(2)
        return [("cuda", f"{digits[:-1]}.{digits[-1]}")]
    pm = _PY_PART_RE.match(part)
    if pm:
        return [("python", f"{pm.group(1)}.{pm.group(2)}")]
    return []


def os_verdict(os_id: str, version_id: str, extra: Iterable[Mapping[str, Any]] = ()) -> EolVerdict | None:
    """EOL fact for an /etc/os-release (ID, VERSION_ID) pair, for built images."""
    products = _products(extra)
    pid = os_id.lower()
    if pid not in products:
        return None
    key = _match_version(products[pid], version_id)
    if key is None:
        return None
    return EolVerdict(pid, key, products[pid][key], "os-release")


def short_name(ref: ImageRef) -> str:
    """The name as Docker Hub users write it, also when the registry is spelled out:
    docker.io/library/python -> python, docker.io/bitnami/redis -> bitnami/redis."""
    if ref.registry == "docker.io":
        repo = ref.repository
        return repo[len("library/") :] if repo.startswith("library/") else repo
    return ref.name

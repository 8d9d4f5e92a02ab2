"""Image collector: `docker-archive:`, `oci:`, `oci-archive:` and `docker://` targets -> one `Image` each.

The resource's identity (uid) is the registry and repository without tag or digest, so findings
keep their fingerprints across rebuilds; the tag, digests and the source go in `extra`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from auditor.imageref import parse_image
from auditor.images import ImageError, Limits
from auditor.images.facts import facts_for
from auditor.images.registry import open_registry
from auditor.images.sources import Resolved, open_local
from auditor.loaders import LoadResult
from auditor.model import InputError, Location, Resource

TARGET = "image"


def collect(ref: str, options: Mapping[str, Any]) -> LoadResult:
    """Read the image(s) `ref` names; every failure becomes an input error, never an exception."""
    scheme = str(options.get("scheme") or "docker")
    result = LoadResult()
    display = f"docker://{ref.lstrip('/')}" if scheme == "docker" else ref
    images: list[Resolved] = []
    try:
        limits = Limits.from_options(options)
        if scheme == "docker":
            images = open_registry(ref, options, limits)
        else:
            images, display = open_local(scheme, ref, options, limits)
        for img in images:
            try:
                facts = facts_for(img, limits)
            except ImageError as exc:
                result.errors.append(InputError(display, _where(img) + str(exc), TARGET))
                continue
            except Exception as exc:  # a malformed image must not take the scan down
                result.errors.append(InputError(display, f"{_where(img)}cannot read image: {type(exc).__name__}: {exc}",
                                                TARGET))
                continue
            result.resources.append(to_resource(facts, img, scheme, display))
    except ImageError as exc:
        result.errors.append(InputError(display, str(exc), TARGET))
    except Exception as exc:  # noqa: BLE001 - bad input becomes an input error, never a crash
        result.errors.append(InputError(display, f"cannot read image: {type(exc).__name__}: {exc}", TARGET))
    finally:
        for img in images:
            for done in img.cleanup:
                done()
    return result


def _where(img: Resolved) -> str:
    return f"{img.name}: " if img.name else ""


def to_resource(facts: dict[str, Any], img: Resolved, scheme: str, display: str) -> Resource:
    tag = None
    if img.name:
        parsed = parse_image(img.name)
        name = parsed.name
        uid = f"image:{parsed.identity}"
        tag = parsed.tag
    else:
        stem = Path(display).name or display
        name = stem
        uid = f"image:{display}"
    extra = {"tag": tag, "source": scheme, "reference": display if scheme != "docker" else display,
             "manifest_digest": img.manifest_digest, "config_digest": img.config_digest, "platform": img.platform}
    return Resource(target=TARGET, kind="Image", name=name, location=Location(display, None), uid=uid,
                    origin="live" if scheme == "docker" else "file", extra=extra, _data=facts)

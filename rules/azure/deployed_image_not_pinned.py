"""AZ004 image-not-pinned."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from auditor.api import Context, NotApplicable, NotAssessed, Resource, Violation, rule
from auditor.azure import (
    ACI,
    CONTAINER_APP,
    CONTAINER_JOB,
    SITE,
    SITE_CONFIG,
    SITE_SLOT,
    Unresolved,
    find,
    is_kind,
    items,
)
from auditor.imageref import parse_image
from auditor.model import PathKey


def _images(res: Resource) -> Iterator[tuple[str, Any, tuple[PathKey, ...]]]:
    if is_kind(res, ACI):
        containers, base = find(res, "properties.containers", resolve=False)
        for i, c in enumerate(items(containers)):
            image, path = find(c, "properties.image", resolve=False)
            yield f"container {find(c, 'name', resolve=False)[0]}", image, (*base, i, *path)
        inits, base = find(res, "properties.initContainers", resolve=False)
        for i, c in enumerate(items(inits)):
            image, path = find(c, "properties.image", resolve=False)
            yield f"init container {find(c, 'name', resolve=False)[0]}", image, (*base, i, *path)
    elif is_kind(res, CONTAINER_APP, CONTAINER_JOB):
        for key in ("containers", "initContainers"):
            containers, base = find(res, f"properties.template.{key}", resolve=False)
            for i, c in enumerate(items(containers)):
                image, path = find(c, "image", resolve=False)
                yield f"container {find(c, 'name', resolve=False)[0]}", image, (*base, i, *path)
    else:
        prefix = "properties" if is_kind(res, SITE_CONFIG) else "properties.siteConfig"
        for key in ("linuxFxVersion", "windowsFxVersion"):
            value, path = find(res, f"{prefix}.{key}", resolve=False)
            if isinstance(value, str) and value.upper().startswith("DOCKER|"):
                yield key, value[7:], path
        # live sites (Resource Graph) carry them as name/value pairs in siteProperties
        pairs, base = find(res, "properties.siteProperties.properties", resolve=False)
        for i, pair in enumerate(items(pairs)):
            name, value = find(pair, "name", resolve=False)[0], find(pair, "value", resolve=False)[0]
            if str(name).lower() in ("linuxfxversion", "windowsfxversion") and isinstance(value, str) \
                    and value.upper().startswith("DOCKER|"):
                yield str(name), value[7:], (*base, i)


@rule(
    code="AZ004",
    name="deployed-image-not-pinned",
    title="Deployed container image is not pinned to a version",
    controls=["REPRO-IMAGE-PINNED"],
    target="azure",
    kinds=(ACI, CONTAINER_APP, CONTAINER_JOB, SITE, SITE_SLOT, SITE_CONFIG),
    rationale=(
        "An image without a tag, or tagged latest, changes under the deployment: a restart pulls whatever was "
        "pushed last, so the model that serves is not the one that was tested, and a rollback has nothing to "
        "return to."
    ),
    remediation=(
        "Reference an immutable version, ideally a digest:\n\n"
        '```json\n"image": "myacr.azurecr.io/scorer:1.4.2@sha256:3f1c..."\n```'
    ),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """Every image of an ACI container group (containers and init containers), a Container App or job, or an App
    Service `DOCKER|image` linuxFxVersion/windowsFxVersion needs a tag other than latest, or a digest.
    An image given by an unresolvable expression is not assessed."""
    found = False
    unresolved: list[str] = []
    for label, image, path in _images(res):
        found = True
        if isinstance(image, Unresolved):
            unresolved.append(f"{label}: {image.reason}")
            continue
        if not isinstance(image, str) or not image.strip():
            continue
        ref = parse_image(image)
        if not ref.pinned:
            why = "tagged latest" if ref.tag else "has no tag or digest"
            yield Violation(f"{label} image {ref.name} {why}", path=path)
    if not found:
        raise NotApplicable()
    if unresolved:
        raise NotAssessed("; ".join(unresolved))

"""K8S002 image-not-pinned."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.api import Context, NotAssessed, Resource, Violation, rule
from auditor.imageref import parse_image
from auditor.k8s import CONTAINER_KINDS, containers, require_pod_spec

_REFERENCE_RE = re.compile(r"^[a-z0-9]([a-z0-9._/-]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9._-]+)*(:[\w][\w.-]{0,127})?"
                           r"(@[a-z0-9]+:[0-9a-fA-F]{32,})?$")


def _valid_reference(image: str) -> bool:
    """A syntactically valid image reference (lower-case repository, no spaces). `IMAGE_NAME` or
    `FILLED BY THE OPERATOR` are placeholders a tool or operator replaces, not images to judge."""
    ref = image.strip()
    registry, _, rest = ref.partition("/")
    if rest and ("." in registry or ":" in registry or registry == "localhost"):
        ref = registry.lower() + "/" + rest  # registry host names are case-insensitive
    return bool(_REFERENCE_RE.match(ref))


@rule(
    code="K8S002",
    name="image-not-pinned",
    title="Container image is not pinned to a version or digest",
    controls=["REPRO-IMAGE-PINNED"],
    target="kubernetes",
    kinds=CONTAINER_KINDS,
    rationale=(
        "An image without a tag, or tagged `latest`, is whatever the registry holds when the node pulls it: two "
        "replicas of one Deployment can run different code, and a rollback cannot bring the old version back."
    ),
    remediation=(
        "Reference an explicit version tag, ideally with its digest:\n\n"
        "```yaml\ncontainers:\n  - name: scorer\n"
        "    image: myacr.azurecr.io/ml/scorer:1.4.0@sha256:<digest>\n```"
    ),
    references=("https://kubernetes.io/docs/concepts/containers/images/#image-names",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """Every container (init and ephemeral included) names an image with a tag other than `latest`, or a
    digest. A registry port is not a tag (`host:5000/app` is unpinned). An image that is missing, an
    unexpanded placeholder (`$(IMAGE)`, `${TAG}`) or not a valid reference at all (`IMAGE_NAME`, `FILLED BY
    THE OPERATOR`) cannot be judged: NOT_ASSESSED when nothing else fails."""
    require_pod_spec(res, ctx.inventory)
    found: list[Violation] = []
    unresolved = []
    for c in containers(res):
        image = c.data.get("image")
        path = (*c.path, "image") if "image" in c.data else c.path
        if not isinstance(image, str) or not image.strip():
            unresolved.append(c.label)
            continue
        if "$" in image or "{{" in image or image.strip().startswith("<") or not _valid_reference(image):
            unresolved.append(c.label)
            continue
        ref = parse_image(image)
        if ref.digest is not None:
            continue
        if ref.tag is None:
            found.append(Violation(f"{c.label} image {image!r} has no tag: it resolves to `latest`", path=path,
                                   evidence=image))
        elif ref.tag.lower() == "latest":
            found.append(Violation(f"{c.label} image {image!r} uses the moving `latest` tag", path=path,
                                   evidence=image))
    if unresolved and not found:
        raise NotAssessed(f"image of {', '.join(unresolved)} is missing or a placeholder")
    yield from found

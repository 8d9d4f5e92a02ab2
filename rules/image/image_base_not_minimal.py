"""IMG005 image-base-not-minimal."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, NotAssessed, Resource, Violation, rule
from auditor.images.judge import image_facts


@rule(
    code="IMG005",
    name="image-base-not-minimal",
    title="Image is built on a full OS rather than a minimal base",
    controls=["CONT-MINIMAL-BASE"],
    target="image",
    kinds=["Image"],
    rationale=(
        "Every package in the runtime image is attack surface, scanner noise and pull time. A runtime needs its "
        "interpreter and libraries, not compilers, documentation and a full distribution: slim, alpine, "
        "distroless, chiseled or scratch bases carry a fraction of the CVEs."
    ),
    remediation=(
        "Build in a full image and copy the result into a minimal runtime stage:\n\n"
        "```dockerfile\nFROM python:3.12 AS build\nRUN pip wheel --wheel-dir /wheels -r requirements.txt\n\n"
        "FROM python:3.12-slim\nCOPY --from=build /wheels /wheels\nRUN pip install --no-cache-dir /wheels/*\n```"
    ),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """The image's filesystem classifies as scratch, distroless, alpine-like or slim: judged from its OS release,
    shells, package managers, package count, dpkg documentation excludes and build toolchain."""
    facts = image_facts(res)
    cls = facts.get("classification")
    if not isinstance(cls, dict) or "minimal" not in cls:
        raise NotAssessed("the image could not be classified")
    if cls["minimal"]:
        return
    os_info = facts.get("os") or {}
    what = os_info.get("pretty_name") or os_info.get("id") or "an unidentified OS"
    pkgs = (facts.get("packages") or {}).get("count")
    count = f", {pkgs} packages" if isinstance(pkgs, int) else ""
    yield Violation(f"image is a full {what} userland{count}: " + "; ".join(cls.get("reasons") or []),
                    path=("classification",))

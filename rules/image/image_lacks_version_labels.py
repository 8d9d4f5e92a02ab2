"""IMG009 image-lacks-version-labels."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.images.judge import image_facts

# OCI annotation -> the older label-schema.org equivalent also accepted
WANTED = {
    "org.opencontainers.image.version": "org.label-schema.version",
    "org.opencontainers.image.revision": "org.label-schema.vcs-ref",
    "org.opencontainers.image.source": "org.label-schema.vcs-url",
}


@rule(
    code="IMG009",
    name="image-lacks-version-labels",
    title="Image lacks version, revision or source labels",
    controls=["REPRO-TRACEABLE"],
    target="image",
    kinds=["Image"],
    rationale=(
        "When a model server misbehaves, the first question is which code and which build is running. OCI "
        "labels for version, revision (commit) and source repository answer it from the image itself, and "
        "link registry, scanner and SBOM findings back to a commit."
    ),
    remediation=(
        "Set the labels at build time from CI:\n\n"
        "```dockerfile\nARG VERSION REVISION\nLABEL org.opencontainers.image.version=$VERSION \\\n"
        "      org.opencontainers.image.revision=$REVISION \\\n"
        "      org.opencontainers.image.source=https://github.com/acme/scorer\n```"
    ),
    references=("https://github.com/opencontainers/image-spec/blob/main/annotations.md",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """Labels org.opencontainers.image.version, .revision and .source are set and not empty (the older
    org.label-schema.* equivalents are accepted)."""
    facts = image_facts(res)
    labels = (facts.get("config") or {}).get("Labels") or {}
    missing = [k for k, alt in WANTED.items() if not str(labels.get(k) or labels.get(alt) or "").strip()]
    if missing:
        yield Violation("image lacks label(s) " + ", ".join(missing), path=("config", "Labels"))

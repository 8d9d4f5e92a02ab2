"""DF001 base-image-unpinned."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, NotAssessed, Resource, Violation, rule
from auditor.dockerfile import DockerfileModel
from auditor.imageref import parse_image


@rule(
    code="DF001",
    name="base-image-unpinned",
    title="Base image is not pinned to a version tag or digest",
    controls=["REPRO-BASE-PINNED"],
    target="dockerfile",
    rationale=(
        "A FROM without a tag, or with `latest`, builds from whatever the registry serves that day: two builds of "
        "the same commit can ship different operating systems, runtimes and vulnerabilities."
    ),
    remediation=(
        "Name an explicit version tag, ideally with its digest:\n\n"
        "```dockerfile\nFROM python:3.12-slim@sha256:<digest>\n```"
    ),
    references=("https://docs.docker.com/build/building/best-practices/#pin-base-image-versions",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """Every FROM of every stage names a tag other than `latest`, or a digest. `scratch` and references
    to earlier stages are fine. A base built from an ARG without a default cannot be judged."""
    model: DockerfileModel = res.data
    unresolved = []
    for stage in model.stages:
        if stage.from_stage is not None or stage.is_scratch:
            continue
        if stage.base_resolved is None:
            unresolved.append(stage)
            continue
        ref = parse_image(stage.base_resolved)
        if not ref.pinned:
            what = "`latest`" if ref.tag else "no tag"
            yield Violation(
                f"stage {stage.index}{f' ({stage.alias})' if stage.alias else ''} builds FROM "
                f"{stage.base_resolved} with {what}",
                line=stage.line,
                path=("stages", stage.index, "FROM"),
            )
    if unresolved and len(unresolved) == len([s for s in model.stages if s.from_stage is None and not s.is_scratch]):
        raise NotAssessed(f"base image {unresolved[0].base} depends on a build argument with no default")

"""DF001 base-image-unpinned."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, NotAssessed, Resource, Violation, rule
from auditor.dockerfile import DockerfileModel, run_mounts, substitute
from auditor.imageref import parse_image


@rule(
    code="DF001",
    name="base-image-unpinned",
    title="Base image is not pinned to a version tag or digest",
    controls=["REPRO-BASE-PINNED"],
    target="dockerfile",
    rationale=(
        "A FROM without a tag, or with `latest`, builds from whatever the registry serves that day: two builds of "
        "the same commit can ship different operating systems, runtimes and vulnerabilities. The same holds for "
        "images copied from with `COPY --from=image` or mounted with `RUN --mount=from=image`."
    ),
    remediation=(
        "Name an explicit version tag, ideally with its digest:\n\n"
        "```dockerfile\nFROM python:3.12-slim@sha256:<digest>\nCOPY --from=ghcr.io/astral-sh/uv:0.5.4 /uv /bin/uv\n```"
    ),
    references=("https://docs.docker.com/build/building/best-practices/#pin-base-image-versions",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """Every FROM of every stage names a tag other than `latest`, or a digest. `scratch` and references
    to earlier stages are fine. A base built from an ARG without a default cannot be judged. Images used
    directly by `COPY --from=` and `RUN --mount=from=` (not stage names) are held to the same standard."""
    model: DockerfileModel = res.data
    found = list(_violations(model))
    if found:
        yield from found
        return
    unresolved = [s for s in model.stages if s.from_stage is None and not s.is_scratch and s.base_resolved is None]
    if unresolved and len(unresolved) == len([s for s in model.stages if s.from_stage is None and not s.is_scratch]):
        raise NotAssessed(f"base image {unresolved[0].base} depends on a build argument with no default")


def _violations(model: DockerfileModel) -> Iterator[Violation]:
    for stage in model.stages:
        if stage.from_stage is not None or stage.is_scratch:
            continue
        if stage.base_resolved is None:
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
    for idx, inst in enumerate(model.instructions):
        sources: list[str] = []
        if inst.cmd in ("COPY", "ADD") and "from" in inst.flags:
            sources.append(inst.flags["from"])
        elif inst.cmd == "RUN":
            sources.extend(m["from"] for m in run_mounts(inst) if m.get("from"))
        for src in sources:
            image, ok = substitute(src, model.global_args)
            if not ok or image.isdigit() or image.lower() == "scratch":
                continue
            if any(s.alias and s.alias.lower() == image.lower() for s in model.stages[: max(inst.stage, 0)]):
                continue
            if not any(c in image for c in "/:.@") and model.stage_by_name(image) is not None:
                continue  # a stage name (used out of order: Docker resolves it anyway)
            ref = parse_image(image)
            if not ref.pinned:
                what = "`latest`" if ref.tag else "no tag"
                yield Violation(
                    f"{inst.cmd} on line {inst.line} uses image {image} with {what}",
                    line=inst.line,
                    path=("instructions", idx),
                )

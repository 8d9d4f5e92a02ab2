"""DF004 oci-labels-missing."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Params, Resource, Violation, rule
from auditor.dockerfile import DockerfileModel, chain_instructions, env_pairs, stage_label

# the OCI annotation and its older label-schema.org equivalent
REQUIRED: dict[str, tuple[str, ...]] = {
    "org.opencontainers.image.version": ("org.label-schema.version",),
    "org.opencontainers.image.revision": ("org.label-schema.vcs-ref",),
    "org.opencontainers.image.source": ("org.label-schema.vcs-url", "org.opencontainers.image.url"),
}


class DF004Params(Params):
    required: tuple[str, ...] = tuple(REQUIRED)  # label keys the final image must carry


@rule(
    code="DF004",
    name="oci-labels-missing",
    title="Image carries no version, revision or source label",
    controls=["REPRO-TRACEABLE"],
    target="dockerfile",
    params=DF004Params,
    rationale=(
        "Without org.opencontainers.image.version, .revision and .source nobody can tell from a running image "
        "which release and commit it was built from, or where its source lives: incident response, rollbacks "
        "and vulnerability triage start with guesswork."
    ),
    remediation=(
        "Set the labels from build arguments in the final stage (or pass `--label` / docker/metadata-action):\n\n"
        "```dockerfile\nARG VERSION=dev\nARG GIT_SHA=unknown\nLABEL org.opencontainers.image.version=$VERSION \\\n"
        "      org.opencontainers.image.revision=$GIT_SHA \\\n"
        "      org.opencontainers.image.source=https://github.com/org/repo\n```"
    ),
    references=("https://github.com/opencontainers/image-spec/blob/main/annotations.md",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """The final image (its stage and the stages it is built FROM) sets the OCI labels
    org.opencontainers.image.version, .revision and .source (label-schema.org equivalents count; the
    `required` parameter changes the list). A value
    taken from a build argument counts; an empty literal does not."""
    model: DockerfileModel = res.data
    params: DF004Params = ctx.params if isinstance(ctx.params, DF004Params) else DF004Params()
    final = model.final_stage
    if final is None:
        return
    labels: dict[str, str] = {}
    for _, inst in chain_instructions(model):
        if inst.cmd == "LABEL":
            for k, v in env_pairs(inst):
                labels[k.strip("\"'")] = v
    missing = [
        key for key in params.required
        if not any(labels.get(k, "").strip() for k in (key, *REQUIRED.get(key, ())))
    ]
    if missing:
        yield Violation(
            f"the final image ({stage_label(final)}) has no label {', '.join(missing)}",
            line=final.line,
            path=("stages", final.index, "FROM"),
        )

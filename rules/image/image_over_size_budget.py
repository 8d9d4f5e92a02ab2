"""IMG007 image-over-size-budget."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, NotAssessed, Params, Resource, Violation, rule
from auditor.images.judge import human_bytes, image_facts, layer_note


class SizeParams(Params):
    max_bytes: int = 1024**3


@rule(
    code="IMG007",
    name="image-over-size-budget",
    title="Image is over its size budget",
    controls=["EFF-IMAGE-SIZE"],
    target="image",
    kinds=["Image"],
    params=SizeParams,
    rationale=(
        "Large images pull slowly, cold-start slowly when a node scales out, and cost registry storage and "
        "egress. Model weights and datasets baked into an image are the usual cause: they belong in storage "
        "or a volume mounted at run time."
    ),
    remediation=(
        "Keep weights out of the image (download them at start-up or mount them), use a slim base, and "
        "multi-stage builds so build-only content stays behind:\n\n"
        "```yaml\nvolumes:\n  - name: model\n    persistentVolumeClaim: {claimName: model-weights}\n```"
    ),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """The image's uncompressed size (the sum of its layers' file contents, deleted and shadowed files
    included, since they are still pulled) is at most `max_bytes` (default 1 GiB)."""
    facts = image_facts(res)
    params: SizeParams = ctx.params
    size = facts.get("size") or {}
    total = size.get("total_bytes")
    if not isinstance(total, int):
        raise NotAssessed("the image's size is unknown")
    if total <= params.max_bytes:
        return
    layers = sorted((lf for lf in facts.get("layers") or [] if isinstance(lf.get("size"), int)),
                    key=lambda lf: -int(lf["size"]))[:3]
    biggest = "; ".join(f"{layer_note(facts, lf.get('index'))}: {human_bytes(int(lf['size']))}" for lf in layers)
    yield Violation(f"image is {human_bytes(total)} uncompressed, over the {human_bytes(params.max_bytes)} budget",
                    path=("size", "total_bytes"), evidence=f"largest layers: {biggest}")

"""IMG008 image-ships-package-caches."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.images.judge import human_bytes, image_facts, layer_note, with_origin


@rule(
    code="IMG008",
    name="image-ships-package-caches",
    title="Image ships package-manager caches",
    controls=["EFF-BUILD-HYGIENE"],
    target="image",
    kinds=["Image"],
    rationale=(
        "apt lists, downloaded .debs, pip, npm and apk caches are only useful during the build. Left in a layer "
        "they add tens to hundreds of megabytes to every pull, and stale apt lists invite `apt-get install` "
        "inside running containers. Deleting them in a later layer does not help: clean in the same RUN."
    ),
    remediation=(
        "Clean caches in the same RUN that fills them, or use cache mounts:\n\n"
        "```dockerfile\nRUN apt-get update && apt-get install -y --no-install-recommends curl \\\n"
        "    && rm -rf /var/lib/apt/lists/*\nRUN pip install --no-cache-dir -r requirements.txt\n```"
    ),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """The final filesystem holds no apt lists, apt archives, apk, pip, npm, yarn or dnf/yum cache files."""
    facts = image_facts(res)
    for c in facts.get("caches") or []:
        if not c.get("files"):
            continue
        layers = c.get("layers") or []
        where = layer_note(facts, layers[0]) if layers else "an unknown layer"
        yield Violation(f"{c.get('kind')} left in /{c.get('path')}: {c.get('files')} files, "
                        f"{human_bytes(int(c.get('bytes') or 0))}, from {where}", path=("caches",),
                        evidence=with_origin(None, res, ctx.inventory, facts, layers[0] if layers else None))

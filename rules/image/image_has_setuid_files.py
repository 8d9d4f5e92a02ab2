"""IMG004 image-has-setuid-files."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator

from auditor.api import Context, Params, Resource, Violation, rule
from auditor.images.judge import image_facts, layer_note, with_origin


class SetuidParams(Params):
    allow: tuple[str, ...] = ()  # paths or globs (without the leading /) allowed to keep the bit


@rule(
    code="IMG004",
    name="image-has-setuid-files",
    title="Image carries setuid or setgid files",
    controls=["CONT-NO-SETUID"],
    target="image",
    kinds=["Image"],
    params=SetuidParams,
    rationale=(
        "A setuid or setgid binary runs with its owner's or group's rights whoever starts it: it is how a "
        "compromised unprivileged process becomes root inside the container. Services never need `su`, "
        "`passwd`, `mount` or `newgrp`."
    ),
    remediation=(
        "Drop the bits in the final stage (or remove the binaries), and allow-list the few that are needed:\n\n"
        "```dockerfile\nRUN find / -xdev -perm /6000 -type f -exec chmod a-s {} + || true\n```\n\n"
        "```toml\n[tool.auditor.params.IMG004]\nallow = [\"usr/bin/ping\"]\n```"
    ),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """No regular file of the final filesystem has the setuid or setgid bit, except the allow-listed paths."""
    facts = image_facts(res)
    params: SetuidParams = ctx.params
    for f in facts.get("setuid_files") or []:
        path = str(f.get("path"))
        if any(fnmatch.fnmatchcase(path, p.lstrip("/")) for p in params.allow):
            continue
        bits = " and ".join(b for b, on in (("setuid", f.get("setuid")), ("setgid", f.get("setgid"))) if on)
        yield Violation(f"/{path} is {bits} (mode {f.get('mode')}), from {layer_note(facts, f.get('layer'))}",
                        path=("setuid_files",), evidence=with_origin(None, res, ctx.inventory, facts, f.get("layer")))

"""DF010 unsupported-base-image."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from auditor.api import Context, NotAssessed, Resource, Violation, rule
from auditor.dockerfile import DockerfileModel, stage_chain
from auditor.eol import image_verdicts
from auditor.imageref import parse_image


def _date(v: object) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str) and v.strip():
        return dt.date.fromisoformat(v.strip()[:10])
    return None


def _extra(settings: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for e in settings.get("eol") or ():
        if isinstance(e, Mapping) and "image" in e and "version" in e:
            out.append({"image": e["image"], "version": e["version"], "eol": _date(e.get("eol"))})
    return out


@rule(
    code="DF010",
    name="unsupported-base-image",
    title="Base image runtime or OS is end-of-life",
    controls=["CONT-SUPPORTED-BASE"],
    target="dockerfile",
    rationale=(
        "Once a runtime (python 3.8, node 18) or distribution (debian buster, alpine 3.18) reaches end of life "
        "it gets no security fixes: every new CVE in it stays open in your image for good, and scanners "
        "start flagging findings nobody can fix by rebuilding."
    ),
    remediation=(
        "Move the final image's base to a supported release:\n\n"
        "```dockerfile\n# was: FROM python:3.8-slim-buster\nFROM python:3.12-slim-bookworm\n```\n\n"
        "Dates come from the table in auditor/data/eol.yaml; add or override entries with "
        "`[[tool.auditor.eol]]` in the configuration."
    ),
    references=("https://endoflife.date/",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """The base image of the final image (the final stage followed through stage aliases) runs a runtime
    and OS whose end-of-life date, from the EOL table plus configured entries, is after today. An image
    whose version the table does not know, or an untagged/`latest` image, is not assessed; `scratch` has
    nothing to expire."""
    model: DockerfileModel = res.data
    chain = stage_chain(model)
    if not chain:
        return
    root = chain[-1]
    if root.is_scratch:
        return
    if root.base_resolved is None:
        raise NotAssessed(f"the final image's base {root.base} depends on a build argument with no default")
    today = _date(ctx.settings.get("today")) or dt.date.today()
    ref = parse_image(root.base_resolved)
    verdicts = image_verdicts(ref, _extra(ctx.settings))
    if not verdicts:
        raise NotAssessed(f"no end-of-life data for {root.base_resolved} (unknown image or version)")
    for v in verdicts:
        if v.is_eol(today):
            yield Violation(
                f"the final image is based on {root.base_resolved}: {v.product} {v.version} reached end of life "
                f"on {v.eol}",
                line=root.line,
                path=("stages", root.index, "FROM"),
            )

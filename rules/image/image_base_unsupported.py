"""IMG006 image-base-unsupported."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from auditor.api import Context, NotAssessed, Params, Resource, Violation, rule
from auditor.eol import os_verdict
from auditor.images.judge import build_date, image_facts


class SupportedBaseParams(Params):
    max_age_days: int = 90


@rule(
    code="IMG006",
    name="image-base-unsupported",
    title="Image's OS is end-of-life or the image is stale",
    controls=["CONT-SUPPORTED-BASE"],
    target="image",
    kinds=["Image"],
    params=SupportedBaseParams,
    rationale=(
        "An end-of-life distribution gets no security fixes: every new CVE in its libc, OpenSSL or Python "
        "stays open for good. An image not rebuilt for months ships months of fixed vulnerabilities even on a "
        "supported base."
    ),
    remediation=(
        "Move to a supported release of the base and rebuild on a schedule (e.g. weekly) so patched base "
        "layers reach production:\n\n```dockerfile\nFROM debian:12-slim\n```\n\n"
        "```toml\n[tool.auditor.params.IMG006]\nmax_age_days = 30\n```"
    ),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """The OS named by the image's os-release, and the language runtime official images announce in Env
    (PYTHON_VERSION, NODE_VERSION, ...) or a /usr/bin/pythonX.Y, are not end-of-life on the scan date
    (auditor's EOL table plus config entries), and the image was built within `max_age_days`. An OS the table does not know, or a
    missing or reproducible-build (1970) date, is not assessed unless something else fails."""
    facts = image_facts(res)
    params: SupportedBaseParams = ctx.params
    today = ctx.settings.get("today") or dt.date.today()
    unknown: list[str] = []
    os_info = facts.get("os")
    failed = False
    if isinstance(os_info, dict) and os_info.get("id"):
        verdict = os_verdict(str(os_info["id"]), str(os_info.get("version_id") or ""), ctx.settings.get("eol") or ())
        name = os_info.get("pretty_name") or f"{os_info['id']} {os_info.get('version_id', '')}".strip()
        if verdict is None:
            unknown.append(f"{name} is not in the end-of-life table")
        elif verdict.is_eol(today):
            failed = True
            yield Violation(f"{name} reached end of life on {verdict.eol}: no more security updates",
                            path=("os",), evidence=f"{verdict.product} {verdict.version} EOL {verdict.eol}")
    elif (facts.get("classification") or {}).get("kind") != "scratch":
        unknown.append("the image has no /etc/os-release")
    for rt in facts.get("runtimes") or []:
        verdict = os_verdict(str(rt.get("product")), str(rt.get("version")), ctx.settings.get("eol") or ())
        label = f"{rt.get('product')} {rt.get('version')} ({rt.get('source')})"
        if verdict is None:
            unknown.append(f"{label} is not in the end-of-life table")
        elif verdict.is_eol(today):
            failed = True
            yield Violation(f"{label} reached end of life on {verdict.eol}: no more security updates",
                            path=("runtimes",), evidence=f"{verdict.product} {verdict.version} EOL {verdict.eol}")
    built = build_date(facts)
    if built is None:
        unknown.append("the image records no usable build date")
    else:
        age = (today - built).days
        if age > params.max_age_days:
            failed = True
            yield Violation(f"image was built {age} days ago ({built}), over the {params.max_age_days}-day limit: "
                            "rebuild it on a patched base", path=("created",))
    if unknown and not failed:
        raise NotAssessed("; ".join(unknown))

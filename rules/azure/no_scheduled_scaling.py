"""AZ030 no-scheduled-scaling."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Passed, Violation, rule
from auditor.azure import AUTOSCALE, absent, enabled, items, need, of_kind, prop
from auditor.inventory import Inventory


@rule(
    code="AZ030",
    name="no-scheduled-scaling",
    title="No autoscale profile follows a schedule",
    controls=["SCALE-SCHEDULED"],
    target="azure",
    scope="estate",
    rationale=(
        "Where traffic follows the clock (office hours, nightly batches), scaling on a schedule adds capacity "
        "before the peak instead of after the first slow requests, and removes it when nobody uses it."
    ),
    remediation=(
        "Add a recurrence profile to the autoscale setting:\n\n"
        '```json\n"profiles": [ { "name": "business-hours", "capacity": { "minimum": "3", "maximum": "10", "default": "3" },\n'
        '  "recurrence": { "frequency": "Week", "schedule": { "timeZone": "UTC", "days": ["Monday"],\n'
        '    "hours": [7], "minutes": [0] } }, "rules": [] } ]\n```'
    ),
)
def check(inv: Inventory, ctx: Context) -> Iterator[Violation | Passed]:
    """Passes when an enabled autoscale setting has a profile with a recurrence or fixedDate. Templates with
    no autoscale setting are not assessed; a live estate without one fails."""
    need(inv, "resources")
    settings = of_kind(inv, AUTOSCALE)
    for s in settings:
        if not enabled(prop(s, "properties.enabled")):
            continue
        if any(prop(p, "recurrence") or prop(p, "fixedDate") for p in items(prop(s, "properties.profiles"))):
            yield Passed(s, "autoscale setting with a scheduled profile")
            return
    if not settings:
        na = absent(inv, "autoscale setting", scoped=True)
        if na:
            raise na
    yield Violation(f"no enabled autoscale setting has a recurrence profile ({len(settings)} setting(s) found)")

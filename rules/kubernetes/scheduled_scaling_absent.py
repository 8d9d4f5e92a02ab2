"""K8S032 scheduled-scaling-absent."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.api import Context, NotApplicable, Passed, Violation, rule
from auditor.inventory import Inventory
from auditor.k8s import SERVING_KINDS, as_list, containers, get, require_listed

_SCALE_CMD_RE = re.compile(r"kubectl\s+(scale|patch\s+(hpa|horizontalpodautoscaler|scaledobject))")


@rule(
    code="K8S032",
    name="scheduled-scaling-absent",
    title="No scaling follows a schedule",
    controls=["SCALE-SCHEDULED"],
    target="kubernetes",
    scope="estate",
    rationale=(
        "Inference traffic often follows office hours or batch windows. Scaling up ahead of a known peak and "
        "down overnight costs less and reacts faster than waiting for utilisation metrics to move."
    ),
    remediation=(
        "Add a KEDA cron trigger beside the load-based ones:\n\n"
        "```yaml\napiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nspec:\n  scaleTargetRef: {name: scorer}\n"
        "  triggers:\n    - type: cron\n      metadata: {timezone: Europe/Amsterdam, start: 0 7 * * 1-5, end: 0 19 * * 1-5,"
        " desiredReplicas: \"6\"}\n```"
    ),
    references=("https://keda.sh/docs/latest/scalers/cron/",),
)
def check(inv: Inventory, ctx: Context) -> Iterator[Violation | Passed]:
    """The scan holds at least one schedule-driven scaler: a KEDA ScaledObject with a `cron` trigger, or a
    CronJob whose container runs `kubectl scale` / `kubectl patch hpa`. Not applicable when the scan has no
    serving workload (nothing to scale)."""
    found = False
    for so in inv.of_kind("kubernetes", "ScaledObject"):
        if any(str(get(t, "type")).lower() == "cron" for t in as_list(get(so.data, "spec", "triggers"))):
            found = True
            yield Passed(so, f"ScaledObject {so.name} has a cron trigger")
    for cj in inv.of_kind("kubernetes", "CronJob"):
        for c in containers(cj, init=False, ephemeral=False):
            words = " ".join(str(a) for k in ("command", "args") for a in as_list(c.data.get(k)))
            if _SCALE_CMD_RE.search(words):
                found = True
                yield Passed(cj, f"CronJob {cj.name} scales workloads on a schedule")
                break
    if found:
        return
    if not any(True for _ in inv.of_kind("kubernetes", *SERVING_KINDS)):
        raise NotApplicable()
    require_listed(inv, "ScaledObject", "CronJob")
    yield Violation("no KEDA cron trigger or scheduled scaling job in the scan: capacity only follows load")

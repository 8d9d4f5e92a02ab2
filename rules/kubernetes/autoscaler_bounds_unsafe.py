"""K8S029 autoscaler-bounds-unsafe."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from auditor.api import Context, NotAssessed, Resource, Violation, rule
from auditor.k8s import (
    as_list,
    containers,
    effective_request,
    estate_index,
    get,
    ns_of,
    scale_target,
    template_source,
)


def _int(v: Any) -> int | None:
    if v is None or isinstance(v, bool):
        return None
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


@rule(
    code="K8S029",
    name="autoscaler-bounds-unsafe",
    title="Autoscaler has unsafe bounds, no metric, or scales pods without CPU requests",
    controls=["SCALE-HPA-SANE"],
    target="kubernetes",
    kinds=("HorizontalPodAutoscaler", "ScaledObject"),
    rationale=(
        "An HPA that may shrink to one pod leaves no redundancy at night; one whose max equals its min never "
        "scales; one without a metric is left to defaults nobody chose; and utilisation targets are computed "
        "against CPU requests, so pods without them are never scaled on CPU."
    ),
    remediation=(
        "Bound it sensibly, name a metric, and give the scaled containers CPU requests:\n\n"
        "```yaml\nspec:\n  minReplicas: 2\n  maxReplicas: 10\n  metrics:\n    - type: Resource\n"
        "      resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}\n```"
    ),
    references=("https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """An HPA has minReplicas >= 2 (unset means 1), maxReplicas > minReplicas, and at least one metric (v2
    `metrics`, v1 targetCPUUtilizationPercentage); a KEDA ScaledObject has triggers and maxReplicaCount >
    minReplicaCount (its scale-to-zero minimum is a deliberate choice, judged by SCALE-HA). Every container
    of the scaled workload declares a CPU request (or a CPU limit it defaults from); when that workload is not
    in the scan this part is NOT_ASSESSED unless another check already fails."""
    found: list[Violation] = []
    spec = get(res.data, "spec")
    keda = res.kind == "ScaledObject"
    min_key, max_key = ("minReplicaCount", "maxReplicaCount") if keda else ("minReplicas", "maxReplicas")
    lo = _int(get(spec, min_key))
    hi = _int(get(spec, max_key))
    lo_eff = lo if lo is not None else (0 if keda else 1)
    hi_eff = hi if hi is not None else (100 if keda else None)
    if not keda and lo_eff < 2:
        where = ("spec", min_key) if lo is not None else ("spec",)
        found.append(Violation(f"minReplicas is {lo_eff}{'' if lo is not None else ' (unset)'}: one pod failure "
                               "or eviction takes the service down", path=where))
    if hi_eff is not None and hi_eff <= lo_eff:
        found.append(Violation(f"{max_key} {hi_eff} is not above {min_key} {lo_eff}: it can never scale out",
                               path=("spec", max_key) if hi is not None else ("spec",)))
    if keda:
        if not as_list(get(spec, "triggers")):
            found.append(Violation("ScaledObject has no triggers", path=("spec", "triggers")
                                   if get(spec, "triggers") is not None else ("spec",)))
    elif not as_list(get(spec, "metrics")) and get(spec, "targetCPUUtilizationPercentage") is None:
        found.append(Violation("HPA declares no metric (metrics or targetCPUUtilizationPercentage)",
                               path=("spec",)))
    target = scale_target(res)
    wl = estate_index(ctx.inventory).workloads.get((ns_of(res), *target)) if target else None
    if wl is None:
        if not found:
            what = f"{target[0]} {target[1]}" if target else "its scaleTargetRef"
            raise NotAssessed(f"scale target {what} is not in the scan: cannot check its CPU requests")
    else:
        src = template_source(wl, ctx.inventory)
        bare = [c.name for c in containers(src, init=False, ephemeral=False) if effective_request(c, "cpu") is None]
        if bare:
            found.append(Violation(f"scaled {wl.kind} {wl.name} has containers without a CPU request: "
                                   f"{', '.join(bare)}", path=("spec", "scaleTargetRef"), evidence=", ".join(bare)))
    yield from found

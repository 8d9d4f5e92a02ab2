"""K8S030 single-replica-workload."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, NotAssessed, Resource, Violation, rule
from auditor.k8s import (
    SERVING_KINDS,
    get,
    replicas,
    require_pod_spec,
    rollout_referencing,
    scaler_min_replicas,
    scalers_of,
)


@rule(
    code="K8S030",
    name="single-replica-workload",
    title="Serving workload runs a single replica",
    controls=["SCALE-HA"],
    target="kubernetes",
    kinds=SERVING_KINDS,
    rationale=(
        "With one pod, every node drain, eviction, crash or rollout is an outage of the model service."
    ),
    remediation=(
        "Run at least two replicas (or let an autoscaler keep at least two):\n\n"
        "```yaml\nspec:\n  replicas: 2\n```"
    ),
    references=("https://kubernetes.io/docs/concepts/workloads/controllers/deployment/",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """A serving workload keeps at least two pods: when an HPA or ScaledObject in the scan targets it, its
    minimum (HPA minReplicas, default 1; KEDA minReplicaCount, default 0) must be >= 2; otherwise
    spec.replicas (default 1) must be > 1."""
    require_pod_spec(res, ctx.inventory)
    scalers = scalers_of(res, ctx.inventory)
    if scalers:
        mins = [(scaler_min_replicas(s), s) for s in scalers]
        if all(m is None for m, _ in mins):
            raise NotAssessed("autoscaler minimum is not a number")
        best, s = max(((m, s) for m, s in mins if m is not None), key=lambda t: t[0])
        if best < 2:
            yield Violation(f"{s.kind} {s.name} lets it shrink to {best} replica(s)",
                            path=("spec", "replicas") if get(res.data, "spec", "replicas") is not None else ())
        return
    n = replicas(rollout_referencing(res, ctx.inventory) or res)  # an Argo Rollout's workloadRef owns replicas
    if n is None:
        raise NotAssessed(f"replicas {get(res.data, 'spec', 'replicas')!r} is not a number")
    if n < 2:
        raw = get(res.data, "spec", "replicas")
        yield Violation(f"runs {n} replica(s){'' if raw is not None else ' (replicas unset)'} and no autoscaler keeps more",
                        path=("spec", "replicas") if raw is not None else ("spec",))

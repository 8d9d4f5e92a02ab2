"""K8S028 workload-not-autoscaled."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.k8s import SERVING_KINDS, get, require_pod_spec, scalers_of


@rule(
    code="K8S028",
    name="workload-not-autoscaled",
    title="Serving workload has no horizontal autoscaler",
    controls=["SCALE-HPA"],
    target="kubernetes",
    kinds=SERVING_KINDS,
    rationale=(
        "Inference traffic is bursty; a fixed replica count is either paying for idle GPUs/CPUs or dropping "
        "requests at peak. An autoscaler adds pods when load rises and removes them when it falls."
    ),
    remediation=(
        "Target the workload with a HorizontalPodAutoscaler (or a KEDA ScaledObject):\n\n"
        "```yaml\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: scorer, namespace: ml}\n"
        "spec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: scorer}\n  minReplicas: 2\n"
        "  maxReplicas: 10\n  metrics:\n    - type: Resource\n"
        "      resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}\n```"
    ),
    references=("https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """A serving workload (Deployment, StatefulSet, Argo Rollout, DeploymentConfig) is the scaleTargetRef
    (same namespace, kind and name) of a HorizontalPodAutoscaler (autoscaling/v1 or v2) or a KEDA
    ScaledObject found anywhere in the scan."""
    require_pod_spec(res, ctx.inventory)
    if scalers_of(res, ctx.inventory):
        return
    path = ("spec", "replicas") if get(res.data, "spec", "replicas") is not None else ("metadata", "name")
    yield Violation("no HorizontalPodAutoscaler or ScaledObject in the scan targets it",
                    path=path)

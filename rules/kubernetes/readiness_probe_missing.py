"""K8S026 readiness-probe-missing."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, NotApplicable, Resource, Violation, rule
from auditor.k8s import (
    POD_KINDS,
    SERVING_KINDS,
    has_probe,
    is_job_like,
    long_running_containers,
    require_pod_spec,
    services_selecting,
)


@rule(
    code="K8S026",
    name="readiness-probe-missing",
    title="Serving container has no readiness probe",
    controls=["OPS-READINESS"],
    target="kubernetes",
    kinds=POD_KINDS,
    applies=lambda r: r.kind not in ("Job", "CronJob"),
    rationale=(
        "Without a readiness probe a pod receives traffic as soon as its process starts, long before a model has "
        "loaded, and keeps receiving it while overloaded: users see errors during every rollout and scale-up."
    ),
    remediation=(
        "Report ready only once the model is loaded and the server can answer:\n\n"
        "```yaml\nreadinessProbe:\n  httpGet: {path: /ready, port: 8080}\n  periodSeconds: 5\n```"
    ),
    references=("https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """Every main container of a workload that serves traffic declares readinessProbe. Deployments,
    StatefulSets, Argo Rollouts and DeploymentConfigs always serve; DaemonSets, ReplicaSets, bare Pods and
    the like serve when a Service in the scan selects their pods (otherwise not applicable, e.g. a node agent).
    Jobs, CronJobs and pods with restartPolicy Never/OnFailure are exempt; init containers are not probed."""
    require_pod_spec(res, ctx.inventory)
    if is_job_like(res):
        raise NotApplicable()
    if res.kind not in SERVING_KINDS and not services_selecting(res, ctx.inventory):
        raise NotApplicable()
    for c in long_running_containers(res):
        if not has_probe(c, "readinessProbe"):
            yield Violation(f"{c.label} has no readinessProbe", path=c.path)

"""K8S025 liveness-probe-missing."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, NotApplicable, Resource, Violation, rule
from auditor.k8s import POD_KINDS, has_probe, is_job_like, long_running_containers, require_pod_spec


@rule(
    code="K8S025",
    name="liveness-probe-missing",
    title="Long-running container has no liveness probe",
    controls=["OPS-LIVENESS"],
    target="kubernetes",
    kinds=POD_KINDS,
    applies=lambda r: r.kind not in ("Job", "CronJob"),
    rationale=(
        "A model server can hang (deadlocked worker, wedged GPU, exhausted thread pool) while its process stays "
        "up; without a liveness probe Kubernetes never restarts it and it keeps failing requests."
    ),
    remediation=(
        "Probe a cheap endpoint that fails when the server is stuck:\n\n"
        "```yaml\nlivenessProbe:\n  httpGet: {path: /healthz, port: 8080}\n  periodSeconds: 10\n  failureThreshold: 3\n```"
    ),
    references=("https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """Every main container of a long-running workload declares livenessProbe. Jobs, CronJobs and bare pods
    with restartPolicy Never/OnFailure are exempt; init containers are not probed."""
    require_pod_spec(res, ctx.inventory)
    if is_job_like(res):
        raise NotApplicable()
    for c in long_running_containers(res):
        if not has_probe(c, "livenessProbe"):
            yield Violation(f"{c.label} has no livenessProbe", path=c.path)

"""K8S024 resources-not-declared."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.k8s import (
    CONTAINER_KINDS,
    container_path_or,
    containers,
    effective_request,
    limit_range_defaults,
    require_pod_spec,
    resource_field,
)


@rule(
    code="K8S024",
    name="resources-not-declared",
    title="Container lacks CPU/memory requests or a memory limit",
    controls=["OPS-RESOURCES"],
    target="kubernetes",
    kinds=CONTAINER_KINDS,
    rationale=(
        "Without requests the scheduler packs pods blind and the autoscaler has nothing to compute utilisation "
        "from; without a memory limit one model that leaks or loads too much starves its neighbours and gets "
        "the whole node's pods evicted."
    ),
    remediation=(
        "Declare requests from measured usage and a memory limit:\n\n"
        "```yaml\nresources:\n  requests: {cpu: 500m, memory: 2Gi}\n  limits: {memory: 4Gi}\n```"
    ),
    references=("https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """Every container and init container ends up with a CPU request, a memory request and a memory limit.
    A limit without a request counts as the request (the API server copies it), and defaults from a
    LimitRange of the same namespace in the scan count."""
    require_pod_spec(res, ctx.inventory)
    defaults = limit_range_defaults(res, ctx.inventory)
    for c in containers(res, ephemeral=False):
        missing = []
        for name in ("cpu", "memory"):
            if effective_request(c, name) is None and name not in defaults["requests"]:
                missing.append(f"{name} request")
        if resource_field(c, "limits", "memory") is None and "memory" not in defaults["limits"]:
            missing.append("memory limit")
        if missing:
            yield Violation(f"{c.label} has no {', '.join(missing)}", path=container_path_or(c, "resources"),
                            evidence=", ".join(missing))

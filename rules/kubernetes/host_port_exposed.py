"""K8S012 host-port-exposed."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from auditor.api import Context, Resource, Violation, rule
from auditor.k8s import POD_KINDS, as_list, containers, require_pod_spec


@rule(
    code="K8S012",
    name="host-port-exposed",
    title="Container binds a port on the host",
    controls=["CONT-HOST-ISOLATION"],
    target="kubernetes",
    kinds=POD_KINDS,
    rationale=(
        "A hostPort opens the port on the node's own address, bypassing Services and NetworkPolicies that "
        "usually guard the pod, and pins the pod to nodes where the port is free."
    ),
    remediation=(
        "Remove hostPort and reach the pod through a Service:\n\n"
        "```yaml\nports:\n  - containerPort: 8080\n    name: http\n```"
    ),
    references=("https://kubernetes.io/docs/concepts/configuration/overview/#services",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """No container port (init containers included) declares a non-zero hostPort."""
    require_pod_spec(res, ctx.inventory)
    for c in containers(res, ephemeral=False):
        for i, port in enumerate(as_list(c.data.get("ports"))):
            if not isinstance(port, Mapping) or port.get("hostPort") in (None, 0, "0", ""):
                continue
            yield Violation(f"{c.label} binds host port {port.get('hostPort')}",
                            path=(*c.path, "ports", i, "hostPort"), evidence=str(port.get("hostPort")))

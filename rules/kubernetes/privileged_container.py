"""K8S004 privileged-container."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.k8s import CONTAINER_KINDS, containers, get, require_pod_spec, security_value


@rule(
    code="K8S004",
    name="privileged-container",
    title="Container runs privileged",
    controls=["CONT-NO-PRIVILEGE"],
    target="kubernetes",
    kinds=CONTAINER_KINDS,
    rationale=(
        "A privileged container has every capability and every host device: root in it is root on the node, so a "
        "compromised model server or a malicious dependency owns the node and every workload on it."
    ),
    remediation=(
        "Remove `privileged: true`; grant the single capability the workload needs instead, if any:\n\n"
        "```yaml\nsecurityContext:\n  privileged: false\n  capabilities:\n    drop: [ALL]\n```"
    ),
    references=("https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """No container (init and ephemeral included) sets securityContext.privileged true, nor runs as a
    Windows HostProcess container (windowsOptions.hostProcess true, own or inherited from the pod)."""
    require_pod_spec(res, ctx.inventory)
    for c in containers(res):
        val = get(c.data, "securityContext", "privileged")
        if val is True or str(val).lower() == "true":
            yield Violation(f"{c.label} runs privileged", path=(*c.path, "securityContext", "privileged"))
        win, win_path = security_value(res, c, "windowsOptions")
        host_process = get(win, "hostProcess")
        if host_process is True or str(host_process).lower() == "true":
            yield Violation(f"{c.label} runs as a Windows HostProcess container (privileged on the node)",
                            path=(*win_path, "hostProcess"))

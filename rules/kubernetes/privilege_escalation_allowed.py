"""K8S005 privilege-escalation-allowed."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, NotApplicable, Resource, Violation, rule
from auditor.k8s import CONTAINER_KINDS, containers, get, is_windows, require_pod_spec, security_context_path


@rule(
    code="K8S005",
    name="privilege-escalation-allowed",
    title="Container allows privilege escalation",
    controls=["CONT-NO-PRIVILEGE"],
    target="kubernetes",
    kinds=CONTAINER_KINDS,
    rationale=(
        "Unless allowPrivilegeEscalation is false, a process can gain more privileges than its parent through "
        "setuid binaries or file capabilities (no_new_privs is not set): the default is to allow it."
    ),
    remediation=(
        "Set it to false on every container:\n\n"
        "```yaml\nsecurityContext:\n  allowPrivilegeEscalation: false\n```"
    ),
    references=("https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """Every container (init and ephemeral included) sets securityContext.allowPrivilegeEscalation false.
    Unset means allowed. Windows pods are out of scope."""
    require_pod_spec(res, ctx.inventory)
    if is_windows(res):
        raise NotApplicable()
    for c in containers(res):
        val = get(c.data, "securityContext", "allowPrivilegeEscalation")
        if val is False or str(val).lower() == "false":
            continue
        if val is None:
            yield Violation(f"{c.label} does not set allowPrivilegeEscalation false (the default allows it)",
                            path=security_context_path(c))
        else:
            yield Violation(f"{c.label} sets allowPrivilegeEscalation {str(val).lower()}",
                            path=(*c.path, "securityContext", "allowPrivilegeEscalation"))

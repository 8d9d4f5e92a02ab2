"""K8S007 dangerous-capability-added."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Params, Resource, Violation, rule
from auditor.k8s import CONTAINER_KINDS, containers, get, require_pod_spec, str_list

# the capabilities the Pod Security Standards "baseline" profile lets a pod add
BASELINE_CAPABILITIES = (
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP",
    "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
)


class CapabilityParams(Params):
    allowed: tuple[str, ...] = BASELINE_CAPABILITIES


@rule(
    code="K8S007",
    name="dangerous-capability-added",
    title="Container adds a dangerous capability",
    controls=["CONT-NO-PRIVILEGE"],
    target="kubernetes",
    kinds=CONTAINER_KINDS,
    params=CapabilityParams,
    rationale=(
        "Capabilities such as SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE or ALL give a container near-root "
        "power over the node's kernel, network or other processes: most container escapes start from one."
    ),
    remediation=(
        "Remove the capability; if the workload truly needs one, add only that one and document why:\n\n"
        "```yaml\nsecurityContext:\n  capabilities:\n    drop: [ALL]\n    add: [NET_BIND_SERVICE]\n```"
    ),
    references=("https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """No container (init and ephemeral included) adds a capability outside the Pod Security Standards
    baseline set (configurable as `allowed`): ALL, SYS_ADMIN, NET_ADMIN, NET_RAW, SYS_PTRACE, SYS_MODULE, BPF
    and the like fail. Names compare case-insensitively with or without the CAP_ prefix."""
    require_pod_spec(res, ctx.inventory)
    allowed = {a.upper().removeprefix("CAP_") for a in ctx.params.allowed}
    for c in containers(res):
        added = str_list(get(c.data, "securityContext", "capabilities", "add"))
        bad = [a for a in added if a.upper().removeprefix("CAP_") not in allowed]
        if bad:
            yield Violation(f"{c.label} adds capabilities {', '.join(bad)}",
                            path=(*c.path, "securityContext", "capabilities", "add"), evidence=", ".join(bad))

"""K8S006 capabilities-not-dropped."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, NotApplicable, Resource, Violation, rule
from auditor.k8s import (
    CONTAINER_KINDS,
    containers,
    get,
    is_windows,
    require_pod_spec,
    security_context_path,
    str_list,
)


@rule(
    code="K8S006",
    name="capabilities-not-dropped",
    title="Container does not drop all capabilities",
    controls=["CONT-NO-PRIVILEGE"],
    target="kubernetes",
    kinds=CONTAINER_KINDS,
    rationale=(
        "Container runtimes grant a default set of Linux capabilities (NET_RAW, CHOWN, SETUID, ...) that a model "
        "server never needs; each is attack surface for a container escape or for spoofing traffic on the node."
    ),
    remediation=(
        "Drop everything and add back only what is required:\n\n"
        "```yaml\nsecurityContext:\n  capabilities:\n    drop: [ALL]\n    add: [NET_BIND_SERVICE]  # only if needed\n```"
    ),
    references=("https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """Every container (init and ephemeral included) lists ALL in securityContext.capabilities.drop
    (case-insensitive). Windows pods are out of scope."""
    require_pod_spec(res, ctx.inventory)
    if is_windows(res):
        raise NotApplicable()
    for c in containers(res):
        drop = {d.upper() for d in str_list(get(c.data, "securityContext", "capabilities", "drop"))}
        if "ALL" not in drop and "CAP_ALL" not in drop:
            yield Violation(f"{c.label} does not drop ALL capabilities",
                            path=security_context_path(c, "capabilities", "drop"))

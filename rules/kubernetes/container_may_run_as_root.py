"""K8S001 container-may-run-as-root."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.k8s import CONTAINER_KINDS, containers, require_pod_spec, security_value


@rule(
    code="K8S001",
    name="container-may-run-as-root",
    title="Container may run as root",
    controls=["CONT-NON-ROOT"],
    target="kubernetes",
    kinds=CONTAINER_KINDS,
    rationale=(
        "A process running as uid 0 inside a container is root on the node's kernel: one container escape or "
        "writable host mount away from the node. Images often default to root, so the pod must say otherwise."
    ),
    remediation=(
        "Set runAsNonRoot (and a non-zero runAsUser) at pod level, or on every container:\n\n"
        "```yaml\nspec:\n  securityContext:\n    runAsNonRoot: true\n    runAsUser: 10001\n```"
    ),
    references=("https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """Each container (init and ephemeral included) must end up with runAsNonRoot true or a runAsUser other
    than 0, from its own securityContext or inherited from the pod's. runAsUser 0 always fails."""
    require_pod_spec(res, ctx.inventory)
    for c in containers(res):
        user, user_path = security_value(res, c, "runAsUser")
        non_root, nr_path = security_value(res, c, "runAsNonRoot")
        if user is not None and str(user) == "0":
            yield Violation(f"{c.label} sets runAsUser 0 (root)", path=user_path)
        elif non_root is False and user is None:
            yield Violation(f"{c.label} sets runAsNonRoot false and no runAsUser", path=nr_path)
        elif non_root is not True and user is None:
            yield Violation(f"{c.label} sets neither runAsNonRoot nor a non-zero runAsUser", path=(*c.path, "securityContext") if "securityContext" in c.data else c.path)

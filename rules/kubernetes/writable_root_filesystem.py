"""K8S009 writable-root-filesystem."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, NotApplicable, Resource, Violation, rule
from auditor.k8s import POD_KINDS, containers, get, is_windows, require_pod_spec, security_context_path


@rule(
    code="K8S009",
    name="writable-root-filesystem",
    title="Container root filesystem is writable",
    controls=["CONT-READONLY-ROOTFS"],
    target="kubernetes",
    kinds=POD_KINDS,
    rationale=(
        "A writable root filesystem lets an attacker who gets code execution drop tools, alter the served model "
        "or its code, and persist until the pod restarts; it also hides drift from the image that was reviewed."
    ),
    remediation=(
        "Make the root filesystem read-only and mount writable scratch space where the app needs it:\n\n"
        "```yaml\nsecurityContext:\n  readOnlyRootFilesystem: true\nvolumeMounts:\n  - {name: tmp, mountPath: /tmp}\n"
        "# volumes: [{name: tmp, emptyDir: {}}]\n```"
    ),
    references=("https://kubernetes.io/docs/tasks/configure-pod-container/security-context/",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """Every container and init container sets securityContext.readOnlyRootFilesystem true (there is no
    pod-level setting to inherit). Ephemeral debug containers and Windows pods are out of scope."""
    require_pod_spec(res, ctx.inventory)
    if is_windows(res):
        raise NotApplicable()
    for c in containers(res, ephemeral=False):
        val = get(c.data, "securityContext", "readOnlyRootFilesystem")
        if val is True or str(val).lower() == "true":
            continue
        if val is None:
            yield Violation(f"{c.label} does not set readOnlyRootFilesystem true", path=security_context_path(c))
        else:
            yield Violation(f"{c.label} sets readOnlyRootFilesystem {str(val).lower()}",
                            path=(*c.path, "securityContext", "readOnlyRootFilesystem"))

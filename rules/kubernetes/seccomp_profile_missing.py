"""K8S008 seccomp-profile-missing."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, NotApplicable, Resource, Violation, rule
from auditor.k8s import (
    POD_KINDS,
    containers,
    get,
    is_windows,
    require_pod_spec,
    security_context_path,
    security_value,
    workload_annotations,
)

_LEGACY_POD = "seccomp.security.alpha.kubernetes.io/pod"
_LEGACY_CONTAINER = "container.seccomp.security.alpha.kubernetes.io/"


def _legacy_ok(value: object) -> bool:
    v = str(value or "")
    return v in ("runtime/default", "docker/default") or v.startswith("localhost/")


@rule(
    code="K8S008",
    name="seccomp-profile-missing",
    title="Container runs without a seccomp profile",
    controls=["CONT-NO-PRIVILEGE"],
    target="kubernetes",
    kinds=POD_KINDS,
    rationale=(
        "Without a seccomp profile the container may call every syscall of the node's kernel, including the "
        "rarely used ones behind most kernel exploits; Kubernetes runs pods Unconfined unless told otherwise."
    ),
    remediation=(
        "Use the runtime's default profile at pod level (or a Localhost profile):\n\n"
        "```yaml\nspec:\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n```"
    ),
    references=("https://kubernetes.io/docs/tutorials/security/seccomp/",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """Each container (init and ephemeral included) ends up with seccompProfile type RuntimeDefault or
    Localhost, its own or inherited from the pod's securityContext; the legacy seccomp annotations
    (runtime/default, docker/default, localhost/...) count too. Unconfined fails. Windows pods are out of
    scope."""
    require_pod_spec(res, ctx.inventory)
    if is_windows(res):
        raise NotApplicable()
    ann = workload_annotations(res)
    for c in containers(res):
        profile, path = security_value(res, c, "seccompProfile")
        if profile is None:
            legacy = ann.get(_LEGACY_CONTAINER + c.name, ann.get(_LEGACY_POD))
            if _legacy_ok(legacy):
                continue
            yield Violation(f"{c.label} has no seccompProfile (neither its own nor the pod's)",
                            path=security_context_path(c))
            continue
        kind = get(profile, "type")
        if str(kind) in ("RuntimeDefault", "Localhost"):
            continue
        where = (*path, "type") if kind is not None else path
        yield Violation(f"{c.label} uses seccompProfile type {kind or 'unset'}", path=where,
                        evidence=str(kind))

"""K8S011 host-path-volume."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.k8s import POD_KINDS, get, require_pod_spec, volumes


@rule(
    code="K8S011",
    name="host-path-volume",
    title="Pod mounts a hostPath volume",
    controls=["CONT-HOST-ISOLATION"],
    target="kubernetes",
    kinds=POD_KINDS,
    rationale=(
        "A hostPath volume puts part of the node's filesystem inside the container: the container runtime socket, "
        "kubelet credentials or /etc are one mount away from a node takeover, and writes outlive the pod."
    ),
    remediation=(
        "Use an emptyDir, a PersistentVolumeClaim, a ConfigMap/Secret or a CSI volume instead:\n\n"
        "```yaml\nvolumes:\n  - name: models\n    persistentVolumeClaim:\n      claimName: model-store\n```"
    ),
    references=("https://kubernetes.io/docs/concepts/storage/volumes/#hostpath",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """No volume of the pod spec is a hostPath volume (one failure per volume, naming the host path)."""
    require_pod_spec(res, ctx.inventory)
    for _, vol, path in volumes(res):
        if "hostPath" in vol:
            host = get(vol, "hostPath", "path")
            name = vol.get("name") or "?"
            yield Violation(f"volume '{name}' mounts host path {host!s}", path=(*path, "hostPath"),
                            evidence=str(host) if host is not None else None)

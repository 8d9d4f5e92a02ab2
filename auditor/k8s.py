"""Kubernetes object helpers for rules: pod specs of every workload kind, containers with their
paths, inherited security context, label selectors. Pure functions over the object model."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from auditor.model import ObjPath, Resource

POD_KINDS: tuple[str, ...] = (
    "Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob",
    "Rollout", "DeploymentConfig", "PodTemplate",
)
SERVING_KINDS: tuple[str, ...] = ("Deployment", "StatefulSet", "Rollout", "DeploymentConfig")
JOB_KINDS: tuple[str, ...] = ("Job", "CronJob")
# pod-level securityContext fields a container inherits unless it sets its own
INHERITED_SECURITY_FIELDS = ("runAsNonRoot", "runAsUser", "runAsGroup", "seccompProfile", "seLinuxOptions",
                             "windowsOptions", "appArmorProfile")


@dataclass(frozen=True, slots=True)
class Container:
    name: str
    data: Mapping[str, Any]
    path: ObjPath  # path of the container object inside the resource
    role: str  # container | initContainer | ephemeralContainer

    @property
    def label(self) -> str:
        return f"{self.role} '{self.name}'" if self.role != "container" else f"container '{self.name}'"


def _get(obj: Any, *keys: str | int) -> Any:
    for k in keys:
        if isinstance(k, int):
            if not isinstance(obj, list) or k >= len(obj):
                return None
            obj = obj[k]
        else:
            if not isinstance(obj, Mapping):
                return None
            obj = obj.get(k)
    return obj


def get(obj: Any, *keys: str | int) -> Any:
    """Safe nested lookup: None when any step is missing or of the wrong type."""
    return _get(obj, *keys)


def pod_spec_path(res: Resource) -> ObjPath | None:
    kind = res.kind
    if kind == "Pod":
        return ("spec",)
    if kind == "CronJob":
        return ("spec", "jobTemplate", "spec", "template", "spec")
    if kind == "PodTemplate":
        return ("template", "spec")
    if kind in POD_KINDS:
        return ("spec", "template", "spec")
    return None


def pod_spec(res: Resource) -> tuple[Mapping[str, Any] | None, ObjPath]:
    path = pod_spec_path(res)
    if path is None:
        return None, ()
    spec = _get(res.data, *path)
    return (spec if isinstance(spec, Mapping) else None), path


def pod_template_metadata(res: Resource) -> tuple[Mapping[str, Any], ObjPath]:
    path = pod_spec_path(res)
    if path is None:
        return {}, ()
    meta_path = (*path[:-1], "metadata") if res.kind != "Pod" else ("metadata",)
    meta = _get(res.data, *meta_path)
    return (meta if isinstance(meta, Mapping) else {}), meta_path


def containers(res: Resource, init: bool = True, ephemeral: bool = True) -> Iterator[Container]:
    spec, base = pod_spec(res)
    if spec is None:
        return
    groups = [("containers", "container")]
    if init:
        groups.append(("initContainers", "initContainer"))
    if ephemeral:
        groups.append(("ephemeralContainers", "ephemeralContainer"))
    for key, role in groups:
        items = spec.get(key)
        if not isinstance(items, list):
            continue
        for i, c in enumerate(items):
            if isinstance(c, Mapping):
                yield Container(str(c.get("name") or f"#{i}"), c, (*base, key, i), role)


def security_value(res: Resource, c: Container, field: str) -> tuple[Any, ObjPath]:
    """Effective securityContext field: the container's own, else the pod's (for inherited fields)."""
    own = _get(c.data, "securityContext", field)
    if own is not None:
        return own, (*c.path, "securityContext", field)
    if field in INHERITED_SECURITY_FIELDS:
        spec, base = pod_spec(res)
        pod_val = _get(spec, "securityContext", field)
        if pod_val is not None:
            return pod_val, (*base, "securityContext", field)
    return None, (*c.path, "securityContext")


def labels_of(res: Resource) -> Mapping[str, Any]:
    labels = _get(res.data, "metadata", "labels")
    return labels if isinstance(labels, Mapping) else {}


def pod_labels(res: Resource) -> Mapping[str, Any]:
    meta, _ = pod_template_metadata(res)
    labels = meta.get("labels") if isinstance(meta, Mapping) else None
    return labels if isinstance(labels, Mapping) else {}


def selector_matches(selector: Any, labels: Mapping[str, Any]) -> bool:
    """LabelSelector (matchLabels + matchExpressions) or a plain map selector (Services, PDB v1beta1)."""
    if not isinstance(selector, Mapping) or not selector:
        return False
    if "matchLabels" not in selector and "matchExpressions" not in selector:
        return all(str(labels.get(k)) == str(v) for k, v in selector.items())
    ml = selector.get("matchLabels") or {}
    if isinstance(ml, Mapping) and any(str(labels.get(k)) != str(v) for k, v in ml.items()):
        return False
    for expr in selector.get("matchExpressions") or []:
        if not isinstance(expr, Mapping):
            return False
        key, op = expr.get("key"), expr.get("operator")
        values = [str(v) for v in expr.get("values") or []]
        has = key in labels
        val = str(labels.get(key)) if has else None
        if (op == "In" and (not has or val not in values)) or (op == "NotIn" and has and val in values):
            return False
        if (op == "Exists" and not has) or (op == "DoesNotExist" and has):
            return False
    return bool(ml) or bool(selector.get("matchExpressions"))


def same_namespace(a: Resource, b: Resource) -> bool:
    return (a.namespace or "default") == (b.namespace or "default")


def replicas(res: Resource) -> int | None:
    """Declared replicas (Deployments default to 1 when unset)."""
    val = _get(res.data, "spec", "replicas")
    if val is None:
        return 1 if res.kind in SERVING_KINDS else None
    try:
        return int(val)
    except (TypeError, ValueError):
        return None


def env_entries(c: Container) -> Iterator[tuple[int, Mapping[str, Any]]]:
    env = c.data.get("env")
    if isinstance(env, list):
        for i, e in enumerate(env):
            if isinstance(e, Mapping):
                yield i, e

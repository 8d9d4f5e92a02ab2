"""Kubernetes object helpers for rules: pod specs of every workload kind, containers with their
paths, inherited security context, label selectors. Pure functions over the object model."""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from auditor.model import InputError, NotApplicable, NotAssessed, ObjPath, Resource
from auditor.secrets import SecretHit, find_secret, token_kind

if TYPE_CHECKING:
    from auditor.inventory import Inventory

POD_KINDS: tuple[str, ...] = (
    "Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob",
    "Rollout", "DeploymentConfig", "PodTemplate",
)
SERVING_KINDS: tuple[str, ...] = ("Deployment", "StatefulSet", "Rollout", "DeploymentConfig")
# Model-serving custom resources that embed pod specs (KServe, KubeRay, Seldon Core v1, LeaderWorkerSet). Only
# container-level rules judge them: their replicas, autoscaling and disruption budgets are the operator's.
ML_POD_KINDS: tuple[str, ...] = (
    "InferenceService", "ServingRuntime", "ClusterServingRuntime", "LLMInferenceService", "RayService", "RayCluster",
    "RayJob", "SeldonDeployment", "LeaderWorkerSet",
)
CONTAINER_KINDS: tuple[str, ...] = POD_KINDS + ML_POD_KINDS
_ISVC_COMPONENTS = ("predictor", "transformer", "explainer")
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
        elif isinstance(obj, (dict, Mapping)):  # dict first: the fast check for LineMap and plain dicts
            obj = obj.get(k)
        else:
            return None
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
    found: tuple[Mapping[str, Any] | None, ObjPath] = res.memo("pod_spec", lambda: _pod_spec(res))
    return found


def _pod_spec(res: Resource) -> tuple[Mapping[str, Any] | None, ObjPath]:
    if res.kind in ML_POD_KINDS:
        specs = pod_specs(res)
        return specs[0] if specs else (None, ())
    path = pod_spec_path(res)
    if path is None:
        return None, ()
    spec = _get(res.data, *path)
    return (spec if isinstance(spec, Mapping) else None), path


def pod_specs(res: Resource) -> list[tuple[Mapping[str, Any], ObjPath]]:
    """Every pod spec an object embeds, with its path: one for the core workload kinds; for model-serving
    custom resources the KServe runtime, predictor/transformer/explainer with a containers list or LLM
    template/worker/prefill, the Ray
    head and each worker group, each Seldon componentSpec, the LeaderWorkerSet leader and worker."""
    found: list[tuple[Mapping[str, Any], ObjPath]] = res.memo("pod_specs", lambda: _pod_specs(res))
    return found


def _ml_spec_paths(res: Resource) -> list[ObjPath]:
    data, kind = res.data, res.kind
    if kind in ("ServingRuntime", "ClusterServingRuntime"):
        return [("spec",)]
    if kind == "InferenceService":
        return [("spec", comp) for comp in _ISVC_COMPONENTS
                if isinstance(_get(data, "spec", comp, "containers"), list)]
    if kind in ("RayCluster", "RayService", "RayJob"):
        root: ObjPath = {"RayCluster": ("spec",), "RayService": ("spec", "rayClusterConfig"),
                         "RayJob": ("spec", "rayClusterSpec")}[kind]
        paths: list[ObjPath] = [(*root, "headGroupSpec", "template", "spec")]
        groups = _get(data, *root, "workerGroupSpecs")
        paths += [(*root, "workerGroupSpecs", i, "template", "spec") for i in range(len(as_list(groups)))]
        return paths
    if kind == "SeldonDeployment":
        out: list[ObjPath] = []
        for i, pred in enumerate(as_list(_get(data, "spec", "predictors"))):
            for j, _ in enumerate(as_list(_get(pred, "componentSpecs"))):
                out.append(("spec", "predictors", i, "componentSpecs", j, "spec"))
        return out
    if kind == "LLMInferenceService":  # KServe v1alpha2: decode template/worker, optional prefill pool
        return [("spec", "template"), ("spec", "worker"), ("spec", "prefill", "template"), ("spec", "prefill", "worker")]
    if kind == "LeaderWorkerSet":
        return [("spec", "leaderWorkerTemplate", t, "spec") for t in ("leaderTemplate", "workerTemplate")]
    return []


ISVC_MODEL_KEYS = ("model", "sklearn", "xgboost", "tensorflow", "pytorch", "triton", "onnx", "pmml", "lightgbm",
                   "paddle", "huggingface", "catboost", "worker")


def inference_model_containers(res: Resource) -> list[Container]:
    """The container fields an InferenceService writes in its predictor's model/framework shorthand
    (`spec.predictor.model`, `spec.predictor.sklearn`, ...): KServe merges them into the ServingRuntime's
    container, so their own env and args are the workload's, while fields they leave out come from the runtime."""
    if res.kind != "InferenceService":
        return []
    out = []
    for comp in _ISVC_COMPONENTS:
        for key in ISVC_MODEL_KEYS:
            spec = _get(res.data, "spec", comp, key)
            if isinstance(spec, Mapping):
                out.append(Container(key, spec, ("spec", comp, key), "container"))
    return out


def _pod_specs(res: Resource) -> list[tuple[Mapping[str, Any], ObjPath]]:
    if res.kind not in ML_POD_KINDS:
        spec, path = _pod_spec(res)
        return [(spec, path)] if spec is not None else []
    out = []
    for path in _ml_spec_paths(res):
        spec = _get(res.data, *path)
        if isinstance(spec, Mapping):
            out.append((spec, path))
    return out


def pod_template_metadata(res: Resource) -> tuple[Mapping[str, Any], ObjPath]:
    path = pod_spec_path(res)
    if path is None:
        return {}, ()
    meta_path = (*path[:-1], "metadata") if res.kind != "Pod" else ("metadata",)
    meta = _get(res.data, *meta_path)
    return (meta if isinstance(meta, Mapping) else {}), meta_path


def containers(res: Resource, init: bool = True, ephemeral: bool = True) -> Iterator[Container]:
    found: tuple[Container, ...] = res.memo(("containers", init, ephemeral),
                                           lambda: tuple(_containers(res, init, ephemeral)))
    return iter(found)


def _containers(res: Resource, init: bool, ephemeral: bool) -> Iterator[Container]:
    for spec, base in pod_specs(res):
        yield from _spec_containers(spec, base, init, ephemeral)


def _spec_containers(spec: Mapping[str, Any], base: ObjPath, init: bool, ephemeral: bool) -> Iterator[Container]:
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
        base = c.path[:-2]  # the pod spec holding this container (one of several in Ray or Seldon objects)
        spec = _get(res.data, *base)
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
    if not isinstance(ml, Mapping):
        return False
    if any(str(labels.get(k)) != str(v) for k, v in ml.items()):
        return False
    exprs = selector.get("matchExpressions") or []
    for expr in exprs if isinstance(exprs, list) else [None]:
        if not isinstance(expr, Mapping):
            return False
        key, op = str(expr.get("key")), expr.get("operator")
        values = [str(v) for v in as_list(expr.get("values"))]
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


# ---- more helpers for the rule pack ------------------------------------------------------------

LONG_RUNNING_EXEMPT_RESTART = ("Never", "OnFailure")
_MEM_UNITS = {
    "": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18,
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60, "m": 0.001,
}
_QTY_RE = re.compile(r"^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?\s*$")
GPU_RESOURCE_RE = re.compile(r"(?i)^(nvidia\.com/(gpu|mig-.*)|amd\.com/gpu|gpu\.intel\.com/.*|habana\.ai/gaudi|"
                             r"aws\.amazon\.com/neuron.*|google\.com/tpu|.*/gpu)$")


def ns_of(res: Resource) -> str:
    """The namespace a manifest object lands in when none is written: `default`."""
    return res.namespace or "default"


def quantity(value: Any) -> float | None:
    """A Kubernetes resource quantity as a number (bytes for memory, cores for cpu); None if unparsable."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    m = _QTY_RE.match(str(value))
    if not m:
        return None
    return float(m.group(1)) * _MEM_UNITS[m.group(2) or ""]


def resource_field(c: Container, section: str, name: str) -> Any:
    """resources.<section>.<name> of a container (requests/limits), None when absent."""
    return _get(c.data, "resources", section, name)


def effective_request(c: Container, name: str) -> Any:
    """The request the API server ends up with: the declared request, else the limit (defaulted from it)."""
    req = resource_field(c, "requests", name)
    return req if req is not None else resource_field(c, "limits", name)


def is_job_like(res: Resource) -> bool:
    """Jobs, CronJobs, and bare Pods/templates that do not restart: run-to-completion work."""
    if res.kind in JOB_KINDS:
        return True
    if res.kind in ("Pod", "PodTemplate"):
        spec, _ = pod_spec(res)
        return spec is not None and spec.get("restartPolicy") in LONG_RUNNING_EXEMPT_RESTART
    return False


def object_annotations(obj: Any) -> Mapping[str, Any]:
    ann = _get(obj, "metadata", "annotations")
    return ann if isinstance(ann, Mapping) else {}


def workload_annotations(res: Resource) -> dict[str, Any]:
    """Annotations of the object and of its pod template (the template's win)."""
    out = dict(object_annotations(res.data))
    meta, _ = pod_template_metadata(res)
    ann = meta.get("annotations") if isinstance(meta, Mapping) else None
    if isinstance(ann, Mapping) and res.kind != "Pod":
        out.update(ann)
    return out


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def str_list(value: Any) -> list[str]:
    """Strings of a YAML list; a lone string counts as one item (a common manifest mistake)."""
    if isinstance(value, str):
        return [value]
    return [str(v) for v in as_list(value) if v is not None and not isinstance(v, (Mapping, list))]


def container_path_or(c: Container, *keys: str) -> ObjPath:
    """Path to the deepest of `keys` that exists in the container, else the container itself."""
    node: Any = c.data
    path: ObjPath = c.path
    for k in keys:
        if not isinstance(node, Mapping) or k not in node:
            break
        node = node[k]
        path = (*path, k)
    return path


def env_names(c: Container) -> list[str]:
    return [str(e.get("name")) for _, e in env_entries(c) if e.get("name") is not None]


def env_from_refs(c: Container, kind: str) -> list[str]:
    """Names of ConfigMaps (kind='configMapRef') or Secrets (kind='secretRef') a container imports wholesale."""
    out = []
    for item in as_list(c.data.get("envFrom")):
        ref = _get(item, kind, "name")
        if ref is not None:
            out.append(str(ref))
    return out


def volumes(res: Resource) -> Iterator[tuple[int, Mapping[str, Any], ObjPath]]:
    spec, base = pod_spec(res)
    if spec is None:
        return
    for i, v in enumerate(as_list(spec.get("volumes"))):
        if isinstance(v, Mapping):
            yield i, v, (*base, "volumes", i)


# ---- estate index: built once per inventory, keyed by it -------------------------------------

SCALER_KINDS = ("HorizontalPodAutoscaler", "ScaledObject")


class SelectorIndex:
    """Objects with label selectors (PDBs, Services) bucketed by namespace and one required label, so finding
    the ones that may select a pod does not scan them all. `candidates` is a superset; confirm with
    selector_matches."""

    def __init__(self, items: list[tuple[Resource, Any]]) -> None:
        self._by_pair: dict[tuple[str, str, str], list[Resource]] = {}
        self._always: dict[str, list[Resource]] = {}
        self.selectors: dict[int, Any] = {}
        for res, sel in items:
            self.selectors[id(res)] = sel
            ml = sel.get("matchLabels") if isinstance(sel, Mapping) and (
                "matchLabels" in sel or "matchExpressions" in sel) else sel
            pair = next(iter(ml.items()), None) if isinstance(ml, Mapping) else None
            if pair is not None and isinstance(pair[0], str):
                self._by_pair.setdefault((ns_of(res), pair[0], str(pair[1])), []).append(res)
            else:
                self._always.setdefault(ns_of(res), []).append(res)

    def candidates(self, ns: str, labels: Mapping[str, Any]) -> list[Resource]:
        out = list(self._always.get(ns, ()))
        for k, v in labels.items():
            out.extend(self._by_pair.get((ns, str(k), str(v)), ()))
        return out

    def selecting(self, ns: str, labels: Mapping[str, Any]) -> list[Resource]:
        return [r for r in self.candidates(ns, labels) if selector_matches(self.selectors[id(r)], labels)]


@dataclass(frozen=True)
class EstateIndex:
    """Lookups rules need across files of one scan, built once per Inventory (rules stay stateless)."""

    scalers: Mapping[tuple[str, str, str], tuple[Resource, ...]]  # (ns, kind lower, name) -> HPAs/ScaledObjects
    pdbs: SelectorIndex  # PodDisruptionBudgets by namespace and selector
    service_accounts: Mapping[tuple[str, str], Resource]  # (ns, name)
    config_maps: Mapping[tuple[str, str], Resource]  # (ns, name)
    workloads: Mapping[tuple[str, str, str], Resource]  # (ns, kind lower, name)
    limit_ranges: Mapping[str, tuple[Resource, ...]]  # ns -> LimitRanges
    services: SelectorIndex  # Services with a selector
    rollout_refs: Mapping[tuple[str, str, str], Resource]  # workload a Rollout's workloadRef names -> the Rollout


_INDEXES: weakref.WeakKeyDictionary[Inventory, EstateIndex] = weakref.WeakKeyDictionary()


def scale_target(scaler: Resource) -> tuple[str, str] | None:
    """(kind lower, name) that an HPA or KEDA ScaledObject scales (KEDA defaults kind to Deployment)."""
    ref = _get(scaler.data, "spec", "scaleTargetRef")
    if not isinstance(ref, Mapping) or not ref.get("name"):
        return None
    kind = ref.get("kind") or ("Deployment" if scaler.kind == "ScaledObject" else None)
    if not kind:
        return None
    return str(kind).lower(), str(ref["name"])


def estate_index(inv: Inventory) -> EstateIndex:
    """The cross-file index of one scan: cached per Inventory object, dropped with it."""
    idx = _INDEXES.get(inv)
    if idx is not None:
        return idx
    scalers: dict[tuple[str, str, str], list[Resource]] = {}
    pdbs: list[tuple[Resource, Any]] = []
    sas: dict[tuple[str, str], Resource] = {}
    cms: dict[tuple[str, str], Resource] = {}
    wls: dict[tuple[str, str, str], Resource] = {}
    lrs: dict[str, list[Resource]] = {}
    svcs: list[tuple[Resource, Any]] = []
    for r in inv.of_kind("kubernetes", *SCALER_KINDS):
        tgt = scale_target(r)
        if tgt is not None:
            scalers.setdefault((ns_of(r), *tgt), []).append(r)
    for r in inv.of_kind("kubernetes", "PodDisruptionBudget"):
        pdbs.append((r, _get(r.data, "spec", "selector")))
    for r in inv.of_kind("kubernetes", "ServiceAccount"):
        sas.setdefault((ns_of(r), r.name), r)
    for r in inv.of_kind("kubernetes", "ConfigMap"):
        cms.setdefault((ns_of(r), r.name), r)
    refs: dict[tuple[str, str, str], Resource] = {}
    for r in inv.of_kind("kubernetes", *POD_KINDS):
        wls.setdefault((ns_of(r), r.kind.lower(), r.name), r)
        ref = workload_ref(r)
        if ref is not None:
            refs.setdefault((ns_of(r), *ref), r)
    for r in inv.of_kind("kubernetes", "LimitRange"):
        lrs.setdefault(ns_of(r), []).append(r)
    for r in inv.of_kind("kubernetes", "Service"):
        if isinstance(_get(r.data, "spec", "selector"), Mapping) and _get(r.data, "spec", "selector"):
            svcs.append((r, _get(r.data, "spec", "selector")))
    idx = EstateIndex(
        {k: tuple(v) for k, v in scalers.items()},
        SelectorIndex(pdbs),
        sas,
        cms,
        wls,
        {k: tuple(v) for k, v in lrs.items()},
        SelectorIndex(svcs),
        refs,
    )
    _INDEXES[inv] = idx
    return idx


def unlisted_kinds(errors: Iterable[InputError], partial: bool = True) -> frozenset[str]:
    """Kinds a live cluster collection could not list: its error entries `k8s/<cluster>/<Kind>` (403,
    server errors). With `partial`, also kinds read in only some namespaces (`.../<Kind>/partial`)."""
    out = set()
    for e in errors:
        parts = e.path.split("/")
        if e.target == "kubernetes" and e.kind == "error" and parts[0] == "k8s" and \
                (len(parts) == 3 or (partial and len(parts) == 4 and parts[3] == "partial")):
            out.add(parts[2])
    return frozenset(out)


def require_listed(inv: Inventory, *kinds: str) -> None:
    """Missing evidence is never a pass: raise NotAssessed when a kind this check relies on could not be
    listed from the cluster (so 'no PDB covers this Deployment' is not claimed on a 403)."""
    missing = sorted(unlisted_kinds(inv.errors).intersection(kinds))
    if missing:
        raise NotAssessed(f"{', '.join(missing)} could not be listed from the cluster (see the errors)")


def scalers_of(res: Resource, inv: Inventory) -> tuple[Resource, ...]:
    """HPAs and KEDA ScaledObjects anywhere in the scan whose scaleTargetRef is this workload (or the Argo
    Rollout that runs this workload's template through workloadRef)."""
    require_listed(inv, "HorizontalPodAutoscaler", "ScaledObject")
    idx = estate_index(inv)
    own = idx.scalers.get((ns_of(res), res.kind.lower(), res.name), ())
    rollout = idx.rollout_refs.get((ns_of(res), res.kind.lower(), res.name))
    if rollout is not None:
        own = own + idx.scalers.get((ns_of(rollout), "rollout", rollout.name), ())
    return own


def workload_ref(res: Resource) -> tuple[str, str] | None:
    """(kind lower, name) of the workload whose pod template an Argo Rollout uses (spec.workloadRef)."""
    if res.kind != "Rollout":
        return None
    ref = _get(res.data, "spec", "workloadRef")
    if not isinstance(ref, Mapping) or not ref.get("name"):
        return None
    return str(ref.get("kind") or "Deployment").lower(), str(ref["name"])


def rollout_referencing(res: Resource, inv: Inventory) -> Resource | None:
    """The Argo Rollout in the scan that runs this workload's template (workloadRef): it owns replicas and
    the rollout strategy then."""
    return estate_index(inv).rollout_refs.get((ns_of(res), res.kind.lower(), res.name))


def template_source(res: Resource, inv: Inventory) -> Resource:
    """The object holding the pod template: the workload a Rollout's workloadRef names (when in the scan),
    else the object itself."""
    ref = workload_ref(res)
    if ref is not None:
        target = estate_index(inv).workloads.get((ns_of(res), *ref))
        if target is not None:
            return target
    return res


def pdbs_selecting(res: Resource, inv: Inventory) -> list[Resource]:
    """PodDisruptionBudgets in the workload's namespace whose selector matches its pod labels (policy/v1: an
    empty selector `{}` selects every pod of the namespace; v1beta1: none)."""
    require_listed(inv, "PodDisruptionBudget")
    labels = pod_labels(res)
    idx = estate_index(inv).pdbs
    out = []
    for p in idx.candidates(ns_of(res), labels):
        sel = idx.selectors[id(p)]
        if (isinstance(sel, Mapping) and not sel and str(_get(p.data, "apiVersion")) == "policy/v1") or \
                selector_matches(sel, labels):
            out.append(p)
    return out


def services_selecting(res: Resource, inv: Inventory) -> list[Resource]:
    """Services in the workload's namespace whose selector matches its pod labels (it serves traffic)."""
    require_listed(inv, "Service")
    labels = pod_labels(res)
    if not labels:
        return []
    return estate_index(inv).services.selecting(ns_of(res), labels)


def scaler_min_replicas(scaler: Resource) -> int | None:
    """minReplicas of an HPA (default 1) or minReplicaCount of a ScaledObject (default 0)."""
    spec = _get(scaler.data, "spec")
    key, default = ("minReplicaCount", 0) if scaler.kind == "ScaledObject" else ("minReplicas", 1)
    val = _get(spec, key)
    if val is None:
        return default
    try:
        return int(val)
    except (TypeError, ValueError):
        return None


def configmap_keys(res: Resource, c: Container, inv: Inventory) -> list[str]:
    """Keys a container imports through envFrom configMapRef, for ConfigMaps present in the scan."""
    cms = estate_index(inv).config_maps
    out: list[str] = []
    for name in env_from_refs(c, "configMapRef"):
        cm = cms.get((ns_of(res), name))
        data = _get(cm.data, "data") if cm is not None else None
        if isinstance(data, Mapping):
            out.extend(str(k) for k in data)
    return out


def is_windows(res: Resource) -> bool:
    """Pods that declare spec.os.name windows (Linux securityContext fields do not apply to them)."""
    spec, _ = pod_spec(res)
    return str(_get(spec, "os", "name") or "").lower() == "windows"


def security_context_path(c: Container, *keys: str) -> ObjPath:
    """The deepest existing of securityContext.<keys...> in the container, falling back to the container."""
    return container_path_or(c, "securityContext", *keys)


def is_builtin_rbac(res: Resource) -> bool:
    """Kubernetes' own bootstrap RBAC objects (cluster-admin, system:*), labelled by the API server."""
    labels = labels_of(res)
    return str(labels.get("kubernetes.io/bootstrapping")) == "rbac-defaults"


# ---- telemetry: Application Insights / OpenTelemetry evidence on a workload ------------------

APPINSIGHTS_ENV = ("APPLICATIONINSIGHTS_CONNECTION_STRING", "APPINSIGHTS_INSTRUMENTATIONKEY",
                   "APPINSIGHTS_CONNECTION_STRING", "APPLICATIONINSIGHTS_INSTRUMENTATIONKEY")
OTEL_EXPORTER_RE = re.compile(r"^OTEL_EXPORTER_(OTLP|ZIPKIN|JAEGER)(_[A-Z]+)*_ENDPOINT$|^OTEL_TRACES_EXPORTER$|"
                              r"^OTEL_EXPORTER_OTLP_HEADERS$")
TRACING_ENV_RE = re.compile(r"(?i)^(OTEL_|JAEGER_|ZIPKIN_|DD_TRACE_|DD_AGENT_HOST$|ELASTIC_APM_|"
                            r"APPLICATIONINSIGHTS_CONNECTION_STRING$|APPINSIGHTS_INSTRUMENTATIONKEY$)|TRACING|TRACER")
OTEL_INJECT_PREFIX = "instrumentation.opentelemetry.io/inject-"
_OFF_VALUES = ("", "false", "0", "none", "no", "off", "disabled")


@dataclass(frozen=True, slots=True)
class EnvVar:
    name: str
    value: Any  # the literal value, or None when it comes from valueFrom / a ConfigMap
    path: ObjPath


def workload_env(res: Resource, inv: Inventory | None = None) -> list[EnvVar]:
    """Env vars of the long-running containers, plus keys imported with envFrom configMapRef when the
    ConfigMap is in the scan (their values included)."""
    out: list[EnvVar] = []
    cms = estate_index(inv).config_maps if inv is not None else {}
    for c in containers(res, init=False, ephemeral=False):
        for i, e in env_entries(c):
            if e.get("name") is not None:
                out.append(EnvVar(str(e["name"]), e.get("value"), (*c.path, "env", i)))
        for j, item in enumerate(as_list(c.data.get("envFrom"))):
            name = _get(item, "configMapRef", "name")
            cm = cms.get((ns_of(res), str(name))) if name is not None else None
            data = _get(cm.data, "data") if cm is not None else None
            if isinstance(data, Mapping):
                out.extend(EnvVar(str(k), v, (*c.path, "envFrom", j)) for k, v in data.items())
    return out


def is_off(value: Any) -> bool:
    return value is not None and str(value).strip().lower() in _OFF_VALUES


def otel_injection(res: Resource) -> str | None:
    """The OpenTelemetry Operator inject-* annotation enabling auto-instrumentation, if any."""
    for key, val in workload_annotations(res).items():
        if str(key).startswith(OTEL_INJECT_PREFIX) and not is_off(val):
            return str(key)
    return None


# ---- probes and resources --------------------------------------------------------------------


def has_probe(c: Container, probe: str) -> bool:
    return isinstance(c.data.get(probe), Mapping)


def long_running_containers(res: Resource) -> list[Container]:
    """Main containers of a long-running workload (probes apply to them); empty for run-to-completion work."""
    if is_job_like(res):
        return []
    return list(containers(res, init=False, ephemeral=False))


def limit_range_defaults(res: Resource, inv: Inventory) -> dict[str, set[str]]:
    """What LimitRanges (type Container) of the workload's namespace default: {'requests': {...}, 'limits': {...}}.
    A `default` limit also becomes the request when no defaultRequest is given."""
    out: dict[str, set[str]] = {"requests": set(), "limits": set()}
    for lr in estate_index(inv).limit_ranges.get(ns_of(res), ()):
        for item in as_list(_get(lr.data, "spec", "limits")):
            if str(_get(item, "type") or "Container") != "Container":
                continue
            for key, dest in (("defaultRequest", ("requests",)), ("default", ("limits", "requests"))):
                vals = _get(item, key)
                if isinstance(vals, Mapping):
                    for d in dest:
                        out[d].update(str(k) for k in vals)
    return out


MODEL_SERVER_IMAGE_RE = re.compile(
    r"(?i)(triton|torchserve|vllm|text-generation-inference|(^|[/_-])tgi([:_-]|$)|mlserver|"
    r"(kserve|seldonio)/[a-z0-9-]*(server|runtime)\b|kserve-[a-z0-9]*server|huggingfaceserver|"
    r"tensorflow/serving|tf-?serving|ollama|llama[.-]?cpp|sglang|text-embeddings-inference|lmdeploy|localai|"
    r"model[_-]?server|openvino/model_server|nim[/-]|ray-?llm|tensorrt-?llm|djl-?serving|infinity-emb)"
)
MODEL_HINT_RE = re.compile(r"(?i)(model)")
MODEL_ARG_RE = re.compile(r"(?i)(--model|model[_-]?(repository|store|path|dir|id|name)|\.gguf|\.safetensors|"
                          r"\.onnx|\.pt\b|huggingface|^vllm$|vllm[. ]|\bvllm serve\b|text-generation-launcher|"
                          r"tritonserver|torchserve --start|mlserver start|sglang\.launch_server)")


def model_server_signals(c: Container, memory_threshold: float) -> list[str]:
    """Why a container looks like it loads a large model at start (empty list: it does not). Memory of at
    least `memory_threshold` only counts beside another sign (image, GPU, model env, command)."""
    why: list[str] = []
    image = c.data.get("image")
    if isinstance(image, str) and MODEL_SERVER_IMAGE_RE.search(image):
        why.append(f"model-server image {image}")
    for section in ("requests", "limits"):
        res = _get(c.data, "resources", section)
        if not isinstance(res, Mapping):
            continue
        for k, v in res.items():
            if GPU_RESOURCE_RE.match(str(k)) and quantity(v):
                why.append(f"requests GPU {k}")
            if str(k) == "memory":
                q = quantity(v)
                if q is not None and q >= memory_threshold:
                    why.append(f"memory {section[:-1]} {v}")
    names = env_names(c)
    if any(MODEL_HINT_RE.search(n) for n in names):
        why.append("model env " + next(n for n in names if MODEL_HINT_RE.search(n)))
    for key in ("command", "args"):
        for a in as_list(c.data.get(key)):
            if isinstance(a, str) and MODEL_ARG_RE.search(a):
                why.append(f"{key} mention a model")
                break
    if why and all(w.startswith("memory ") for w in why):
        return []  # a large memory budget alone is a database or a JVM as often as a model
    return sorted(set(why))


# ---- literal secrets in manifests --------------------------------------------------------------

_NOT_SECRET_VALUE_RE = re.compile(
    r"(?i)^(?:[/~]|\.{1,2}/|[a-z][a-z0-9+.-]*://[^@]*$|[a-z0-9-]+(?:\.[a-z0-9-]+)*:\d{1,5}$|"
    r"[a-z0-9-]+(?:\.[a-z0-9-]+)+$|change[_-]?me|replace[_-]?me|my[_-]?|value$|<)"
)
_ADDRESS_NAME_RE = re.compile(r"(?i)(addr|address|host|hostname|server|service|url|uri|endpoint|port|path|dir|file|"
                              r"image|version|region|zone|namespace|bucket|label|labels)$")


def literal_secret(name: str | None, value: Any) -> SecretHit | None:
    """`auditor.secrets.find_secret` for manifest literals, minus the usual false alarms: paths, URLs
    without credentials, host:port and DNS names, `changeme`-style placeholders, and high-entropy strings
    under address-like names (SERVICE_ADDR). Known token formats always count."""
    hit = find_secret(name, value)
    if hit is None:
        return None
    text = str(value).strip().strip("\"'")
    if token_kind(text):
        return hit
    if _NOT_SECRET_VALUE_RE.match(text):
        return None
    if name and re.fullmatch(r"[A-Z][A-Z0-9_]*", text) and (name.upper() in text or text in name.upper()):
        return None  # GOOGLE_API_KEY: GOOGLE_API_KEY_VAL, a placeholder named after the variable
    if hit.kind == "high-entropy string" and name and _ADDRESS_NAME_RE.search(name):
        return None
    return hit


def controlling_owner(res: Resource, inv: Inventory) -> Resource | None:
    """The workload in the scan that controls this one (a Pod's ReplicaSet, a ReplicaSet's Deployment, a
    Job's CronJob), from metadata.ownerReferences: live objects repeat their controller's template."""
    for ref in as_list(_get(res.data, "metadata", "ownerReferences")):
        if not isinstance(ref, Mapping) or ref.get("controller") is False:
            continue
        owner = estate_index(inv).workloads.get((ns_of(res), str(ref.get("kind")).lower(), str(ref.get("name"))))
        if owner is not None:
            return owner
    return None


def require_pod_spec(res: Resource, inv: Inventory | None = None) -> tuple[Mapping[str, Any], ObjPath]:
    """The pod spec and its path, or NotAssessed when the workload has no pod template or no containers
    (nothing to judge is never a pass). With the inventory, objects whose controller is in the scan are
    NotApplicable: they are judged once, at the controller."""
    if inv is not None and controlling_owner(res, inv) is not None:
        raise NotApplicable()
    ref = workload_ref(res)
    if ref is not None and _get(res.data, "spec", "template") is None:
        if inv is not None and estate_index(inv).workloads.get((ns_of(res), *ref)) is not None:
            raise NotApplicable()  # the template is judged at the referenced workload
        raise NotAssessed(f"{res.kind} {res.name} takes its pod template from {ref[0]} {ref[1]}, not in the scan")
    spec, base = pod_spec(res)
    if spec is None and res.kind == "InferenceService":
        raise NotAssessed(f"InferenceService {res.name} declares no containers of its own: its model server "
                          "container comes from a ServingRuntime (scan that to judge it)")
    if spec is None and res.kind == "LLMInferenceService":
        raise NotAssessed(f"LLMInferenceService {res.name} declares no pod template of its own: it comes from "
                          "an LLMInferenceServiceConfig (baseRefs) or the controller's defaults")
    if spec is None:
        raise NotAssessed(f"{res.kind} {res.name} has no pod spec to judge")
    if not isinstance(spec.get("containers"), list) or not any(
        isinstance(c, Mapping) for c in spec["containers"]
    ):
        raise NotAssessed(f"{res.kind} {res.name} declares no containers")
    return spec, base

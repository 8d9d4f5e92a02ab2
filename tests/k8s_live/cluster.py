"""The recorded cluster the loopback API server serves.

`recorded-objects.json` holds one object per kind as `kubectl get -o json` returns it from an AKS cluster
running an ML serving stack (managedFields, last-applied annotations, ownerReferences, status included).
`build_cluster(namespaces)` replicates them over namespaces with consistent names, labels and owner chains
(Deployment -> ReplicaSet -> Pods, CronJob -> Job -> Pod, StatefulSet -> Pods), so a cluster of any size is
reproducible byte for byte.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

from .server import Kind

HERE = Path(__file__).resolve().parent
RECORDED = json.loads((HERE / "recorded-objects.json").read_text(encoding="utf-8"))

KINDS: list[Kind] = [
    Kind("", "v1", "namespaces", "Namespace", namespaced=False),
    Kind("", "v1", "pods", "Pod"),
    Kind("", "v1", "services", "Service"),
    Kind("", "v1", "serviceaccounts", "ServiceAccount"),
    Kind("", "v1", "configmaps", "ConfigMap"),
    Kind("", "v1", "secrets", "Secret"),
    Kind("", "v1", "limitranges", "LimitRange"),
    Kind("", "v1", "resourcequotas", "ResourceQuota"),
    Kind("", "v1", "replicationcontrollers", "ReplicationController"),
    Kind("apps", "v1", "deployments", "Deployment"),
    Kind("apps", "v1", "statefulsets", "StatefulSet"),
    Kind("apps", "v1", "daemonsets", "DaemonSet"),
    Kind("apps", "v1", "replicasets", "ReplicaSet"),
    Kind("batch", "v1", "jobs", "Job"),
    Kind("batch", "v1", "cronjobs", "CronJob"),
    Kind("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler"),
    Kind("autoscaling", "v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler"),
    Kind("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget"),
    Kind("networking.k8s.io", "v1", "ingresses", "Ingress"),
    Kind("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy"),
    Kind("rbac.authorization.k8s.io", "v1", "roles", "Role"),
    Kind("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding"),
    Kind("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", namespaced=False),
    Kind("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", namespaced=False),
    Kind("keda.sh", "v1alpha1", "scaledobjects", "ScaledObject"),
    Kind("secrets-store.csi.x-k8s.io", "v1", "secretproviderclasses", "SecretProviderClass"),
    # argoproj.io (Rollouts) and external-secrets.io are NOT installed: their kinds must be skipped
]


def _uid(*parts: str) -> str:
    h = hashlib.sha256("/".join(parts).encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def _obj(template: str, name: str, ns: str | None, **labels: str) -> dict[str, Any]:
    o = copy.deepcopy(RECORDED[template])
    o.pop("kind", None)
    o.pop("apiVersion", None)
    meta = o.setdefault("metadata", {})
    meta["name"] = name
    if ns is not None:
        meta["namespace"] = ns
    else:
        meta.pop("namespace", None)
    meta["uid"] = _uid(template, ns or "", name)
    if labels:
        meta["labels"] = {**(meta.get("labels") or {}), **labels}
    return o


def _owned(o: dict[str, Any], kind: str, api_version: str, owner: dict[str, Any]) -> dict[str, Any]:
    o["metadata"]["ownerReferences"] = [{
        "apiVersion": api_version, "kind": kind, "name": owner["metadata"]["name"], "uid": owner["metadata"]["uid"],
        "controller": True, "blockOwnerDeletion": True}]
    return o


def _set_pod_labels(o: dict[str, Any], app: str) -> None:
    tmpl = o["spec"].get("template") or o["spec"]["jobTemplate"]["spec"]["template"]
    tmpl["metadata"]["labels"] = {"app.kubernetes.io/name": app, "app.kubernetes.io/version": "1.4.0"}
    if "selector" in o["spec"]:
        o["spec"]["selector"] = {"matchLabels": {"app.kubernetes.io/name": app}}


def build_cluster(namespaces: int = 32, models: int = 4) -> dict[str, list[dict[str, Any]]]:
    """plural -> objects. With the defaults: a little over 2,100 objects (Secrets not counted)."""
    out: dict[str, list[dict[str, Any]]] = {k.plural: [] for k in KINDS}

    def add(plural: str, o: dict[str, Any]) -> dict[str, Any]:
        out[plural].append(o)
        return o

    names = ["kube-system"] + [f"ml-{i:02d}" for i in range(namespaces)]
    for ns in names:
        add("namespaces", _obj("Namespace", ns, None, **{"kubernetes.io/metadata.name": ns}))
    ds = add("daemonsets", _obj("DaemonSet", "node-exporter", "kube-system"))
    for n in range(3):
        add("pods", _owned(_obj("Pod", f"node-exporter-{n:05d}", "kube-system", app="node-exporter"),
                           "DaemonSet", "apps/v1", ds))
    for i in range(60):
        add("clusterroles", _obj("ClusterRole", f"ml-platform:reader-{i:02d}", None))
    for i in range(40):
        add("clusterrolebindings", _obj("ClusterRoleBinding", f"ml-platform:reader-{i:02d}", None))
    add("clusterroles", _obj("ClusterRole", "cluster-admin", None))
    add("clusterrolebindings", _obj("ClusterRoleBinding", "ci-deployer-admin", None))

    for ns in names[1:]:
        for m in range(models):
            app = f"model-{m}"
            dep = _obj("Deployment", app, ns, **{"app.kubernetes.io/name": app, "tier": "serving"})
            _set_pod_labels(dep, app)
            if m == 0:  # one model per namespace runs as root: the rules must see it
                dep["spec"]["template"]["spec"]["securityContext"] = {}
            add("deployments", dep)
            for rev in (1, 2):
                rs = _owned(_obj("ReplicaSet", f"{app}-{rev}7f9c8d{m}", ns, **{"app.kubernetes.io/name": app}),
                            "Deployment", "apps/v1", dep)
                rs["spec"]["replicas"] = 0 if rev == 1 else 2
                add("replicasets", rs)
                if rev == 2:
                    for p in range(2):
                        add("pods", _owned(_obj("Pod", f"{rs['metadata']['name']}-{p}x{m}q", ns,
                                                **{"app.kubernetes.io/name": app}), "ReplicaSet", "apps/v1", rs))
            add("services", _obj("Service", app, ns, **{"app.kubernetes.io/name": app}))
            add("horizontalpodautoscalers", _obj("HorizontalPodAutoscaler", app, ns))
            out["horizontalpodautoscalers"][-1]["spec"]["scaleTargetRef"]["name"] = app
            add("poddisruptionbudgets", _obj("PodDisruptionBudget", app, ns))
            out["poddisruptionbudgets"][-1]["spec"]["selector"] = {"matchLabels": {"app.kubernetes.io/name": app}}
            add("configmaps", _obj("ConfigMap", f"{app}-config", ns))
            add("serviceaccounts", _obj("ServiceAccount", app, ns))
            add("ingresses", _obj("Ingress", app, ns))
        sts = add("statefulsets", _obj("StatefulSet", "feature-store", ns, **{"app.kubernetes.io/name": "feature-store"}))
        for p in range(2):
            add("pods", _owned(_obj("Pod", f"feature-store-{p}", ns, **{"app.kubernetes.io/name": "feature-store"}),
                               "StatefulSet", "apps/v1", sts))
        cj = add("cronjobs", _obj("CronJob", "retrain", ns, **{"app.kubernetes.io/name": "retrain"}))
        for run in range(3):
            job = add("jobs", _owned(_obj("Job", f"retrain-2911{run:02d}", ns, **{"app.kubernetes.io/name": "retrain"}),
                                     "CronJob", "batch/v1", cj))
            add("pods", _owned(_obj("Pod", f"retrain-2911{run:02d}-k{run}", ns, **{"app.kubernetes.io/name": "retrain"}),
                               "Job", "batch/v1", job))
        add("jobs", _obj("Job", "backfill-embeddings", ns, **{"app.kubernetes.io/name": "backfill"}))
        add("pods", _obj("Pod", "debug-shell", ns, app="debug"))  # a bare pod: judged on its own
        add("configmaps", _obj("ConfigMap", "kube-root-ca.crt", ns))
        add("serviceaccounts", _obj("ServiceAccount", "default", ns))
        add("secrets", _obj("Secret", "model-registry-credentials", ns))
        add("roles", _obj("Role", "model-reader", ns))
        add("rolebindings", _obj("RoleBinding", "model-reader", ns))
        add("networkpolicies", _obj("NetworkPolicy", "default-deny", ns))
        add("limitranges", _obj("LimitRange", "defaults", ns))
        add("resourcequotas", _obj("ResourceQuota", "compute", ns))
        add("scaledobjects", _obj("ScaledObject", "model-1-queue", ns))
        add("secretproviderclasses", _obj("SecretProviderClass", "azure-kv", ns))
    return out


def count(objects: dict[str, list[dict[str, Any]]]) -> int:
    return sum(len(v) for v in objects.values())

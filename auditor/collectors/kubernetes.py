"""Live Kubernetes collector: read-only lists of every kind the rules judge, as raw JSON.

`collect("prod", {...})` for context `prod` (empty: the current context; no kubeconfig: the in-cluster
service account). Credentials are found as kubectl finds them (KUBECONFIG, ~/.kube/config, exec plugins,
client certificates, tokens) by the official `kubernetes` client, imported here only, lazily.

Only GET is ever sent: discovery (`/api`, `/apis`, `/apis/<group>/<version>`), then paged lists
(`limit`/`continue`) of each kind. Secrets are never listed. Objects are kept as plain JSON (no typed
models), with `managedFields` and the `last-applied-configuration` annotation dropped and `kind` /
`apiVersion` filled in from the list. Pods, ReplicaSets, ReplicationControllers and Jobs owned by a
controller that was listed are judged through that controller and not on their own.

Faults never stop the collection: a 403 on a kind becomes an input error naming the verb and resource
(`forbidden: list deployments.apps at cluster scope`), after a per-namespace retry; a missing CRD skips its
kind; a 410 on a continue token restarts that list once; a 401 stops with a clear message. Kinds that
could not be listed are recorded as errors with the path `k8s/<cluster>/<Kind>` (see `not_listed`), so
rules depending on them can say NOT_ASSESSED instead of guessing.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from auditor.k8s import unlisted_kinds
from auditor.loaders import LoadResult
from auditor.model import InputError, Location, Resource
from auditor.suppressions import ANNOTATION_PREFIX, parse_annotations

TARGET = "kubernetes"
PAGE_SIZE = 500
WORKERS = 4  # kinds listed in parallel (one connection each); pages of one list stay sequential
TIMEOUT_SECONDS = 30.0
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
# kinds whose objects the label selector narrows; the others are listed whole so that selectors of
# PDBs, HPAs, Services and NetworkPolicies can still be matched against the selected workloads
SELECTABLE = frozenset({"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController",
                        "Job", "CronJob", "Rollout"})


@dataclass(frozen=True, slots=True)
class KindSpec:
    group: str  # "" for the core group
    versions: tuple[str, ...]  # preferred first; CRDs use the server's preferred version when empty
    plural: str
    kind: str
    namespaced: bool = True
    crd: bool = False

    @property
    def resource(self) -> str:
        """`deployments.apps` / `pods` as RBAC names it."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


KINDS: tuple[KindSpec, ...] = (
    KindSpec("", ("v1",), "namespaces", "Namespace", namespaced=False),
    KindSpec("", ("v1",), "pods", "Pod"),
    KindSpec("", ("v1",), "replicationcontrollers", "ReplicationController"),
    KindSpec("", ("v1",), "services", "Service"),
    KindSpec("", ("v1",), "serviceaccounts", "ServiceAccount"),
    KindSpec("", ("v1",), "configmaps", "ConfigMap"),
    KindSpec("", ("v1",), "limitranges", "LimitRange"),
    KindSpec("", ("v1",), "resourcequotas", "ResourceQuota"),
    KindSpec("apps", ("v1",), "deployments", "Deployment"),
    KindSpec("apps", ("v1",), "statefulsets", "StatefulSet"),
    KindSpec("apps", ("v1",), "daemonsets", "DaemonSet"),
    KindSpec("apps", ("v1",), "replicasets", "ReplicaSet"),
    KindSpec("batch", ("v1",), "jobs", "Job"),
    KindSpec("batch", ("v1", "v1beta1"), "cronjobs", "CronJob"),
    KindSpec("autoscaling", ("v2", "v2beta2", "v1"), "horizontalpodautoscalers", "HorizontalPodAutoscaler"),
    KindSpec("policy", ("v1", "v1beta1"), "poddisruptionbudgets", "PodDisruptionBudget"),
    KindSpec("networking.k8s.io", ("v1",), "ingresses", "Ingress"),
    KindSpec("networking.k8s.io", ("v1",), "networkpolicies", "NetworkPolicy"),
    KindSpec("rbac.authorization.k8s.io", ("v1",), "roles", "Role"),
    KindSpec("rbac.authorization.k8s.io", ("v1",), "rolebindings", "RoleBinding"),
    KindSpec("rbac.authorization.k8s.io", ("v1",), "clusterroles", "ClusterRole", namespaced=False),
    KindSpec("rbac.authorization.k8s.io", ("v1",), "clusterrolebindings", "ClusterRoleBinding", namespaced=False),
    KindSpec("keda.sh", (), "scaledobjects", "ScaledObject", crd=True),
    KindSpec("secrets-store.csi.x-k8s.io", (), "secretproviderclasses", "SecretProviderClass", crd=True),
    KindSpec("argoproj.io", (), "rollouts", "Rollout", crd=True),
    KindSpec("external-secrets.io", (), "externalsecrets", "ExternalSecret", crd=True),
    KindSpec("external-secrets.io", (), "secretstores", "SecretStore", crd=True),
    KindSpec("external-secrets.io", (), "clustersecretstores", "ClusterSecretStore", namespaced=False, crd=True),
    KindSpec("spv.no", (), "azurekeyvaultsecrets", "AzureKeyVaultSecret", crd=True),
    KindSpec("apps.openshift.io", (), "deploymentconfigs", "DeploymentConfig", crd=True),
    KindSpec("route.openshift.io", (), "routes", "Route", crd=True),
)


class HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message


class CollectError(Exception):
    """The whole collection cannot go on (no kubeconfig, 401, unreachable server)."""


def not_listed(errors: Iterable[InputError]) -> frozenset[str]:
    """Kinds this collection could not list at all (rules that need them raise NotAssessed through
    auditor.k8s.require_listed, which also counts partly read kinds)."""
    return unlisted_kinds(errors, partial=False)


# ---- client ---------------------------------------------------------------------------------------
def _client(ref: str, options: Mapping[str, Any]) -> tuple[Any, str, str | None]:
    """(ApiClient, cluster name, default namespace) for the context `ref` (empty: current)."""
    try:
        from kubernetes import client, config  # imported only for cluster scans
        from kubernetes.config.config_exception import ConfigException
    except ImportError as exc:
        raise CollectError(f"the kubernetes client is not installed ({exc}): pip install kubernetes") from None

    kubeconfig = options.get("kubeconfig") or os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")
    first = next((p for p in str(kubeconfig).split(os.pathsep) if p and os.path.exists(p)), None)
    if first is None:
        if os.environ.get("KUBERNETES_SERVICE_HOST") and not ref:
            cfg = client.Configuration()
            try:
                config.load_incluster_config(client_configuration=cfg)  # type: ignore[no-untyped-call]
            except ConfigException as exc:
                raise CollectError(f"in-cluster configuration unusable: {exc}") from None
            return client.ApiClient(configuration=cfg), "in-cluster", None
        raise CollectError(f"no kubeconfig found ({kubeconfig}) and not running inside a cluster")
    try:
        contexts, current = config.list_kube_config_contexts(config_file=str(kubeconfig))  # type: ignore[no-untyped-call]
        chosen = current if not ref else next((c for c in contexts if c.get("name") == ref), None)
        if chosen is None:
            names = ", ".join(sorted(str(c.get("name")) for c in contexts)) or "none"
            raise CollectError(f"context {ref!r} is not in the kubeconfig (contexts: {names})")
        api = config.new_client_from_config(  # type: ignore[no-untyped-call]
            config_file=str(kubeconfig), context=chosen.get("name"), persist_config=False)
    except CollectError:
        raise
    except Exception as exc:  # ConfigException, unreadable or malformed kubeconfig, failing exec plugin
        raise CollectError(f"cannot use kubeconfig {kubeconfig}: {type(exc).__name__}: {exc}") from None
    ctx = chosen.get("context") or {}
    cluster = str(ctx.get("cluster") or chosen.get("name") or "cluster")
    return api, cluster, ctx.get("namespace")


class _Session:
    def __init__(self, api: Any, cluster: str, options: Mapping[str, Any], default_ns: str | None) -> None:
        self.api = api
        self.cluster = cluster
        self.page = int(options.get("page_size") or PAGE_SIZE)
        self.selector = options.get("selector") or None
        self.namespaces: tuple[str, ...] = tuple(options.get("namespaces") or ())
        if options.get("all_namespaces"):
            self.namespaces = ()
        self.default_ns = default_ns
        self.errors: list[InputError] = []
        self.requests = 0
        self._lock = threading.Lock()
        self._namespace_names: list[str] | None = None

    # -- HTTP --
    def get(self, path: str, query: Sequence[tuple[str, Any]] = ()) -> Any:
        method, url, headers, _, _ = self.api.param_serialize(
            "GET", path, query_params=list(query), header_params={"Accept": "application/json"},
            auth_settings=["BearerToken"])
        with self._lock:
            self.requests += 1
        try:
            resp = self.api.call_api(method, url, header_params=headers, _request_timeout=TIMEOUT_SECONDS)
            body = resp.read()
        except Exception as exc:  # connection refused, TLS failure, timeouts (urllib3/ApiException status 0)
            reason = getattr(exc, "reason", None) or exc
            raise CollectError(f"cannot reach the API server {self.api.configuration.host}: {reason}") from None
        status = int(resp.status)
        if status >= 400:
            message = ""
            try:
                message = str(json.loads(body).get("message") or "")
            except (ValueError, AttributeError):
                message = body[:200].decode("utf-8", "replace") if isinstance(body, bytes) else ""
            if status == 401:
                raise CollectError(
                    f"unauthorized (401): the API server {self.api.configuration.host} rejected the credentials of "
                    f"cluster {self.cluster}; refresh them (az aks get-credentials, kubectl login, a new token)")
            raise HttpError(status, message)
        try:
            return json.loads(body)
        except ValueError:
            raise HttpError(502, f"the answer to GET {path} is not JSON") from None

    # -- discovery --
    def discover(self) -> dict[str, tuple[str, bool]]:
        """kind -> (apiVersion, namespaced) for every wanted kind the server serves."""
        found: dict[str, tuple[str, bool]] = {}
        try:
            groups = self.get("/apis").get("groups") or []
            core = self.get("/api/v1").get("resources") or []
        except HttpError as exc:
            self.errors.append(InputError(f"k8s/{self.cluster}", f"discovery failed ({exc}); listing the built-in "
                                          "kinds only", TARGET))
            return {k.kind: (f"{k.group}/{k.versions[0]}" if k.group else "v1", k.namespaced)
                    for k in KINDS if not k.crd}
        served: dict[str, tuple[list[str], str]] = {}
        for g in groups:
            versions = [str(v.get("version")) for v in g.get("versions") or []]
            preferred = str((g.get("preferredVersion") or {}).get("version") or (versions[0] if versions else ""))
            served[str(g.get("name"))] = (versions, preferred)
        resources: dict[str, list[Mapping[str, Any]]] = {"v1": core}
        for spec in KINDS:
            if not spec.group:
                gv = "v1"
            else:
                if spec.group not in served:
                    continue  # group (CRD) not installed: kind skipped
                versions, preferred = served[spec.group]
                version = next((v for v in spec.versions if v in versions), None) if spec.versions else preferred
                if version is None:
                    continue
                gv = f"{spec.group}/{version}"
            if gv not in resources:
                try:
                    resources[gv] = self.get(f"/apis/{gv}").get("resources") or []
                except HttpError as exc:
                    if exc.status != 404:
                        self.errors.append(InputError(f"k8s/{self.cluster}/{spec.kind}",
                                                      f"discovery of {gv} failed: {exc}", TARGET))
                    resources[gv] = []
            for r in resources[gv]:
                if r.get("name") == spec.plural and "list" in (r.get("verbs") or ["list"]):
                    found[spec.kind] = (gv, bool(r.get("namespaced", spec.namespaced)))
                    break
        return found

    # -- lists --
    def _paged(self, path: str, selector: str | None) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        token: str | None = None
        restarted = False
        while True:
            query: list[tuple[str, Any]] = [("limit", self.page)]
            if token:
                query.append(("continue", token))
            if selector:
                query.append(("labelSelector", selector))
            try:
                doc = self.get(path, query)
            except HttpError as exc:
                if exc.status == 410 and token and not restarted:
                    restarted, token, items = True, None, []  # continue token expired: restart the list once
                    continue
                raise
            items.extend(i for i in doc.get("items") or [] if isinstance(i, dict))
            previous, token = token, (doc.get("metadata") or {}).get("continue") or None
            if not token:
                return items
            if token == previous:
                raise HttpError(500, "the server returned the same continue token twice")

    def namespace_names(self) -> list[str]:
        with self._lock:
            cached = self._namespace_names
        if cached is None:
            try:
                cached = [str((n.get("metadata") or {}).get("name")) for n in self._paged("/api/v1/namespaces", None)]
            except HttpError:
                cached = []
            with self._lock:
                self._namespace_names = cached
        return cached

    def get_namespaces(self, names: Sequence[str]) -> list[dict[str, Any]]:
        """The Namespace objects of the namespaces asked for (GET each; denied or missing ones left out)."""
        out = []
        for ns in names:
            try:
                out.append(self.get(f"/api/v1/namespaces/{ns}"))
            except HttpError:
                continue
        return out

    def list_kind(self, spec: KindSpec, gv: str, namespaced: bool) -> list[dict[str, Any]] | None:
        base = "/api/v1" if gv == "v1" else f"/apis/{gv}"
        selector = self.selector if spec.kind in SELECTABLE else None
        where = f"k8s/{self.cluster}/{spec.kind}"
        if namespaced and self.namespaces:
            return self._per_namespace(spec, base, selector, self.namespaces, None)
        try:
            return self._paged(f"{base}/{spec.plural}", selector)
        except HttpError as exc:
            if exc.status == 404:
                if not spec.crd:
                    self.errors.append(InputError(where, f"{spec.resource} not served (404)", TARGET, "not_scanned"))
                return None
            if exc.status != 403 or not namespaced:
                self.errors.append(InputError(where, _denied(exc, spec, None), TARGET))
                return None
            candidates = self.namespace_names() or [self.default_ns or "default"]
            return self._per_namespace(spec, base, selector, candidates, exc)

    def _per_namespace(self, spec: KindSpec, base: str, selector: str | None, namespaces: Sequence[str],
                       cluster_exc: HttpError | None) -> list[dict[str, Any]] | None:
        items: list[dict[str, Any]] = []
        denied: list[str] = []
        read = 0
        for ns in namespaces:
            try:
                items += self._paged(f"{base}/namespaces/{ns}/{spec.plural}", selector)
                read += 1
            except HttpError as exc:
                if exc.status == 404 and spec.crd:
                    return None
                if exc.status in (403, 404):
                    denied.append(ns)
                    continue
                self.errors.append(InputError(f"k8s/{self.cluster}/{spec.kind}", _denied(exc, spec, ns), TARGET))
                return None
        where = f"k8s/{self.cluster}/{spec.kind}"
        if cluster_exc is not None and read == 0:
            self.errors.append(InputError(where, _denied(cluster_exc, spec, None)
                                          + f"; no namespace readable either ({', '.join(denied)})", TARGET))
            return None
        if denied:
            shown = ", ".join(denied[:10]) + (f" and {len(denied) - 10} more" if len(denied) > 10 else "")
            prefix = (_denied(cluster_exc, spec, None) + "; read per namespace instead, but ") if cluster_exc else ""
            self.errors.append(InputError(f"{where}/partial" if read else where,
                                          f"{prefix}forbidden: list {spec.resource} in namespace(s) {shown}", TARGET))
        return items


def _denied(exc: HttpError, spec: KindSpec, ns: str | None) -> str:
    scope = f"in namespace {ns}" if ns else "at cluster scope"
    if exc.status == 403:
        return f"forbidden: list {spec.resource} {scope} (grant the verb `list` on `{spec.resource}`)"
    return f"list {spec.resource} {scope} failed: {exc}"


# ---- resources ------------------------------------------------------------------------------------
def _clean(obj: dict[str, Any], kind: str, api_version: str) -> dict[str, Any]:
    obj["kind"] = obj.get("kind") or kind
    obj["apiVersion"] = obj.get("apiVersion") or api_version
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        meta.pop("managedFields", None)
        ann = meta.get("annotations")
        if isinstance(ann, dict):
            ann.pop(LAST_APPLIED, None)
    if kind == "ConfigMap" and isinstance(obj.get("binaryData"), dict):
        obj["binaryData"] = {k: f"<{len(str(v))} base64 characters>" for k, v in obj["binaryData"].items()}
    return obj


def _controller(obj: Mapping[str, Any]) -> str | None:
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if isinstance(ref, Mapping) and ref.get("controller"):
            return str(ref.get("kind") or "")
    return None


def to_resource(obj: Mapping[str, Any], cluster: str) -> Resource:
    meta = obj.get("metadata") or {}
    kind = str(obj.get("kind"))
    name = str(meta.get("name") or "<unnamed>")
    ns = meta.get("namespace")
    key = f"{cluster}/{ns}/{kind}/{name}" if ns else f"{cluster}/{kind}/{name}"
    raw_ann = meta.get("annotations") or {}
    ann = {str(k): str(v) for k, v in raw_ann.items() if str(k).startswith(ANNOTATION_PREFIX)}
    path = f"k8s/{key}"
    uid = f"k8s://{key}"
    return Resource(
        target=TARGET, kind=kind, name=name, namespace=ns, location=Location(path, None), uid=uid, origin="live",
        annotations=ann, extra={"apiVersion": obj.get("apiVersion"), "cluster": cluster},
        suppressions=tuple(parse_annotations(ann, uid, path, None)) if ann else (), _data=obj,
    )


def collect(ref: str, options: Mapping[str, Any]) -> LoadResult:
    """Read one cluster (context `ref`, empty for the current one) into Kubernetes resources."""
    out = LoadResult()
    target = f"k8s:{ref}"
    try:
        api, cluster, default_ns = _client(ref, options)
    except CollectError as exc:
        out.errors.append(InputError(target, str(exc), TARGET))
        return out
    s = _Session(api, cluster, options, default_ns)
    listed: dict[str, list[dict[str, Any]]] = {}

    def one(spec: KindSpec, gv: str, namespaced: bool) -> list[dict[str, Any]] | None:
        if spec.kind == "Namespace" and s.namespaces:
            items: list[dict[str, Any]] | None = s.get_namespaces(s.namespaces)
        else:
            items = s.list_kind(spec, gv, namespaced)
        return None if items is None else [_clean(i, spec.kind, gv) for i in items]

    fatal: list[str] = []
    try:
        found = s.discover()
        with ThreadPoolExecutor(max_workers=max(1, int(options.get("workers") or WORKERS))) as pool:
            futures = {spec.kind: pool.submit(one, spec, *found[spec.kind]) for spec in KINDS if spec.kind in found}
            for kind, fut in futures.items():
                try:
                    items = fut.result()
                except CollectError as exc:
                    if str(exc) not in fatal:
                        fatal.append(str(exc))
                    continue
                except Exception as exc:  # a malformed answer must not take the scan down
                    s.errors.append(InputError(f"k8s/{cluster}/{kind}", f"listing failed: {type(exc).__name__}: "
                                               f"{exc}", TARGET))
                    continue
                if items is not None:
                    listed[kind] = items
    except CollectError as exc:
        fatal.append(str(exc))
    finally:
        api.close()
    out.errors += [InputError(target, msg, TARGET) for msg in fatal]
    order = {k.kind: i for i, k in enumerate(KINDS)}
    s.errors.sort(key=lambda e: order.get(e.path.split("/")[2] if e.path.count("/") >= 2 else "", -1))
    partial = not_listed(s.errors)
    for kind, items in listed.items():
        for obj in items:
            owner = _controller(obj)
            if kind in ("Pod", "ReplicaSet", "Job", "ReplicationController") and owner and owner in listed and owner not in partial:
                continue  # judged through its controller
            out.resources.append(to_resource(obj, cluster))
    out.errors = [*out.errors, *s.errors]
    return out

"""The live Kubernetes collector against a loopback HTTPS API server, with the real `kubernetes` client.

No real API server (kind, k3s, envtest) can be installed on these machines: the tests start one of their
own (tests/k8s_live/server.py) on 127.0.0.1 with TLS from a CA the tests generate, bearer-token auth, and
a recorded cluster of more than 2,000 objects. The collector reads it through a kubeconfig the tests write
(certificate-authority-data + token), exactly as it would read AKS. kubectl, when installed, reads the same
server to show that the server speaks the real protocol.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.collectors.kubernetes import collect, not_listed
from auditor.inventory import Inventory
from auditor.model import InputError
from auditor.scan import ScanOptions, judge
from tests.k8s_live.cluster import KINDS, build_cluster, count
from tests.k8s_live.server import ApiServer

CLUSTER = build_cluster()
OWNED = {"Pod", "ReplicaSet", "Job"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    with ApiServer(KINDS, CLUSTER, tmp_path_factory.mktemp("apiserver")) as srv:
        yield srv


@pytest.fixture
def api(server: ApiServer) -> Iterator[ApiServer]:
    server.requests.clear()
    server.faults.deny.clear()
    server.faults.expire_once.clear()
    server.faults.expired.clear()
    server.faults.missing_paths.clear()
    server.faults.status.clear()
    yield server


def _expected_counts() -> Counter[str]:
    """What the collector must return: every served kind except Secrets, owned Pods/ReplicaSets/Jobs left out."""
    kinds = {k.plural: k.kind for k in KINDS}
    out: Counter[str] = Counter()
    for plural, objs in CLUSTER.items():
        if plural == "secrets":
            continue
        for o in objs:
            owned = any(r.get("controller") for r in o["metadata"].get("ownerReferences") or [])
            if kinds[plural] in OWNED and owned:
                continue
            out[kinds[plural]] += 1
    return out


def test_the_recorded_cluster_is_large(server: ApiServer) -> None:
    assert count(CLUSTER) - len(CLUSTER["secrets"]) >= 2000


def test_collects_every_kind_paged_raw_and_read_only(api: ApiServer) -> None:
    kc = api.kubeconfig()
    result = collect("loopback", {"kubeconfig": str(kc), "page_size": 7})
    assert result.errors == []
    assert Counter(r.kind for r in result.resources) == _expected_counts()
    # only GET, never a Secret, never a CRD that is not installed
    assert {m for m, _, _ in api.requests} == {"GET"}
    paths = [p for _, p, _ in api.requests]
    assert not [p for p in paths if p.endswith("/secrets") or "argoproj.io" in p or "external-secrets.io" in p]
    # every kind with more than one page was paged with limit/continue
    for k in KINDS:
        n = len(CLUSTER[k.plural])
        if k.plural == "secrets" or (k.group == "autoscaling" and k.version == "v1"):
            continue
        path = f"/api/v1/{k.plural}" if not k.group else f"/apis/{k.gv}/{k.plural}"
        calls = [q for _, p, q in api.requests if p == path]
        pages = max(1, (n + 6) // 7)
        assert [q["limit"] for q in calls] == [["7"]] * pages, path
        assert sum(1 for q in calls if "continue" in q) == pages - 1, path
        assert n == 0 or n > 7 or k.kind == "DaemonSet", path  # every kind that has objects takes several pages
    dep = next(r for r in result.resources if r.kind == "Deployment" and r.namespace == "ml-00" and r.name == "model-0")
    assert dep.origin == "live"
    assert dep.location.path == "k8s/loopback-cluster/ml-00/Deployment/model-0" and dep.location.line is None
    assert dep.uid == "k8s://loopback-cluster/ml-00/Deployment/model-0"
    assert dep.data["kind"] == "Deployment" and dep.data["apiVersion"] == "apps/v1"
    assert "managedFields" not in dep.data["metadata"]
    assert dep.data["metadata"]["annotations"] == {"deployment.kubernetes.io/revision": "2"}
    hpa = next(r for r in result.resources if r.kind == "HorizontalPodAutoscaler")
    assert hpa.data["apiVersion"] == "autoscaling/v2"
    cm = next(r for r in result.resources if r.kind == "ConfigMap" and r.name.endswith("-config"))
    assert cm.data["binaryData"] == {"vocab.bin": "<16 base64 characters>"}
    cr = next(r for r in result.resources if r.kind == "ClusterRole")
    assert cr.namespace is None and cr.location.path == f"k8s/loopback-cluster/ClusterRole/{cr.name}"
    # only bare pods are judged on their own; pods of controllers are judged through them
    assert sorted({r.name for r in result.resources if r.kind == "Pod"}) == ["debug-shell"]
    assert sorted({r.name for r in result.resources if r.kind == "Job"}) == ["backfill-embeddings"]


def test_forbidden_kind_falls_back_to_namespaces_then_reports_what_is_missing(api: ApiServer) -> None:
    api.faults.deny |= {("poddisruptionbudgets", "cluster"), ("poddisruptionbudgets", "ml-03"),
                        ("networkpolicies", "*")}
    result = collect("loopback", {"kubeconfig": str(api.kubeconfig()), "page_size": 100})
    got = Counter(r.kind for r in result.resources)
    want = _expected_counts()
    assert got["PodDisruptionBudget"] == want["PodDisruptionBudget"] - 4
    assert got["NetworkPolicy"] == 0
    assert {k: v for k, v in got.items() if k not in ("PodDisruptionBudget", "NetworkPolicy")} == {
        k: v for k, v in want.items() if k not in ("PodDisruptionBudget", "NetworkPolicy")}
    namespaces = ", ".join(n["metadata"]["name"] for n in CLUSTER["namespaces"])
    assert result.errors == [
        InputError("k8s/loopback-cluster/PodDisruptionBudget/partial",
                   "forbidden: list poddisruptionbudgets.policy at cluster scope (grant the verb `list` on "
                   "`poddisruptionbudgets.policy`); read per namespace instead, but forbidden: list "
                   "poddisruptionbudgets.policy in namespace(s) ml-03", "kubernetes"),
        InputError("k8s/loopback-cluster/NetworkPolicy",
                   "forbidden: list networkpolicies.networking.k8s.io at cluster scope (grant the verb `list` on "
                   f"`networkpolicies.networking.k8s.io`); no namespace readable either ({namespaces})",
                   "kubernetes"),
    ]
    assert not_listed(result.errors) == {"NetworkPolicy"}


def test_expired_continue_token_restarts_the_list_once(api: ApiServer) -> None:
    api.faults.expire_once |= {"pods", "deployments"}
    result = collect("loopback", {"kubeconfig": str(api.kubeconfig()), "page_size": 40})
    assert result.errors == []
    assert Counter(r.kind for r in result.resources) == _expected_counts()
    dep_calls = [q for _, p, q in api.requests if p == "/apis/apps/v1/deployments"]
    # 128 deployments in pages of 40: page 1, page 2 -> 410, restart: pages 1..4
    assert [("continue" in q) for q in dep_calls] == [False, True, False, True, True, True]


def test_unauthorized_is_one_clear_error(api: ApiServer) -> None:
    result = collect("loopback", {"kubeconfig": str(api.kubeconfig(token="expired-token"))})
    assert result.resources == []
    assert result.errors == [InputError(
        "k8s:loopback",
        f"unauthorized (401): the API server {api.url} rejected the credentials of cluster loopback-cluster; "
        "refresh them (az aks get-credentials, kubectl login, a new token)", "kubernetes")]


def test_unknown_context_and_missing_kubeconfig(api: ApiServer, tmp_path: Path) -> None:
    kc = api.kubeconfig()
    assert collect("prod", {"kubeconfig": str(kc)}).errors == [InputError(
        "k8s:prod", "context 'prod' is not in the kubeconfig (contexts: loopback)", "kubernetes")]
    missing = tmp_path / "nope"
    assert collect("", {"kubeconfig": str(missing)}).errors == [InputError(
        "k8s:", f"no kubeconfig found ({missing}) and not running inside a cluster", "kubernetes")]


def test_missing_crd_version_is_skipped_silently(api: ApiServer) -> None:
    api.faults.missing_paths.add("/apis/keda.sh/v1alpha1")
    result = collect("loopback", {"kubeconfig": str(api.kubeconfig())})
    assert result.errors == []
    assert "ScaledObject" not in {r.kind for r in result.resources}


def test_label_selector_narrows_workloads_only(api: ApiServer) -> None:
    result = collect("loopback", {"kubeconfig": str(api.kubeconfig()), "selector": "app.kubernetes.io/name in (model-1)"})
    got = Counter(r.kind for r in result.resources)
    assert got["Deployment"] == 32 and got["StatefulSet"] == 0 and got["Pod"] == 0
    assert got["PodDisruptionBudget"] == 128 and got["Service"] == 128
    selected = {p for _, p, q in api.requests if "labelSelector" in q}
    assert selected == {"/api/v1/pods", "/api/v1/replicationcontrollers", "/apis/apps/v1/deployments",
                        "/apis/apps/v1/statefulsets", "/apis/apps/v1/daemonsets", "/apis/apps/v1/replicasets",
                        "/apis/batch/v1/jobs", "/apis/batch/v1/cronjobs"}


def test_namespaces_option_lists_per_namespace(api: ApiServer) -> None:
    result = collect("loopback", {"kubeconfig": str(api.kubeconfig()), "namespaces": ("ml-01",)})
    assert {r.namespace for r in result.resources} == {"ml-01", None}
    assert {r.kind for r in result.resources if r.namespace is None} == {"ClusterRole", "ClusterRoleBinding",
                                                                         "Namespace"}
    assert [r.name for r in result.resources if r.kind == "Namespace"] == ["ml-01"]
    assert "/apis/apps/v1/namespaces/ml-01/deployments" in {p for _, p, _ in api.requests}
    assert "/apis/apps/v1/deployments" not in {p for _, p, _ in api.requests}


def test_live_objects_are_judged_by_the_manifest_rules(api: ApiServer) -> None:
    result = collect("loopback", {"kubeconfig": str(api.kubeconfig())})
    inv = Inventory.build(result.resources, result.errors, ("k8s:loopback",))
    report = judge(inv, ScanOptions(inputs=("k8s:loopback",), select=("K8S001",)))
    fails = sorted({(f.resource, f.location.path) for f in report.findings if f.status == "fail"})
    assert ("Deployment ml-00/model-0", "k8s/loopback-cluster/ml-00/Deployment/model-0") in fails
    assert ("Deployment ml-00/model-1", "k8s/loopback-cluster/ml-00/Deployment/model-1") not in fails
    assert Counter(p.split("/")[3] for _, p in fails) == {"Deployment": 32, "StatefulSet": 32, "Job": 32,
                                                          "DaemonSet": 1}
    uids = {f.uid for f in report.findings if f.rule == "K8S001"}
    assert "k8s://loopback-cluster/kube-system/DaemonSet/node-exporter" in uids


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not installed")
def test_kubectl_reads_the_same_server(api: ApiServer) -> None:
    kc = api.kubeconfig()
    proc = subprocess.run(["kubectl", "--kubeconfig", str(kc), "get", "deployments", "-A", "-o", "json",
                           "--chunk-size=50"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    names = sorted((i["metadata"]["namespace"], i["metadata"]["name"]) for i in json.loads(proc.stdout)["items"])
    result = collect("loopback", {"kubeconfig": str(kc)})
    ours = sorted((r.namespace, r.name) for r in result.resources if r.kind == "Deployment")
    assert names == ours and len(names) == 128


def test_a_server_error_on_one_kind_is_reported_and_the_rest_is_read(api: ApiServer) -> None:
    api.faults.status["/apis/apps/v1/statefulsets"] = 500
    api.faults.missing_paths.add("/apis/batch/v1/cronjobs")
    result = collect("loopback", {"kubeconfig": str(api.kubeconfig())})
    assert result.errors == [
        InputError("k8s/loopback-cluster/StatefulSet", "list statefulsets.apps at cluster scope failed: 500 "
                   "etcdserver: request timed out", "kubernetes"),
        InputError("k8s/loopback-cluster/CronJob", "cronjobs.batch not served (404)", "kubernetes", "not_scanned"),
    ]
    want = _expected_counts()
    got = Counter(r.kind for r in result.resources)
    # Jobs of the (unlisted) CronJobs are now judged on their own, so nothing goes unjudged
    assert got["StatefulSet"] == 0 and got["CronJob"] == 0 and got["Job"] == want["Job"] + 96
    assert not_listed(result.errors) == {"StatefulSet"}


def test_the_kubernetes_client_is_imported_only_for_cluster_scans() -> None:
    code = ("import sys; from auditor.scan import ScanOptions, run_scan; "
            "run_scan(ScanOptions(inputs=('fixtures/example',))); "
            "import auditor.collectors.kubernetes; print('kubernetes' in sys.modules)")
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


def test_a_kind_that_could_not_be_listed_makes_dependent_checks_not_assessed(api: ApiServer) -> None:
    """No PDB read (403 everywhere) must not turn into 'no PDB covers this Deployment' failures."""
    api.faults.deny |= {("poddisruptionbudgets", "*")}
    result = collect("loopback", {"kubeconfig": str(api.kubeconfig())})
    inv = Inventory.build(result.resources, result.errors, ("k8s:loopback",))
    report = judge(inv, ScanOptions(inputs=("k8s:loopback",), select=("SCALE-HA", "K8S001")))
    pdb_rule = {f.status for f in report.findings if f.rule == "K8S031"}
    assert pdb_rule == {"not_assessed"}
    assert all("PodDisruptionBudget could not be listed" in f.message for f in report.findings
               if f.rule == "K8S031")
    assert "fail" in {f.status for f in report.findings if f.rule == "K8S001"}  # the rest is judged

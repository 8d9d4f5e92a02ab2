"""The Kubernetes rule pack end to end: estate semantics across files, secrets never printed, odd input
never crashing a rule, and the real corpus scanned without a single rule ERROR."""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auditor.engine import RuleSelection, run_rules
from auditor.inventory import Inventory
from auditor.k8s import estate_index, literal_secret, pdbs_selecting, quantity
from auditor.model import Location, Resource
from auditor.registry import load_rules
from auditor.report import Report
from auditor.scan import ScanOptions, build_inventory, run_scan

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "auditor", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


TODAY = dt.date(2026, 11, 25)
PLANTED = "sk-proj-4fJ2kLmN8pQrS7tUvWxYz0aBcDeFgHiJ"  # the planted key in fixtures/example/deploy/scorer.yaml

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: scorer
  namespace: ml
spec:
  replicas: 2
  template:
    metadata:
      labels: {app: scorer}
    spec:
      containers:
        - name: app
          image: myacr.azurecr.io/ml/scorer:1.4.0
          resources:
            requests: {cpu: 250m, memory: 512Mi}
            limits: {memory: 1Gi}
"""

HPA = """\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: scorer
  namespace: {ns}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: scorer}}
  minReplicas: 3
  maxReplicas: 9
  metrics:
    - type: Resource
      resource: {{name: cpu, target: {{type: Utilization, averageUtilization: 60}}}}
"""


def _scan(*paths: Path, select: tuple[str, ...] = ("KUBERNETES",)) -> Report:
    return run_scan(ScanOptions(inputs=tuple(str(p) for p in paths), select=select, today=TODAY))


def _statuses(report: Report, code: str) -> list[tuple[str, str, int | None]]:
    return sorted((f.status, f.resource, f.location.line) for f in report.findings if f.rule == code)


def test_hpa_in_another_file_counts_for_the_deployment(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "scaling").mkdir()
    (tmp_path / "app" / "deploy.yaml").write_text(DEPLOYMENT)
    (tmp_path / "scaling" / "hpa.yaml").write_text(HPA.format(ns="ml"))
    report = _scan(tmp_path, select=("K8S028", "K8S029", "K8S030"))
    assert _statuses(report, "K8S028") == [("pass", "Deployment ml/scorer", 1)]
    # the HPA's minimum (3) decides HA, and its target's CPU requests are found in the other file
    assert _statuses(report, "K8S030") == [("pass", "Deployment ml/scorer", 1)]
    assert _statuses(report, "K8S029") == [("pass", "HorizontalPodAutoscaler ml/scorer", 1)]


def test_hpa_in_another_namespace_does_not_count(tmp_path: Path) -> None:
    (tmp_path / "deploy.yaml").write_text(DEPLOYMENT)
    (tmp_path / "hpa.yaml").write_text(HPA.format(ns="staging"))
    report = _scan(tmp_path, select=("K8S028", "K8S029"))
    fails = [f for f in report.findings if f.rule == "K8S028"]
    assert [(f.status, Path(f.location.path).name, f.location.line, f.message) for f in fails] == [
        ("fail", "deploy.yaml", 7, "no HorizontalPodAutoscaler or ScaledObject in the scan targets it")
    ]
    # the HPA's own target is not in the scan: its CPU-request part cannot be judged
    assert _statuses(report, "K8S029") == [("not_assessed", "HorizontalPodAutoscaler staging/scorer", 1)]


def test_pdb_in_another_file_selects_the_pods(tmp_path: Path) -> None:
    (tmp_path / "deploy.yaml").write_text(DEPLOYMENT)
    (tmp_path / "pdb.yaml").write_text(
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: scorer, namespace: ml}\n"
        "spec:\n  minAvailable: 1\n  selector: {matchLabels: {app: scorer}}\n"
    )
    report = _scan(tmp_path, select=("K8S031",))
    assert _statuses(report, "K8S031") == [("pass", "Deployment ml/scorer", 1)]


@pytest.mark.parametrize("fmt", ["json", "console"])
def test_planted_secret_never_printed(fmt: str) -> None:
    example = ROOT / "fixtures" / "example"
    assert PLANTED in (example / "deploy" / "scorer.yaml").read_text()
    proc = run_cli("scan", str(example), "--format", fmt, "--select", "K8S016", "--select", "K8S018")
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout + proc.stderr
    assert PLANTED not in out
    assert PLANTED[8:24] not in out  # not even a fragment of it
    assert "Tr0ub4dor" not in out  # the CronJob's literal password either
    if fmt == "json":
        doc = json.loads(proc.stdout)
        hits = sorted((f["resource"], f["location"]["line"], f["evidence"]) for f in doc["findings"]
                      if f["rule"] == "K8S016" and f["status"] == "fail")
        assert hits == [
            ("CronJob ml/features", 19, "<redacted literal value of secret-named DB_PASSWORD, 25 chars>"),
            ("Deployment ml/scorer", 37, "<redacted OpenAI API key, 40 chars>"),
        ]
    else:
        assert "MODEL_API_KEY" in out


ODD = """\
apiVersion: apps/v1
kind: Deployment
spec:
  replicas: many
  strategy: Recreate
  template:
    metadata: {labels: [a, b]}
    spec:
      securityContext: []
      volumes: {name: x}
      containers:
        - name: weird
          image: 42
          ports: "8080"
          env: "FOO=bar"
          envFrom: [{secretRef: "x"}, 3]
          resources: "big"
          securityContext:
            capabilities: {drop: ALL, add: "SYS_ADMIN"}
            privileged: "true"
          livenessProbe: yes
        - just-a-string
        - null
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: s, namespace: [x]}
spec:
  template:
    spec:
      containers: {name: not-a-list}
---
apiVersion: v1
kind: Pod
metadata: null
spec: null
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: c}
spec:
  jobTemplate: []
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: h}
spec:
  scaleTargetRef: scorer
  minReplicas: two
  maxReplicas: [1]
  metrics: {}
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: k}
spec: {scaleTargetRef: {name: [1]}, triggers: cron}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: p}
spec:
  selector: {matchLabels: [1], matchExpressions: [{key: [1], operator: In, values: x}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r}
rules: {verbs: "*"}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: b}
roleRef: cluster-admin
subjects: [x, {kind: ServiceAccount}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
data: [a, b]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: i}
spec: {tls: {hosts: x}, rules: "r"}
---
apiVersion: v1
kind: LimitRange
metadata: {name: l}
spec: {limits: {type: Container}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: default}
automountServiceAccountToken: "maybe"
"""


def test_odd_objects_never_crash_a_rule(tmp_path: Path) -> None:
    (tmp_path / "odd.yaml").write_text(ODD)
    report = _scan(tmp_path)
    errors = [(f.rule, f.resource, f.message) for f in report.findings if f.status == "error"]
    assert errors == []
    assert not [e for e in report.errors if e.kind == "error"]
    # odd but judgeable values are still judged
    privileged = [f.message for f in report.findings if f.rule == "K8S004" and f.status == "fail"]
    assert privileged == ["container 'weird' runs privileged"]
    caps = [f.message for f in report.findings if f.rule == "K8S007" and f.status == "fail"]
    assert caps == ["container 'weird' adds capabilities SYS_ADMIN"]


def test_estate_index_is_built_once_per_inventory() -> None:
    inv = build_inventory(ScanOptions(inputs=(str(ROOT / "fixtures" / "example"),)))
    idx = estate_index(inv)
    assert estate_index(inv) is idx
    other = build_inventory(ScanOptions(inputs=(str(ROOT / "fixtures" / "example"),)))
    assert estate_index(other) is not idx
    scorer = next(r for r in inv.resources if r.kind == "Deployment")
    assert [p.name for p in pdbs_selecting(scorer, inv)] == ["scorer"]
    assert sorted(idx.scalers) == [("ml", "deployment", "scorer")]


def test_helpers() -> None:
    assert quantity("4Gi") == 4 * 2**30
    assert quantity("500m") == 0.5
    assert quantity("1.5G") == 1.5e9
    assert quantity("lots") is None
    assert literal_secret("PRODUCT_CATALOG_SERVICE_ADDR", "productcatalogservice:3550") is None
    assert literal_secret("GOOGLE_API_KEY", "GOOGLE_API_KEY_VAL") is None
    assert literal_secret("DB_CONNECTION_STRING", "/run/data/db.sqlite3") is None
    hit = literal_secret("DB_PASSWORD", "Tr0ub4dor&3-correct-horse")
    assert hit is not None and hit.masked == "<redacted literal value of secret-named DB_PASSWORD, 25 chars>"


CORPUS = SHARED / "corpus" / "k8s"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_corpus_scans_without_rule_errors() -> None:
    report = _scan(CORPUS)
    errors = [(f.rule, f.location.path, f.message) for f in report.findings if f.status == "error"]
    assert errors == []
    codes = {f.rule for f in report.findings if f.status in ("pass", "fail")}
    assert {f"K8S{n:03d}" for n in range(1, 33)} - codes <= {"K8S027"}  # model servers are rare in the corpus


OWNED = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: scorer, namespace: ml}
spec:
  template:
    spec:
      containers: [{name: app, image: "myacr.azurecr.io/ml/scorer:1.4.0", securityContext: {privileged: true}}]
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: scorer-5d8f7
  namespace: ml
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: scorer, controller: true, uid: a}]
spec:
  template:
    spec:
      containers: [{name: app, image: "myacr.azurecr.io/ml/scorer:1.4.0", securityContext: {privileged: true}}]
---
apiVersion: v1
kind: Pod
metadata:
  name: scorer-5d8f7-x2x9
  namespace: ml
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: scorer-5d8f7, controller: true, uid: b}]
spec:
  containers: [{name: app, image: "myacr.azurecr.io/ml/scorer:1.4.0", securityContext: {privileged: true}}]
---
apiVersion: v1
kind: Pod
metadata:
  name: orphan
  namespace: ml
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: gone, controller: true, uid: c}]
spec:
  containers: [{name: app, image: "myacr.azurecr.io/ml/scorer:1.4.0", securityContext: {privileged: true}}]
"""


def test_objects_are_judged_once_at_their_controller(tmp_path: Path) -> None:
    (tmp_path / "live.yaml").write_text(OWNED)
    report = _scan(tmp_path, select=("K8S004",))
    # the ReplicaSet and the Pod repeat the Deployment's template: one finding, at the Deployment; a Pod whose
    # controller is not in the scan is judged itself
    assert _statuses(report, "K8S004") == [("fail", "Deployment ml/scorer", 7), ("fail", "Pod ml/orphan", 36)]


def test_pdb_selection_by_expressions_and_empty_selector(tmp_path: Path) -> None:
    (tmp_path / "deploy.yaml").write_text(DEPLOYMENT.replace("labels: {app: scorer}", "labels: {app: scorer, tier: api}"))
    (tmp_path / "pdbs.yaml").write_text(
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: by-expr, namespace: ml}\n"
        "spec:\n  minAvailable: 1\n  selector:\n    matchExpressions: [{key: tier, operator: In, values: [api]}]\n"
        "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: other-tier, namespace: ml}\n"
        "spec:\n  selector: {matchLabels: {tier: web}}\n"
        "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: everything, namespace: ml}\n"
        "spec:\n  maxUnavailable: 1\n  selector: {}\n"
        "---\napiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: nothing, namespace: ml}\n"
        "spec:\n  maxUnavailable: 1\n  selector: {}\n"
    )
    inv = build_inventory(ScanOptions(inputs=(str(tmp_path),)))
    deploy = next(r for r in inv.resources if r.kind == "Deployment")
    assert sorted(p.name for p in pdbs_selecting(deploy, inv)) == ["by-expr", "everything"]


def test_keyvault_unknown_provider_is_not_assessed(tmp_path: Path) -> None:
    (tmp_path / "deploy.yaml").write_text(
        DEPLOYMENT + "      volumes:\n        - name: kv\n          csi:\n            driver: secrets-store.csi.k8s.io\n"
        "            volumeAttributes: {secretProviderClass: elsewhere}\n"
    )
    report = _scan(tmp_path, select=("K8S018",))
    assert [(f.status, f.message) for f in report.findings if f.rule == "K8S018"] == [
        ("not_assessed", "not assessed: Deployment ml/scorer mounts SecretProviderClass elsewhere, which is not in "
                         "the scan")
    ]


def _plain(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_plain(v) for v in x]
    return x


def _paths(x: Any, p: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield p
    items = x.items() if isinstance(x, dict) else enumerate(x) if isinstance(x, list) else ()
    for k, v in items:
        yield from _paths(v, (*p, k))


def test_mutated_objects_never_crash_a_rule() -> None:
    """Every Kubernetes rule over every rule fixture, with random subtrees replaced by values of the wrong
    type, as plain dicts (the shape of a replayed snapshot): only PASS/FAIL/NOT_ASSESSED, never an error."""
    rng = random.Random(20261125)
    odd: list[Any] = [None, 0, -1, True, "x", "", [], {}, [1, "a", None], {"a": [1]}, "100%", 3.5, [{}]]
    base = build_inventory(ScanOptions(inputs=(str(ROOT / "fixtures" / "rules"), str(ROOT / "fixtures" / "example"))))
    docs = [(r.kind, r.name, r.namespace, _plain(r.data)) for r in base.resources if r.target == "kubernetes"]
    rules = [r for r in load_rules().rules if r.meta.target == "kubernetes"]
    for _ in range(40):
        resources = []
        for i, (kind, name, ns, data) in enumerate(docs):
            data = copy.deepcopy(data)
            paths = list(_paths(data))[1:]
            for _ in range(rng.randint(1, 4)):
                if not paths:
                    break
                *parent, last = rng.choice(paths)
                node: Any = data
                for k in parent:  # earlier mutations may have replaced part of the path
                    ok = (isinstance(node, dict) and k in node) or (
                        isinstance(node, list) and isinstance(k, int) and k < len(node))
                    node = node[k] if ok else None
                if isinstance(node, dict) or (isinstance(node, list) and isinstance(last, int) and last < len(node)):
                    node[last] = copy.deepcopy(rng.choice(odd))
            resources.append(Resource(target="kubernetes", kind=kind, name=name, namespace=ns,
                                      location=Location("mutated.yaml", 1), uid=str(i), _data=data))
        findings = run_rules(rules, Inventory.build(resources), RuleSelection())
        assert [(f.rule, f.resource, f.message) for f in findings if f.status == "error"] == []


ROLLOUT_REF = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: scorer, namespace: ml}
spec:
  replicas: 0
  strategy: {type: Recreate}
  template:
    metadata:
      labels: {app: scorer}
    spec:
      containers:
        - name: app
          image: myacr.azurecr.io/ml/scorer:1.4.0
          readinessProbe: {httpGet: {path: /ready, port: 8080}}
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: scorer, namespace: ml}
spec:
  replicas: 3
  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: scorer}
  strategy:
    canary: {steps: [{setWeight: 20}, {pause: {duration: 60}}]}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: scorer, namespace: ml}
spec:
  scaleTargetRef: {apiVersion: argoproj.io/v1alpha1, kind: Rollout, name: scorer}
  minReplicas: 3
  maxReplicas: 12
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}}]
"""


def test_argo_rollout_workload_ref(tmp_path: Path) -> None:
    """A Rollout that borrows a Deployment's template: the template is judged once (at the Deployment), the
    Rollout's HPA, replicas and strategy count for it, and the HPA's CPU check reads the borrowed template."""
    (tmp_path / "rollout.yaml").write_text(ROLLOUT_REF)
    report = _scan(tmp_path, select=("K8S004", "K8S022", "K8S028", "K8S029", "K8S030"))
    got = sorted((f.rule, f.status, f.resource, f.message) for f in report.findings)
    assert got == [
        ("K8S004", "pass", "Deployment ml/scorer", "Container runs privileged"),
        ("K8S022", "pass", "Deployment ml/scorer", "Rollout takes the service down or cannot wait for readiness"),
        ("K8S028", "pass", "Deployment ml/scorer", "Serving workload has no horizontal autoscaler"),
        ("K8S029", "fail", "HorizontalPodAutoscaler ml/scorer",
         "scaled Rollout scorer has containers without a CPU request: app"),
        ("K8S030", "pass", "Deployment ml/scorer", "Serving workload runs a single replica"),
    ]

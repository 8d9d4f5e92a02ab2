"""K8S031 pod-disruption-budget-missing."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.k8s import (
    SERVING_KINDS,
    get,
    pdbs_selecting,
    replicas,
    require_pod_spec,
    scaler_min_replicas,
    scalers_of,
)


@rule(
    code="K8S031",
    name="pod-disruption-budget-missing",
    title="Serving workload has no PodDisruptionBudget that allows safe eviction",
    controls=["SCALE-HA"],
    target="kubernetes",
    kinds=SERVING_KINDS,
    rationale=(
        "Node upgrades and autoscaler scale-downs evict pods voluntarily; without a PodDisruptionBudget they may "
        "evict every replica of the model service at once, however many there are."
    ),
    remediation=(
        "Add a budget selecting the pods:\n\n"
        "```yaml\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: scorer, namespace: ml}\n"
        "spec:\n  minAvailable: 1\n  selector:\n    matchLabels: {app.kubernetes.io/name: scorer}\n```"
    ),
    references=("https://kubernetes.io/docs/tasks/run-application/configure-pdb/",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """A serving workload's pod template labels are selected (matchLabels and matchExpressions) by a
    PodDisruptionBudget in the same namespace, found anywhere in the scan, and not every such budget forbids
    all voluntary disruption (maxUnavailable 0, minAvailable 100% or at least the replica count): such a
    budget makes node drains hang instead of moving the pods."""
    spec, base = require_pod_spec(res, ctx.inventory)
    labels_path = (*base[:-1], "metadata", "labels")
    path = labels_path if get(res.data, *labels_path) is not None else ("metadata", "name")
    pdbs = pdbs_selecting(res, ctx.inventory)
    if not pdbs:
        yield Violation(f"no PodDisruptionBudget in namespace {res.namespace or 'default'} selects its pods",
                        path=path)
        return
    scalers = scalers_of(res, ctx.inventory)
    mins = [m for m in (scaler_min_replicas(s) for s in scalers) if m is not None]
    count = max(mins) if mins else replicas(res)
    blocking = [p for p in pdbs if _blocks_all(p, count)]
    if len(blocking) == len(pdbs):
        yield Violation(f"PodDisruptionBudget {blocking[0].name} allows no voluntary disruption: node drains "
                        "hang instead of moving the pods", path=path, evidence=blocking[0].name)


def _blocks_all(pdb: Resource, count: int | None) -> bool:
    spec = get(pdb.data, "spec")
    mu, ma = get(spec, "maxUnavailable"), get(spec, "minAvailable")
    if mu is not None:
        return str(mu).strip() in ("0", "0%")
    if ma is None:
        return False
    text = str(ma).strip()
    if text.endswith("%"):
        return text == "100%"
    try:
        return count is not None and int(text) >= count
    except ValueError:
        return False

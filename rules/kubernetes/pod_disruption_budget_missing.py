"""K8S031 pod-disruption-budget-missing."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.k8s import SERVING_KINDS, get, pdbs_selecting, require_pod_spec


@rule(
    code="K8S031",
    name="pod-disruption-budget-missing",
    title="Serving workload has no PodDisruptionBudget",
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
    PodDisruptionBudget in the same namespace, found anywhere in the scan."""
    spec, base = require_pod_spec(res, ctx.inventory)
    if pdbs_selecting(res, ctx.inventory):
        return
    labels_path = (*base[:-1], "metadata", "labels")
    path = labels_path if get(res.data, *labels_path) is not None else ("metadata", "name")
    yield Violation(f"no PodDisruptionBudget in namespace {res.namespace or 'default'} selects its pods",
                    path=path)

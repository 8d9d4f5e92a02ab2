"""K8S023 revision-history-disabled."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.k8s import get


@rule(
    code="K8S023",
    name="revision-history-disabled",
    title="Rollout history is disabled",
    controls=["CICD-ROLLBACK"],
    target="kubernetes",
    kinds=("Deployment", "StatefulSet", "DaemonSet", "Rollout", "DeploymentConfig"),
    rationale=(
        "With revisionHistoryLimit 0 the controller deletes every old ReplicaSet/revision, so `kubectl rollout "
        "undo` has nothing to return to when a new model version misbehaves."
    ),
    remediation=(
        "Keep a few revisions (the default is 10):\n\n```yaml\nspec:\n  revisionHistoryLimit: 5\n```"
    ),
    references=("https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#revision-history-limit",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """spec.revisionHistoryLimit is not 0 (unset keeps the controller's default of 10)."""
    val = get(res.data, "spec", "revisionHistoryLimit")
    if val is not None and not isinstance(val, bool) and str(val).strip() == "0":
        yield Violation("keeps no revision history (revisionHistoryLimit: 0): nothing to roll back to",
                        path=("spec", "revisionHistoryLimit"))

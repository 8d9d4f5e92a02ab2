"""K8S022 unsafe-rollout-strategy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from auditor.api import Context, Resource, Violation, rule
from auditor.k8s import (
    SERVING_KINDS,
    containers,
    get,
    has_probe,
    replicas,
    require_pod_spec,
    rollout_referencing,
)


def _all_unavailable(value: Any, count: int | None) -> bool:
    """maxUnavailable that lets every pod go down at once: 100% (or more), or a number >= replicas."""
    if value is None or isinstance(value, bool):
        return False
    text = str(value).strip()
    try:
        if text.endswith("%"):
            return float(text[:-1]) >= 100
        return count is not None and count > 0 and int(text) >= count
    except ValueError:
        return False


@rule(
    code="K8S022",
    name="unsafe-rollout-strategy",
    title="Rollout takes the service down or cannot wait for readiness",
    controls=["CICD-ROLLING-UPDATE"],
    target="kubernetes",
    kinds=SERVING_KINDS,
    rationale=(
        "Recreate (or a rolling update allowed to stop every pod) kills all old pods before new ones serve: "
        "every deployment is an outage, and a broken model version takes the service down. Without a readiness "
        "probe a rolling update cannot tell a loading model from a ready one and sends it traffic."
    ),
    remediation=(
        "Roll gradually and gate on readiness:\n\n"
        "```yaml\nspec:\n  strategy:\n    type: RollingUpdate\n    rollingUpdate: {maxUnavailable: 0, maxSurge: 1}\n"
        "  template:\n    spec:\n      containers:\n        - name: scorer\n"
        "          readinessProbe: {httpGet: {path: /ready, port: 8080}}\n```"
    ),
    references=("https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#strategy",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """A serving workload does not use the Recreate strategy (Deployment, DeploymentConfig), its rolling
    update's maxUnavailable is below 100% and below the replica count (Deployment strategy, StatefulSet
    updateStrategy, Argo Rollout canary), and at least one of its containers has a readinessProbe so the
    rollout waits for new pods to be ready."""
    spec, base = require_pod_spec(res, ctx.inventory)
    strategy_key: tuple[str, ...]
    if res.kind in ("Deployment", "DeploymentConfig"):
        strategy_key = ("spec", "strategy")
    elif res.kind == "StatefulSet":
        strategy_key = ("spec", "updateStrategy")
    else:
        strategy_key = ("spec", "strategy", "canary")
    strategy = get(res.data, *strategy_key)
    managed = rollout_referencing(res, ctx.inventory) is not None  # an Argo Rollout runs its template
    if not managed and res.kind != "Rollout" and str(get(strategy, "type")) == "Recreate":
        yield Violation("uses the Recreate strategy: every rollout stops all pods first",
                        path=(*strategy_key, "type"))
    sub = "rollingUpdate" if res.kind in ("Deployment", "StatefulSet") else None
    if res.kind == "DeploymentConfig":
        sub = "rollingParams"
    mu_path = (*strategy_key, sub, "maxUnavailable") if sub else (*strategy_key, "maxUnavailable")
    mu = get(res.data, *mu_path)
    if not managed and _all_unavailable(mu, replicas(res)):
        yield Violation(f"sets maxUnavailable {mu}: a rollout may stop every pod at once",
                        path=mu_path, evidence=str(mu))
    mains = list(containers(res, init=False, ephemeral=False))
    if mains and not any(has_probe(c, "readinessProbe") for c in mains):
        yield Violation("no container has a readiness probe: a rollout cannot wait for new pods to be "
                        "ready", path=mains[0].path)

"""K8S015 default-service-account-token."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.k8s import POD_KINDS, estate_index, get, ns_of, require_pod_spec


def _is_false(v: object) -> bool:
    return v is False or str(v).lower() == "false"


@rule(
    code="K8S015",
    name="default-service-account-token",
    title="Pod runs as the default service account with its token mounted",
    controls=["IAM-WORKLOAD-IDENTITY"],
    target="kubernetes",
    kinds=POD_KINDS,
    rationale=(
        "Every pod that names no service account runs as the namespace's `default` one, so permissions granted "
        "for one workload leak to all of them, and its API token is mounted where any compromised process can "
        "read and replay it."
    ),
    remediation=(
        "Give the workload its own service account, or stop mounting a token it does not use:\n\n"
        "```yaml\nspec:\n  serviceAccountName: scorer\n  automountServiceAccountToken: false\n```"
    ),
    references=("https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """A pod that runs as the `default` service account (serviceAccountName unset, empty or `default`) must not
    get its token: the pod sets automountServiceAccountToken false, or (when the pod leaves it unset) the
    `default` ServiceAccount of its namespace, found anywhere in the scan, sets it false. Pods with their own
    service account pass."""
    spec, base = require_pod_spec(res, ctx.inventory)
    sa = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
    if str(sa) != "default":
        return
    pod_auto = spec.get("automountServiceAccountToken")
    if _is_false(pod_auto):
        return
    if pod_auto is not None:
        yield Violation("pod runs as the default service account and sets automountServiceAccountToken true",
                        path=(*base, "automountServiceAccountToken"))
        return
    account = estate_index(ctx.inventory).service_accounts.get((ns_of(res), "default"))
    if account is not None and _is_false(get(account.data, "automountServiceAccountToken")):
        return
    key = "serviceAccountName" if "serviceAccountName" in spec else "serviceAccount"
    yield Violation("pod runs as the default service account and its token is mounted "
                    "(automountServiceAccountToken is not false)",
                    path=(*base, key) if key in spec else base)

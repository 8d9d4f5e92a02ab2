"""K8S013 wildcard-rbac-rule."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, NotApplicable, Resource, Violation, rule
from auditor.k8s import as_list, get, is_builtin_rbac, str_list


@rule(
    code="K8S013",
    name="wildcard-rbac-rule",
    title="Role grants wildcard verbs or resources",
    controls=["IAM-NO-WILDCARD-ROLES"],
    target="kubernetes",
    kinds=("Role", "ClusterRole"),
    rationale=(
        "A `*` in verbs or resources grants everything that exists today and everything added later (new CRDs, "
        "new subresources such as pods/exec): the role silently becomes admin of whatever it touches."
    ),
    remediation=(
        "List the verbs and resources the workload needs:\n\n"
        "```yaml\nrules:\n  - apiGroups: [\"\"]\n    resources: [configmaps]\n    verbs: [get, list, watch]\n```"
    ),
    references=("https://kubernetes.io/docs/concepts/security/rbac-good-practices/#least-privilege",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """No rule of a Role or ClusterRole lists `*` in verbs or in resources (one failure per key). Kubernetes'
    own bootstrap roles (label kubernetes.io/bootstrapping=rbac-defaults, e.g. cluster-admin) are not judged."""
    if is_builtin_rbac(res):
        raise NotApplicable()
    for i, r in enumerate(as_list(get(res.data, "rules"))):
        for key in ("verbs", "resources"):
            if "*" in str_list(get(r, key)):
                groups = ", ".join(str_list(get(r, "apiGroups"))) or "core"
                yield Violation(f"rule {i + 1} grants `*` {key} (apiGroups: {groups})", path=("rules", i, key),
                                evidence=f"{key}: *")

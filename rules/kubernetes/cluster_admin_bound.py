"""K8S014 cluster-admin-bound."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, NotApplicable, Params, Resource, Violation, rule
from auditor.k8s import as_list, get, is_builtin_rbac

# `system:` names that are not Kubernetes components but everyone, or workloads
_NOT_SYSTEM = ("system:serviceaccount", "system:authenticated", "system:unauthenticated", "system:anonymous")


class BroadRoleParams(Params):
    roles: tuple[str, ...] = ("cluster-admin",)
    # subjects allowed to hold them: Kubernetes' own users and groups (system:masters, system:kube-*)
    system_prefixes: tuple[str, ...] = ("system:",)


@rule(
    code="K8S014",
    name="cluster-admin-bound",
    title="cluster-admin is bound to a non-system subject",
    controls=["IAM-LEAST-PRIVILEGE-ASSIGNMENTS"],
    target="kubernetes",
    kinds=("ClusterRoleBinding", "RoleBinding"),
    params=BroadRoleParams,
    rationale=(
        "cluster-admin can do anything to any object, including reading every Secret and granting itself more. "
        "Bound to a service account, one compromised pod (or stolen token) is a compromised cluster."
    ),
    remediation=(
        "Bind a narrow Role or ClusterRole that lists what the subject needs, in its own namespace:\n\n"
        "```yaml\nkind: RoleBinding\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: scorer-reader}\n"
        "subjects: [{kind: ServiceAccount, name: scorer, namespace: ml}]\n```"
    ),
    references=("https://kubernetes.io/docs/concepts/security/rbac-good-practices/",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """A (Cluster)RoleBinding whose roleRef is the ClusterRole cluster-admin (configurable `roles`) names only
    system subjects (users/groups named `system:...`); every ServiceAccount, other user or group fails, and so
    do the `system:` names that mean workloads or everyone (system:serviceaccounts, system:serviceaccount:...,
    system:authenticated, system:unauthenticated, system:anonymous). The
    API server's own bootstrap bindings are not judged; bindings of other roles pass."""
    if is_builtin_rbac(res):
        raise NotApplicable()
    ref_kind, ref_name = get(res.data, "roleRef", "kind"), get(res.data, "roleRef", "name")
    if str(ref_kind or "ClusterRole") != "ClusterRole" or str(ref_name) not in ctx.params.roles:
        return
    for i, s in enumerate(as_list(get(res.data, "subjects"))):
        kind, name = str(get(s, "kind") or "?"), str(get(s, "name") or "?")
        if kind in ("User", "Group") and name.startswith(tuple(ctx.params.system_prefixes)) and \
                not name.startswith(_NOT_SYSTEM):
            continue
        ns = get(s, "namespace")
        who = f"{kind} {ns}/{name}" if ns else f"{kind} {name}"
        yield Violation(f"{ref_name} is bound to {who}", path=("subjects", i), evidence=who)

"""AZ009 broad-role-to-service-principal."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.api import Context, NotApplicable, NotAssessed, Resource, Violation, rule
from auditor.azure import BROAD_ROLES, ROLE_ASSIGNMENT, Unresolved, eq, extension_scope, find, role_guid

SUB_SCOPE_RE = re.compile(r"^/subscriptions/[^/]+/?$", re.IGNORECASE)


@rule(
    code="AZ009",
    name="broad-role-to-service-principal",
    title="Owner, Contributor or User Access Administrator given to a service identity on the subscription",
    controls=["IAM-LEAST-PRIVILEGE-ASSIGNMENTS"],
    target="azure",
    kinds=(ROLE_ASSIGNMENT,),
    rationale=(
        "Service principals and managed identities have credentials that live in pipelines and workloads. With "
        "a broad role on the whole subscription, one leaked secret or compromised pod controls every resource."
    ),
    remediation=(
        "Assign the narrowest role at the narrowest scope, e.g. AcrPush on one registry, or a custom role on a "
        "resource group:\n\n```json\n"
        '"scope": "[resourceId(\'Microsoft.ContainerRegistry/registries\', parameters(\'acrName\'))]",\n'
        '"properties": { "roleDefinitionId": "[subscriptionResourceId(\'Microsoft.Authorization/roleDefinitions\', '
        "'8311e382-0749-4cb8-b61a-304f252e45ec')]\", \"principalType\": \"ServicePrincipal\" }\n```"
    ),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """Fails a role assignment of Owner, Contributor or User Access Administrator (by role definition GUID)
    to a ServicePrincipal (managed identities included) whose scope is the subscription itself. An unknown
    principalType on such an assignment is not assessed."""
    scope, _ = find(res, "properties.scope")
    scope = str(scope or extension_scope(res.uid, ROLE_ASSIGNMENT))
    sub_scope = bool(SUB_SCOPE_RE.match(scope))
    role_id, rpath = find(res, "properties.roleDefinitionId", resolve=sub_scope)
    role = BROAD_ROLES.get(role_guid(role_id))
    if not sub_scope and (role is not None or isinstance(role_id, Unresolved)):
        return  # whatever the role, it is not granted on the whole subscription
    if role is None:
        raise NotApplicable()
    ptype, ppath = find(res, "properties.principalType")
    if ptype is None:
        raise NotAssessed(f"{role} at subscription scope to a principal of unknown type (principalType not set)")
    if eq(ptype, "ServicePrincipal"):
        yield Violation(f"{role} is assigned to a service principal at subscription scope", path=rpath or ppath)

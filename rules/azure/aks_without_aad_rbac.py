"""AZ011 aks-without-aad-rbac."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.azure import AKS, as_bool, find, path_of


@rule(
    code="AZ011",
    name="aks-without-aad-rbac",
    title="AKS cluster does not use Microsoft Entra ID with Kubernetes RBAC",
    controls=["IAM-CLUSTER-AAD"],
    target="azure",
    kinds=(AKS,),
    rationale=(
        "Local cluster accounts hand out a static admin kubeconfig that bypasses Entra ID: no MFA, no "
        "conditional access, no per-person audit, and it keeps working after the person leaves."
    ),
    remediation=(
        "Enable managed Entra integration, Azure RBAC for Kubernetes, and disable local accounts:\n\n"
        '```json\n"properties": {\n  "enableRBAC": true,\n  "aadProfile": { "managed": true, "enableAzureRBAC": true },\n'
        '  "disableLocalAccounts": true\n}\n```'
    ),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """enableRBAC must not be false, aadProfile must be set, and disableLocalAccounts must be true (absent
    means local accounts stay enabled)."""
    rbac, path = find(res, "properties.enableRBAC")
    if as_bool(rbac) is False:
        yield Violation("Kubernetes RBAC is disabled (enableRBAC false)", path=path)
    aad, path = find(res, "properties.aadProfile")
    if not aad:
        yield Violation("no aadProfile: the cluster is not integrated with Microsoft Entra ID",
                        path=path_of(res, "properties.aadProfile"))
    local, path = find(res, "properties.disableLocalAccounts")
    if as_bool(local) is not True:
        yield Violation("local accounts are enabled (disableLocalAccounts is not true)",
                        path=path_of(res, "properties.disableLocalAccounts"))

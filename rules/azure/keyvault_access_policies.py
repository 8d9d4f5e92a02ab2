"""AZ012 keyvault-access-policies."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, NotAssessed, Resource, Violation, rule
from auditor.azure import VAULT, api_version, as_bool, find, from_template, path_of

# Microsoft.KeyVault makes RBAC the default permission model for vaults created with API 2026-02-01 or later;
# a vault whose enableRbacAuthorization is null (made with an older API) keeps using access policies.
RBAC_DEFAULT_FROM = "2026-02-01"


@rule(
    code="AZ012",
    name="keyvault-access-policies",
    title="Key Vault uses access policies instead of Azure RBAC",
    controls=["IAM-KEYVAULT-RBAC"],
    target="azure",
    kinds=(VAULT,),
    rationale=(
        "Vault access policies are a second permission system beside Azure RBAC: not covered by PIM, not "
        "visible in role-assignment reviews, and anyone with Contributor on the vault can grant themselves "
        "access to its secrets."
    ),
    remediation='Switch the vault to RBAC:\n\n```json\n"properties": { "enableRbacAuthorization": true }\n```',
    references=("https://learn.microsoft.com/azure/key-vault/general/access-control-default",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """enableRbacAuthorization must be true. Absent in a template, it is false for API versions before
    2026-02-01 and true from it; absent (null) on a live vault means access policies."""
    value, path = find(res, "properties.enableRbacAuthorization")
    flag = as_bool(value)
    if flag is False:
        yield Violation("enableRbacAuthorization is false: access policies grant secret access", path=path)
    elif flag is None:
        api = api_version(res)
        if not from_template(res):
            yield Violation("enableRbacAuthorization is not set: the vault uses access policies",
                            path=path_of(res, "properties.enableRbacAuthorization"))
            return
        if not api:
            raise NotAssessed("enableRbacAuthorization is not set and the template gives no apiVersion")
        if api < RBAC_DEFAULT_FROM:
            yield Violation(f"enableRbacAuthorization is not set: with API {api} the vault uses access policies",
                            path=path_of(res, "properties.enableRbacAuthorization"))

"""AZ016 keyvault-open-network."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.azure import VAULT, eq, find, path_of, private_endpoint


@rule(
    code="AZ016",
    name="keyvault-open-network",
    title="Key Vault accepts requests from every network",
    controls=["SEC-KEYVAULT-NETWORK"],
    target="azure",
    kinds=(VAULT,),
    rationale=(
        "A vault open to the internet lets a stolen token read secrets from anywhere; a firewall or private "
        "endpoint limits that to your own networks."
    ),
    remediation=(
        "Deny by default (allowing trusted Azure services), or disable public access and use a private endpoint:"
        '\n\n```json\n"properties": {\n  "publicNetworkAccess": "Disabled",\n'
        '  "networkAcls": { "defaultAction": "Deny", "bypass": "AzureServices" }\n}\n```'
    ),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """Passes when publicNetworkAccess is Disabled, networkAcls.defaultAction is Deny (default Allow), or the vault
    is reached through a private endpoint (an approved privateEndpointConnection, or a privateEndpoints resource
    whose private link service is the vault)."""
    public, _ = find(res, "properties.publicNetworkAccess")
    if eq(public, "Disabled"):
        return
    action, path = find(res, "properties.networkAcls.defaultAction")
    if not eq(action, "Deny") and private_endpoint(res, ctx.inventory) is not None:
        return  # reached through a private endpoint
    if action is None:
        yield Violation("no networkAcls: every network may reach the vault", path=path_of(res, "properties.networkAcls"))
    elif not eq(action, "Deny"):
        yield Violation(f"networkAcls.defaultAction is {action}", path=path)

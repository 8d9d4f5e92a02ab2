"""AZ002 storage-network-open."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.azure import STORAGE, as_bool, eq, find, is_kind, items, path_of, private_endpoint

COGNITIVE = "Microsoft.CognitiveServices/accounts"
COSMOS = "Microsoft.DocumentDB/databaseAccounts"
SEARCH = "Microsoft.Search/searchServices"


@rule(
    code="AZ002",
    name="storage-network-open",
    title="Data store (storage, Cosmos DB, AI services, search) accepts traffic from every network",
    controls=["DATA-NETWORK-RESTRICTED"],
    target="azure",
    kinds=(STORAGE, COGNITIVE, COSMOS, SEARCH),
    rationale=(
        "With the firewall's default action Allow, the account's endpoints answer the whole internet: a leaked "
        "key or SAS token works from anywhere. Restricting networks makes a stolen credential far less useful."
    ),
    remediation=(
        "Deny by default and allow only your networks (or disable public network access and use private "
        'endpoints):\n\n```json\n"properties": {\n  "publicNetworkAccess": "Disabled",\n'
        '  "networkAcls": { "defaultAction": "Deny", "bypass": "AzureServices" }\n}\n```'
    ),
    references=("https://learn.microsoft.com/azure/storage/common/storage-network-security",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """Passes when publicNetworkAccess is Disabled, or the firewall denies by default: storage and Azure AI
    (Cognitive Services) accounts need networkAcls.defaultAction Deny (absent means Allow); Cosmos DB needs
    isVirtualNetworkFilterEnabled or ipRules; search services need networkRuleSet.ipRules. A storage or AI account
    reached through a private endpoint (an approved privateEndpointConnection, or a privateEndpoints resource
    whose private link service is the account) passes too."""
    public, _ = find(res, "properties.publicNetworkAccess")
    if eq(public, "Disabled"):
        return
    if is_kind(res, COSMOS):
        vnet = as_bool(find(res, "properties.isVirtualNetworkFilterEnabled")[0])
        if vnet is not True and not items(find(res, "properties.ipRules")[0]):
            yield Violation("Cosmos DB account has no IP or virtual network filter: every network may connect",
                            path=path_of(res, "properties.publicNetworkAccess"))
        return
    if is_kind(res, SEARCH):
        if not items(find(res, "properties.networkRuleSet.ipRules")[0]):
            yield Violation("search service has no IP rules and public network access is enabled",
                            path=path_of(res, "properties.networkRuleSet"))
        return
    action, path = find(res, "properties.networkAcls.defaultAction")
    if not eq(action, "Deny") and private_endpoint(res, ctx.inventory) is not None:
        return  # reached through a private endpoint
    if action is None:
        yield Violation("no network rules: the firewall's default action is Allow",
                        path=path_of(res, "properties.networkAcls"))
    elif not eq(action, "Deny"):
        yield Violation(f"networkAcls.defaultAction is {action}", path=path)

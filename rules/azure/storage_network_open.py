"""AZ002 storage-network-open."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.azure import STORAGE, eq, find, path_of


@rule(
    code="AZ002",
    name="storage-network-open",
    title="Storage account accepts traffic from every network",
    controls=["DATA-NETWORK-RESTRICTED"],
    target="azure",
    kinds=(STORAGE,),
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
    """Passes when publicNetworkAccess is Disabled or networkAcls.defaultAction is Deny; networkAcls default to
    Allow when absent."""
    public, _ = find(res, "properties.publicNetworkAccess")
    if eq(public, "Disabled"):
        return
    action, path = find(res, "properties.networkAcls.defaultAction")
    if action is None:
        yield Violation("no network rules: the firewall's default action is Allow",
                        path=path_of(res, "properties.networkAcls"))
    elif not eq(action, "Deny"):
        yield Violation(f"networkAcls.defaultAction is {action}", path=path)

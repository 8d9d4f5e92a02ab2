"""AZ006 registry-not-hardened."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.azure import ACR, as_bool, eq, find, path_of


@rule(
    code="AZ006",
    name="registry-not-hardened",
    title="Container registry has an admin user, anonymous pull or an open network",
    controls=["CONT-REGISTRY-HARDENED"],
    target="azure",
    kinds=(ACR,),
    rationale=(
        "The ACR admin user is one shared password with push rights to every repository; anonymous pull hands "
        "your images (and any secrets baked into them) to anyone; an open Premium registry accepts pulls and "
        "pushes from the whole internet. A poisoned image reaches production through the registry."
    ),
    remediation=(
        "Use identities (AcrPull/AcrPush roles), and restrict the network on Premium registries:\n\n"
        '```json\n"properties": {\n  "adminUserEnabled": false,\n  "anonymousPullEnabled": false,\n'
        '  "publicNetworkAccess": "Disabled"\n}\n```'
    ),
    references=("https://learn.microsoft.com/azure/container-registry/container-registry-authentication",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """adminUserEnabled and anonymousPullEnabled must not be true (both default to false). On Premium
    registries, where network rules exist, publicNetworkAccess must be Disabled or networkRuleSet deny by
    default."""
    admin, path = find(res, "properties.adminUserEnabled")
    if as_bool(admin) is True:
        yield Violation("the admin user is enabled", path=path)
    anon, path = find(res, "properties.anonymousPullEnabled")
    if as_bool(anon) is True:
        yield Violation("anonymous pull is enabled", path=path)
    sku = find(res, "sku.name")[0]
    if eq(sku, "Premium"):
        public = find(res, "properties.publicNetworkAccess")[0]
        action, apath = find(res, "properties.networkRuleSet.defaultAction")
        if not eq(public, "Disabled") and not eq(action, "Deny"):
            yield Violation("Premium registry is reachable from every network (no networkRuleSet Deny, public "
                            "network access not disabled)", path=apath or path_of(res, "properties"))

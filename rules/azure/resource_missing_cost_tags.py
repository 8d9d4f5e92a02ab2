"""AZ032 resource-missing-cost-tags."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from auditor.api import Context, Params, Resource, Violation, rule
from auditor.azure import RESOURCE_GROUP, STATUS_KIND, SUBSCRIPTION, check_resolved, find, path_of

# ARM types that carry no tags of their own: extension and settings resources
UNTAGGABLE = {
    t.lower()
    for t in (
        "Microsoft.Authorization/roleAssignments", "Microsoft.Authorization/roleDefinitions",
        "Microsoft.Authorization/locks", "Microsoft.Authorization/policyAssignments",
        "Microsoft.Security/pricings", "Microsoft.Security/securityContacts", "Microsoft.Security/assessments",
        "Microsoft.Insights/diagnosticSettings", "Microsoft.Consumption/budgets", "Microsoft.Resources/deployments",
        "Microsoft.Resources/tags", SUBSCRIPTION, STATUS_KIND,
    )
}


class TagParams(Params):
    tags: tuple[str, ...] = ("owner", "environment")


def _taggable(res: Resource) -> bool:
    """Tracked resources carry tags: every Resource Graph row, and template resources with a location
    (proxy children such as blob services, subnets or agent pools have none)."""
    kind = res.kind.lower()
    if kind in UNTAGGABLE:
        return False
    if res.extra.get("source") == "live" or res.origin != "file":
        return True
    # the location may be a parameter nobody set: it is still there (an unknown region, not a missing one)
    return find(res, "location", resolve=False)[0] is not None or kind == RESOURCE_GROUP.lower()


@rule(
    code="AZ032",
    name="resource-missing-cost-tags",
    title="Resource lacks the cost-allocation tags",
    controls=["COST-TAGGED"],
    target="azure",
    applies=_taggable,
    params=TagParams,
    rationale=(
        "Untagged resources cannot be charged back to a team or environment: the GPU bill arrives as one "
        "number nobody owns, and orphaned resources are never found."
    ),
    remediation=(
        'Tag every resource group and resource:\n\n```json\n"tags": { "owner": "ml-platform", "environment": "prod" }\n```'
    ),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """Tracked resources and resource groups (in templates: those with a location; extension resources such
    as role assignments and diagnostic settings excepted) must carry every tag in `tags` (default owner,
    environment), matched case-insensitively, with a non-empty value."""
    p: TagParams = ctx.params
    tags, path = find(res, "tags")
    if not isinstance(tags, Mapping):
        tags = {}
    have = {str(k).lower(): v for k, v in tags.items()}
    for t in p.tags:  # only the wanted tags' values matter: a parameter there is not known yet
        if t.lower() in have:
            check_resolved(have[t.lower()], f"tag {t}")
    missing = [t for t in p.tags if not str(have.get(t.lower()) or "").strip()]
    if missing:
        yield Violation(f"missing tag(s): {', '.join(missing)}", path=path or path_of(res, "tags"))

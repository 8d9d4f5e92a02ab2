"""AZ007 too-many-subscription-owners."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

from pydantic import Field

from auditor.api import Context, NotAssessed, Params, Passed, Violation, rule
from auditor.azure import (
    OWNER,
    ROLE_ASSIGNMENT,
    extension_scope,
    find,
    need,
    of_kind,
    prop,
    role_guid,
    subscription_resource,
    subscriptions,
    template_only,
)
from auditor.inventory import Inventory

SUB_SCOPE_RE = re.compile(r"^/subscriptions/[^/]+$", re.IGNORECASE)


class OwnerParams(Params):
    min_owners: int = Field(default=1, ge=0)
    max_owners: int = Field(default=3, ge=1)


@rule(
    code="AZ007",
    name="too-many-subscription-owners",
    title="Too many (or no) principals hold Owner on the subscription",
    controls=["IAM-FEW-OWNERS"],
    target="azure",
    scope="estate",
    params=OwnerParams,
    rationale=(
        "Every Owner can change anything, including who else is Owner. Many owners multiply the accounts whose "
        "compromise is total; none leaves nobody able to fix access in an emergency."
    ),
    remediation=(
        "Keep 1 to 3 named Owners on the subscription; give everyone else scoped roles (Contributor on a "
        "resource group, or narrower), ideally through Privileged Identity Management:\n\n"
        "```shell\naz role assignment delete --assignee <principal> --role Owner --scope /subscriptions/<id>\n```"
    ),
)
def check(inv: Inventory, ctx: Context) -> Iterator[Violation | Passed]:
    """Counts Owner role assignments whose scope is exactly the subscription, per collected subscription,
    and expects min_owners..max_owners (default 1..3). Templates show only the owners they add: more than
    max_owners there fails, fewer proves nothing (not assessed)."""
    p: OwnerParams = ctx.params
    need(inv, "roleAssignments")
    owners: dict[str, list[str]] = defaultdict(list)
    for ra in of_kind(inv, ROLE_ASSIGNMENT):
        scope = str(prop(ra, "properties.scope") or extension_scope(ra.uid, ROLE_ASSIGNMENT))
        if not SUB_SCOPE_RE.match(scope):
            continue  # below the subscription: whatever its role, it is not counted
        if role_guid(prop(ra, "properties.roleDefinitionId")) != OWNER:
            continue
        owners[scope.split("/")[2].lower()].append(str(find(ra, "properties.principalId", resolve=False)[0]
                                                        or ra.name))
    if template_only(inv):
        total = sum(len(v) for v in owners.values())
        if total > p.max_owners:
            yield Violation(f"the templates assign Owner at subscription scope to {total} principals "
                            f"(at most {p.max_owners} wanted)")
            return
        raise NotAssessed("templates show only the Owner assignments they add; scan the subscription to count them")
    for sub in subscriptions(inv):
        n = len(owners.get(sub.lower(), []))
        subject = subscription_resource(inv, sub)
        if n > p.max_owners or n < p.min_owners:
            yield Violation(f"subscription {sub} has {n} Owner assignment(s) at subscription scope "
                            f"(wanted {p.min_owners}..{p.max_owners})", resource=subject)
        elif subject is not None:
            yield Passed(subject, f"subscription {sub} has {n} Owner assignment(s)")

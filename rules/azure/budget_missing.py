"""AZ031 budget-missing."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from auditor.api import Context, Passed, Violation, rule
from auditor.azure import (
    BUDGET,
    Unresolved,
    absent,
    as_bool,
    find,
    items,
    need,
    of_kind,
    path_of,
    prop,
    subscription_of,
    subscription_resource,
    subscriptions,
)
from auditor.inventory import Inventory


def notifying(budget: object) -> bool:
    notes = prop(budget, "properties.notifications") or {}
    if not isinstance(notes, Mapping):
        return False
    for note in notes.values():
        if as_bool(prop(note, "enabled")) is False:
            continue
        contacts = [find(note, key, resolve=False)[0] for key in ("contactEmails", "contactGroups")]
        if any(items(c) for c in contacts):
            return True
        # Given at deployment (a parameter): Azure refuses a subscription or resource-group budget notification
        # without at least one contact email or group, so a deployed one always has some.
        if any(isinstance(c, Unresolved) for c in contacts):
            return True
    return False


@rule(
    code="AZ031",
    name="budget-missing",
    title="No budget alerts on spending",
    controls=["COST-BUDGET"],
    target="azure",
    scope="estate",
    rationale=(
        "GPU clusters and forgotten endpoints burn money by the hour; a budget with a notification tells "
        "someone at 80% instead of the invoice telling everyone at 300%."
    ),
    remediation=(
        "Create a Consumption budget with a notification to people or an action group:\n\n"
        '```json\n{ "type": "Microsoft.Consumption/budgets", "apiVersion": "2023-05-01", "name": "monthly",\n'
        '  "properties": { "category": "Cost", "amount": 5000, "timeGrain": "Monthly",\n'
        '    "timePeriod": { "startDate": "2026-01-01" },\n'
        '    "notifications": { "actual80": { "enabled": true, "operator": "GreaterThan", "threshold": 80,\n'
        '      "contactEmails": [ "finops@example.com" ] } } } }\n```'
    ),
)
def check(inv: Inventory, ctx: Context) -> Iterator[Violation | Passed]:
    """Each collected subscription needs a Consumption budget (on the subscription or one of its resource
    groups) with an enabled notification that has contact emails or action groups. Budgets in templates are
    judged (contacts given by a parameter count: Azure rejects a notification without any); templates without
    a budget are not assessed."""
    need(inv, "budgets")
    budgets = of_kind(inv, BUDGET)
    for b in budgets:
        if notifying(b):
            yield Passed(b, "budget with a notification")
        else:
            yield Violation("budget has no enabled notification with contact emails or action groups", resource=b,
                            path=find(b, "properties.notifications")[1] or path_of(b, "properties"))
    if not budgets:
        na = absent(inv, "budget")
        if na:
            raise na
    covered = {(subscription_of(b.uid) or "").lower() for b in budgets}
    for sub in subscriptions(inv):
        if sub.lower() not in covered:
            yield Violation(f"subscription {sub} has no budget", resource=subscription_resource(inv, sub))

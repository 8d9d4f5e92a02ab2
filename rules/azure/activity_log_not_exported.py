"""AZ020 activity-log-not-exported."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.api import Context, NotAssessed, Passed, Violation, rule
from auditor.azure import (
    DIAGNOSTIC_SETTING,
    extension_scope,
    find,
    need,
    of_kind,
    prop,
    subscription_resource,
    subscriptions,
    template_only,
)
from auditor.inventory import Inventory

_SUB_RE = re.compile(r"^/subscriptions/([^/]+)$", re.IGNORECASE)
DESTINATIONS = ("workspaceId", "storageAccountId", "eventHubAuthorizationRuleId", "marketplacePartnerId")


@rule(
    code="AZ020",
    name="activity-log-not-exported",
    title="The subscription's activity log is not exported",
    controls=["SEC-AUDIT-LOGGING"],
    target="azure",
    scope="estate",
    rationale=(
        "The activity log records who changed what (role assignments, firewall rules, key rotations) but Azure "
        "keeps it only 90 days and only in the portal; exported, it can be searched, alerted on and retained."
    ),
    remediation=(
        "Add a subscription-level diagnostic setting (in a subscription deployment):\n\n"
        '```json\n{ "type": "Microsoft.Insights/diagnosticSettings", "apiVersion": "2021-05-01-preview",\n'
        '  "name": "activity-log", "properties": { "workspaceId": "<workspace id>",\n'
        '    "logs": [ { "category": "Administrative", "enabled": true }, { "category": "Security", "enabled": true } ] } }\n```'
    ),
)
def check(inv: Inventory, ctx: Context) -> Iterator[Violation | Passed]:
    """Each collected subscription needs a subscription-scope diagnostic setting with a destination and the
    Administrative category (or all categories) enabled. Templates without one are not assessed."""
    need(inv, "activityLogSettings")
    exported: dict[str, str] = {}
    for ds in of_kind(inv, DIAGNOSTIC_SETTING):
        m = _SUB_RE.match(extension_scope(ds.uid, DIAGNOSTIC_SETTING))
        if not m or not any(find(ds, f"properties.{d}", resolve=False)[0] for d in DESTINATIONS):
            continue
        cats = {str(prop(lg, "category") or prop(lg, "categoryGroup") or "").lower()
                for lg in prop(ds, "properties.logs", []) or [] if prop(lg, "enabled") is not False}
        if cats & {"administrative", "alllogs"}:
            exported[m.group(1).lower()] = ds.name
    if template_only(inv):
        if exported:
            for ds in of_kind(inv, DIAGNOSTIC_SETTING):
                if ds.name in exported.values():
                    yield Passed(ds, "the template exports the activity log")
            return
        raise NotAssessed("the templates deploy no subscription diagnostic setting; scan the subscription to judge it")
    for sub in subscriptions(inv):
        subject = subscription_resource(inv, sub)
        if sub.lower() in exported:
            if subject is not None:
                yield Passed(subject, f"activity log exported by {exported[sub.lower()]}")
        else:
            yield Violation(f"subscription {sub} does not export its activity log", resource=subject)

"""AZ023 alert-not-routed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from auditor.api import Context, Resource, Violation, rule
from auditor.azure import (
    ACTION_GROUP,
    ACTIVITY_ALERT,
    METRIC_ALERT,
    QUERY_ALERT,
    SMART_DETECTOR,
    as_bool,
    eq,
    find,
    is_kind,
    items,
    path_of,
    prop,
)

RECEIVERS = ("emailReceivers", "smsReceivers", "webhookReceivers", "itsmReceivers", "azureAppPushReceivers",
             "automationRunbookReceivers", "voiceReceivers", "logicAppReceivers", "azureFunctionReceivers",
             "armRoleReceivers", "eventHubReceivers")


def action_groups_of(res: Resource) -> tuple[list[Any], tuple[Any, ...]]:
    if is_kind(res, METRIC_ALERT):
        acts, path = find(res, "properties.actions")
        return [prop(a, "actionGroupId") for a in items(acts) if prop(a, "actionGroupId")], path
    if is_kind(res, QUERY_ALERT):
        groups, path = find(res, "properties.actions.actionGroups")
        if groups:
            return items(groups), path
        legacy, lpath = find(res, "properties.action.aznsAction.actionGroup")
        return items(legacy), lpath or path_of(res, "properties.actions")
    if is_kind(res, ACTIVITY_ALERT):
        groups, path = find(res, "properties.actions.actionGroups")
        return [prop(g, "actionGroupId") for g in items(groups) if prop(g, "actionGroupId")], path
    groups, path = find(res, "properties.actionGroups.groupIds")
    return items(groups), path


@rule(
    code="AZ023",
    name="alert-not-routed",
    title="Alert rule is disabled or notifies nobody",
    controls=["MON-ALERTS-ROUTED"],
    target="azure",
    kinds=(METRIC_ALERT, QUERY_ALERT, ACTIVITY_ALERT, SMART_DETECTOR, ACTION_GROUP),
    rationale=(
        "An alert without an action group, or an action group without receivers, fires into the void: the "
        "portal shows it, nobody is told."
    ),
    remediation=(
        "Enable the rule and attach an action group that has at least one receiver:\n\n"
        '```json\n"actions": [ { "actionGroupId": "[resourceId(\'Microsoft.Insights/actionGroups\', \'oncall\')]" } ]\n'
        '...\n"emailReceivers": [ { "name": "oncall", "emailAddress": "oncall@example.com" } ]\n```'
    ),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """Alert rules (metric, scheduled query, activity log, smart detector) must be enabled and name at least
    one action group; action groups must be enabled and have at least one receiver that is not Disabled."""
    if is_kind(res, ACTION_GROUP):
        en, path = find(res, "properties.enabled")
        if as_bool(en) is False:
            yield Violation("action group is disabled", path=path)
        receivers = [x for r in RECEIVERS for x in items(prop(res, f"properties.{r}"))]
        if not receivers:
            yield Violation("action group has no receivers", path=path_of(res, "properties"))
        elif all(eq(prop(x, "status"), "Disabled") for x in receivers):
            yield Violation("every receiver of the action group is disabled", path=path_of(res, "properties"))
        return
    key = "properties.state" if is_kind(res, SMART_DETECTOR) else "properties.enabled"
    en, path = find(res, key)
    if as_bool(en) is False or eq(en, "Disabled"):
        yield Violation("alert rule is disabled", path=path)
    groups, gpath = action_groups_of(res)
    if not groups:
        yield Violation("alert rule has no action group: nobody is notified", path=gpath or path_of(res, "properties"))

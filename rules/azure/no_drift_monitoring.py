"""AZ027 no-drift-monitoring."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.api import Context, NotAssessed, Passed, Violation, rule
from auditor.azure import (
        ML_SCHEDULE,
    ML_WORKSPACE,
    absent,
    alert_texts,
    enabled,
    eq,
    need,
    of_kind,
    prop,
)
from auditor.inventory import Inventory

QUALITY_RE = re.compile(r"drift|accuracy|precision|recall|auc\b|f1|model[_ ]?quality|prediction[_ ]?distribution",
                        re.IGNORECASE)


@rule(
    code="AZ027",
    name="no-drift-monitoring",
    title="No monitor watches model drift",
    controls=["OPS-DRIFT-MONITORING"],
    target="azure",
    scope="estate",
    rationale=(
        "Input data shifts and models decay silently: accuracy falls while every infrastructure metric stays "
        "green. Only a drift or model-quality monitor notices."
    ),
    remediation=(
        "Create an Azure ML model monitor (a schedule whose action is CreateMonitor):\n\n"
        '```json\n{ "type": "Microsoft.MachineLearningServices/workspaces/schedules", "apiVersion": "2024-04-01",\n'
        '  "name": "[concat(parameters(\'workspace\'), \'/drift\')]",\n'
        '  "properties": { "trigger": { "triggerType": "Recurrence", "frequency": "Day", "interval": 1 },\n'
        '    "action": { "actionType": "CreateMonitor", "monitorDefinition": { } } } }\n```'
    ),
)
def check(inv: Inventory, ctx: Context) -> Iterator[Violation | Passed]:
    """Passes when an enabled Azure ML schedule has action CreateMonitor, or an enabled alert watches a
    model-quality metric (drift, accuracy, ...). Without any ML workspace, or in templates without such
    evidence, not assessed; a live estate with ML workspaces and no monitor fails."""
    for s in of_kind(inv, ML_SCHEDULE):
        if enabled(prop(s, "properties.isEnabled")) and eq(prop(s, "properties.action.actionType"), "CreateMonitor"):
            yield Passed(s, "Azure ML model monitor scheduled")
            return
    for alert, text in alert_texts(inv):
        if QUALITY_RE.search(text) or QUALITY_RE.search(alert.name):
            yield Passed(alert, "an alert watches a model-quality metric")
            return
    na = absent(inv, "drift monitor", scoped=True)
    if na:
        raise na
    need(inv, "mlSchedules")
    workspaces = of_kind(inv, ML_WORKSPACE)
    if not workspaces:
        raise NotAssessed("no Azure ML workspace: drift may be monitored outside Azure ML")
    for w in workspaces:
        yield Violation("Azure ML workspace has no model monitor and no alert watches model quality", resource=w)

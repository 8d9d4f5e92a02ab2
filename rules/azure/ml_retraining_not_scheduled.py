"""AZ028 no-scheduled-retraining."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, NotAssessed, Passed, Violation, rule
from auditor.azure import ML_SCHEDULE, ML_WORKSPACE, absent, enabled, eq, need, of_kind, prop
from auditor.inventory import Inventory


@rule(
    code="AZ028",
    name="ml-retraining-not-scheduled",
    title="No Azure ML schedule retrains the model",
    controls=["CICD-SCHEDULED-RETRAINING"],
    target="azure",
    scope="estate",
    rationale=(
        "A model trained once ages with its data; retraining on a schedule keeps it current without relying "
        "on someone remembering."
    ),
    remediation=(
        "Schedule the training pipeline:\n\n"
        '```json\n{ "type": "Microsoft.MachineLearningServices/workspaces/schedules", "apiVersion": "2024-04-01",\n'
        '  "name": "[concat(parameters(\'workspace\'), \'/weekly-retrain\')]",\n'
        '  "properties": { "trigger": { "triggerType": "Cron", "expression": "0 3 * * 1" },\n'
        '    "action": { "actionType": "CreateJob", "jobDefinition": { "jobType": "Pipeline" } } } }\n```'
    ),
)
def check(inv: Inventory, ctx: Context) -> Iterator[Violation | Passed]:
    """Passes when an enabled Azure ML schedule with a trigger runs a job (action CreateJob). Without ML
    workspaces (retraining may be scheduled in CI) or in templates without a schedule: not assessed. A live
    workspace with no such schedule fails."""
    for s in of_kind(inv, ML_SCHEDULE):
        if enabled(prop(s, "properties.isEnabled")) and eq(prop(s, "properties.action.actionType"), "CreateJob") \
                and prop(s, "properties.trigger"):
            yield Passed(s, "Azure ML schedule runs a job")
            return
    na = absent(inv, "Azure ML schedule", scoped=True)
    if na:
        raise na
    need(inv, "mlSchedules")
    workspaces = of_kind(inv, ML_WORKSPACE)
    if not workspaces:
        raise NotAssessed("no Azure ML workspace: retraining may be scheduled in CI pipelines")
    for w in workspaces:
        yield Violation("Azure ML workspace has no enabled schedule that runs a training job", resource=w)

"""PIPE004 no-scheduled-retraining."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, NotAssessed, Passed, Resource, Violation, rule
from auditor.inventory import Inventory
from auditor.pipelines import ENTRY_KINDS, Action, pipeline_actions, unresolved


@rule(
    code="PIPE004",
    name="no-scheduled-retraining",
    title="No pipeline retrains the model on a schedule",
    controls=["CICD-SCHEDULED-RETRAINING"],
    target="pipeline",
    scope="estate",
    rationale=(
        "Data drifts: a model trained once degrades silently as the world changes. A scheduled training run "
        "(nightly, weekly) keeps the model fresh and proves that training is still reproducible from the "
        "pipeline, not from a laptop."
    ),
    remediation=(
        "Add a schedule trigger to the training pipeline:\n\n"
        "```yaml\non:\n  schedule:\n    - cron: '0 3 * * 1'   # Mondays 03:00 UTC\n  workflow_dispatch: {}\njobs:\n"
        "  train:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
        "      - run: az ml job create --file train/job.yml --wait\n```\n\n"
        "Azure Pipelines: `schedules: [{cron: '0 3 * * 1', branches: {include: [main]}, always: true}]`. "
        "An Azure ML schedule on the workspace counts as well (judged on the Azure side)."
    ),
    references=("https://learn.microsoft.com/azure/devops/pipelines/process/scheduled-triggers",),
)
def check(inv: Inventory, ctx: Context) -> Iterator[Violation | Passed]:
    """Some pipeline with a schedule trigger (GitHub `on.schedule` cron, Azure Pipelines `schedules:`) must run
    training: `python train*.py`, `python -m pkg.train`, `az ml job create`, `mlflow run`, `dvc repro`, `torchrun`,
    `make train`, Azure ML tasks or actions; or a pipeline must create an Azure ML schedule (`az ml schedule
    create`). Training pipelines without a schedule fail on their trigger line;
    when no pipeline trains at all, the estate fails. Unreadable templates make it not assessed."""
    pipelines = list(inv.of_kind("pipeline", *ENTRY_KINDS))
    if not pipelines:
        raise NotAssessed("only templates and reusable workflows were found: they are judged through the "
                          "pipelines that use them")
    scheduled: list[tuple[Resource, str]] = []
    unscheduled: list[tuple[Resource, Action]] = []
    hidden: list[str] = []
    for res in pipelines:
        acts = [a for _, _, a in pipeline_actions(res.data)]
        aml = next((a for a in acts if a.kind == "schedule"), None)
        if aml is not None:
            scheduled.append((res, f"Azure ML schedule created by {aml.what} (line {aml.line})"))
            continue
        trains = [a for a in acts if a.kind == "train"]
        hidden += unresolved(res.data)
        if not trains:
            continue
        crons = (res.data.get("triggers") or {}).get("schedules") or []
        if crons:
            scheduled.append((res, f"training runs on schedule '{crons[0].get('cron')}'"))
        else:
            unscheduled.append((res, trains[0]))
    if scheduled:
        for res, why in scheduled:
            yield Passed(res, why)
        return
    if not unscheduled and hidden:
        raise NotAssessed("training may run in templates that could not be read: " + "; ".join(sorted(set(hidden))))
    for res, act in unscheduled:
        trig = (res.data.get("triggers") or {}).get("line")
        yield Violation(f"pipeline trains a model ({act.what}, line {act.line}) but has no schedule trigger",
                        line=trig, resource=res, evidence=act.what)
    if not unscheduled:
        yield Violation(f"none of the {len(pipelines)} pipeline(s) runs model training, scheduled or not")

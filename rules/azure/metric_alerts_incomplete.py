"""AZ022 metric-alerts-incomplete."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.api import Context, NotAssessed, Params, Passed, Violation, rule
from auditor.azure import METRIC_ALERT, QUERY_ALERT, absent, alert_texts, filters, need, of_kind
from auditor.inventory import Inventory

SIGNALS: dict[str, re.Pattern[str]] = {
    "cpu": re.compile(r"cpu", re.IGNORECASE),
    "memory": re.compile(r"memory|workingset|mem_|_mem\b", re.IGNORECASE),
    "latency": re.compile(r"latency|duration|response_?time|responsetime|e2e", re.IGNORECASE),
    "errors": re.compile(r"5xx|error|fail|exception", re.IGNORECASE),
}


class AlertParams(Params):
    signals: tuple[str, ...] = ("cpu", "memory", "latency", "errors")


@rule(
    code="AZ022",
    name="metric-alerts-incomplete",
    title="No alert watches CPU, memory, latency or error rate",
    controls=["MON-METRIC-ALERTS"],
    target="azure",
    scope="estate",
    params=AlertParams,
    rationale=(
        "A model service degrades through saturation (CPU, memory), slowness (latency) and failures (error "
        "rate). Without an alert on each, users notice before the team does."
    ),
    remediation=(
        "Add enabled metric alerts (or log alerts) for each signal, e.g. on an App Service plan and its app:\n\n"
        '```json\n"criteria": { "odata.type": "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",\n'
        '  "allOf": [ { "name": "cpu", "metricName": "CpuPercentage", "operator": "GreaterThan", "threshold": 80,\n'
        '    "timeAggregation": "Average", "criterionType": "StaticThresholdCriterion" } ] }\n```\n\n'
        "Likewise MemoryPercentage, HttpResponseTime (latency) and Http5xx (errors)."
    ),
)
def check(inv: Inventory, ctx: Context) -> Iterator[Violation | Passed]:
    """Enabled metric alerts (metric names) and scheduled query rules (query text) together must cover each
    signal in `signals` (default cpu, memory, latency, errors). Templates without any alert are not assessed;
    templates with alerts are judged on what they deploy."""
    p: AlertParams = ctx.params
    need(inv, "resources")
    texts = alert_texts(inv)
    if not texts:
        na = absent(inv, "metric or log alert", scoped=True)
        if na:
            raise na
    missing = [s for s in p.signals if s in SIGNALS and not any(SIGNALS[s].search(t) for _, t in texts)]
    if missing and filters(inv):
        raise NotAssessed(f"no alert read watches {', '.join(missing)}, but the collection was limited to "
                          f"{filters(inv)}")
    if missing:
        yield Violation(f"no enabled alert watches {', '.join(missing)} ({len(texts)} enabled alert(s) found)")
        return
    for a in of_kind(inv, METRIC_ALERT, QUERY_ALERT):
        yield Passed(a, f"alerts cover {', '.join(p.signals)}")

"""AZ026 no-anomaly-detection."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Passed, Violation, rule
from auditor.azure import (
    METRIC_ALERT,
    PROACTIVE,
    SMART_DETECTOR,
    absent,
    enabled,
    eq,
    items,
    need,
    of_kind,
    prop,
)
from auditor.inventory import Inventory


@rule(
    code="AZ026",
    name="no-anomaly-detection",
    title="No alert detects anomalies automatically",
    controls=["MON-ANOMALY-DETECTION"],
    target="azure",
    scope="estate",
    rationale=(
        "Static thresholds miss slow drifts and seasonal shifts; dynamic thresholds and smart detection learn "
        "the normal pattern and flag what departs from it."
    ),
    remediation=(
        "Use a dynamic threshold in a metric alert:\n\n"
        '```json\n"criteria": { "odata.type": "Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria",\n'
        '  "allOf": [ { "criterionType": "DynamicThresholdCriterion", "name": "latency", "metricName": "HttpResponseTime",\n'
        '    "operator": "GreaterThan", "alertSensitivity": "Medium", "timeAggregation": "Average",\n'
        '    "failingPeriods": { "numberOfEvaluationPeriods": 4, "minFailingPeriodsToAlert": 3 } } ] }\n```'
    ),
)
def check(inv: Inventory, ctx: Context) -> Iterator[Violation | Passed]:
    """Passes when an enabled metric alert uses a DynamicThresholdCriterion, an enabled smart detector alert
    rule exists, or an Application Insights proactive detection config is enabled. Templates without any of
    these are not assessed."""
    need(inv, "resources")
    for a in of_kind(inv, METRIC_ALERT):
        if enabled(prop(a, "properties.enabled")) and any(
                eq(prop(c, "criterionType"), "DynamicThresholdCriterion")
                for c in items(prop(a, "properties.criteria.allOf"))):
            yield Passed(a, "metric alert with dynamic thresholds")
            return
    for s in of_kind(inv, SMART_DETECTOR):
        if not eq(prop(s, "properties.state"), "Disabled"):
            yield Passed(s, "smart detector alert rule enabled")
            return
    for pd in of_kind(inv, PROACTIVE):
        if enabled(prop(pd, "properties.enabled"), default=False):
            yield Passed(pd, "proactive detection enabled")
            return
    na = absent(inv, "dynamic-threshold alert or smart detector", scoped=True)
    if na:
        raise na
    yield Violation("no alert uses dynamic thresholds or smart detection")

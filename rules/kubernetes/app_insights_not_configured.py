"""K8S020 app-insights-not-configured."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, NotApplicable, NotAssessed, Passed, Violation, rule
from auditor.inventory import Inventory
from auditor.k8s import (
    APPINSIGHTS_ENV,
    OTEL_EXPORTER_RE,
    SERVING_KINDS,
    is_off,
    otel_injection,
    require_pod_spec,
    workload_env,
)


@rule(
    code="K8S020",
    name="app-insights-not-configured",
    title="Serving workload does not report to Application Insights or an OpenTelemetry exporter",
    controls=["MON-APP-INSIGHTS"],
    target="kubernetes",
    scope="estate",
    rationale=(
        "A model service that exports no telemetry leaves latency, error rates and dependency failures "
        "invisible: incidents are found by users, and there is nothing to alert on."
    ),
    remediation=(
        "Give the container the Application Insights connection string (from a Secret or Key Vault), or "
        "configure an OpenTelemetry exporter (for example the Azure Monitor OpenTelemetry distro):\n\n"
        "```yaml\nenv:\n  - name: APPLICATIONINSIGHTS_CONNECTION_STRING\n    valueFrom:\n"
        "      secretKeyRef: {name: appinsights, key: connection-string}\n"
        "  - name: OTEL_EXPORTER_OTLP_ENDPOINT\n    value: http://otel-collector.monitoring:4317\n```"
    ),
    references=("https://learn.microsoft.com/azure/azure-monitor/app/opentelemetry-enable",),
)
def check(inv: Inventory, ctx: Context) -> Iterator[Violation | Passed]:
    """Across the scan, every serving workload (Deployment, StatefulSet, Argo Rollout, DeploymentConfig)
    carries APPLICATIONINSIGHTS_CONNECTION_STRING (or the legacy instrumentation key), an OpenTelemetry
    exporter setting (OTEL_EXPORTER_OTLP_*ENDPOINT, OTEL_TRACES_EXPORTER other than none), directly or
    through an envFrom ConfigMap in the scan, or an OpenTelemetry Operator inject-* annotation. Not applicable
    when the scan has no serving workload."""
    seen = False
    for res in inv.of_kind("kubernetes", *SERVING_KINDS):
        try:
            _, base = require_pod_spec(res, ctx.inventory)
        except (NotAssessed, NotApplicable):
            continue  # no pod spec/containers, or judged at its controller
        seen = True
        found = None
        for ev in workload_env(res, inv):
            if ev.name.upper() in APPINSIGHTS_ENV or (OTEL_EXPORTER_RE.match(ev.name.upper()) and not is_off(ev.value)):
                found = ev.name
                break
        found = found or otel_injection(res)
        if found:
            yield Passed(res, f"exports telemetry ({found})")
        else:
            yield Violation("carries no Application Insights connection string or "
                            "OpenTelemetry exporter configuration", path=(*base, "containers"), resource=res)
    if not seen:
        raise NotApplicable()

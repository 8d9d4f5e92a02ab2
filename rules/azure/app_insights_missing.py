"""AZ024 app-insights-missing."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Passed, Violation, rule
from auditor.azure import (
    ACI,
    APP_INSIGHTS,
    CONTAINER_APP,
    SITE,
    SITE_CONFIG,
    absent,
    eq,
    find,
    need,
    of_kind,
    path_of,
    walk_strings,
)
from auditor.inventory import Inventory

TELEMETRY_KEYS = ("applicationinsights_connection_string", "appinsights_instrumentationkey",
                  "otel_exporter_otlp_endpoint", "otel_exporter_otlp_traces_endpoint",
                  "applicationinsightsagent_extension_version")


def _has_telemetry(data: object) -> bool:
    for _path, value in walk_strings(data):
        if value.lower() in TELEMETRY_KEYS or "instrumentationkey=" in value.lower():
            return True
    return False


@rule(
    code="AZ024",
    name="app-insights-missing",
    title="Model services do not report to a workspace-based Application Insights",
    controls=["MON-APP-INSIGHTS"],
    target="azure",
    scope="estate",
    rationale=(
        "Without request telemetry there is no latency distribution, no failure trace, no dependency map: "
        "incidents are debugged from guesses. Classic (non-workspace) components are retired."
    ),
    remediation=(
        "Create a workspace-based component and give every serving app its connection string:\n\n"
        '```json\n{ "type": "Microsoft.Insights/components", "kind": "web", "apiVersion": "2020-02-02",\n'
        '  "properties": { "Application_Type": "web", "WorkspaceResourceId": "[parameters(\'workspaceId\')]" } }\n'
        '...\n{ "name": "APPLICATIONINSIGHTS_CONNECTION_STRING", "value": "[reference(...).ConnectionString]" }\n```'
    ),
)
def check(inv: Inventory, ctx: Context) -> Iterator[Violation | Passed]:
    """An Application Insights component must exist and be workspace-based (WorkspaceResourceId set, ingestion
    mode not ApplicationInsights); each web app, Container App and container group must carry a connection
    string / instrumentation key setting or an OpenTelemetry exporter setting (web apps whose settings are
    unknown are skipped). Templates with no component are
    not assessed."""
    need(inv, "resources")
    comps = of_kind(inv, APP_INSIGHTS)
    if not comps:
        na = absent(inv, "Application Insights component", scoped=True)
        if na:
            raise na
        yield Violation("no Application Insights component exists")
        return
    for c in comps:
        ws, path = find(c, "properties.WorkspaceResourceId")
        mode, mpath = find(c, "properties.IngestionMode")
        if not ws or eq(mode, "ApplicationInsights"):
            yield Violation("component is classic, not workspace-based", resource=c,
                            path=mpath or path_of(c, "properties.WorkspaceResourceId"))
        else:
            yield Passed(c, "workspace-based Application Insights component")
    configs = of_kind(inv, SITE_CONFIG)
    for w in of_kind(inv, SITE, CONTAINER_APP, ACI):
        own = [w.data] + [c.data for c in configs if c.name.split("/")[0].lower() == w.name.lower()]
        if w.kind == SITE and len(own) == 1 and find(w, "properties.siteConfig.appSettings")[0] is None:
            continue  # app settings unknown (live reads never fetch them: they hold secrets)
        if not any(_has_telemetry(d) for d in own):
            yield Violation(f"{w.kind.rsplit('/', 1)[-1]} {w.name} has no Application Insights connection string "
                            "or OpenTelemetry exporter setting", resource=w)

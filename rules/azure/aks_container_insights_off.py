"""AZ025 aks-container-insights-off."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.azure import AKS, as_bool, find, get_ci, path_of, prop


@rule(
    code="AZ025",
    name="aks-container-insights-off",
    title="AKS cluster logs are not sent to Log Analytics",
    controls=["MON-CLUSTER-LOGS"],
    target="azure",
    kinds=(AKS,),
    rationale=(
        "Container logs live on the node and vanish with the pod: without Container Insights, the logs of a "
        "crashed inference pod or an evicted training job are gone before anyone reads them."
    ),
    remediation=(
        "Enable the monitoring addon with a workspace:\n\n"
        '```json\n"addonProfiles": { "omsagent": { "enabled": true,\n'
        '  "config": { "logAnalyticsWorkspaceResourceID": "[parameters(\'workspaceId\')]" } } }\n```'
    ),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """The omsagent addon (any casing) must be enabled with config.logAnalyticsWorkspaceResourceID, or
    azureMonitorProfile.containerInsights must be enabled with a workspace."""
    addons = prop(res, "properties.addonProfiles", {}) or {}
    oms, key = get_ci(addons, "omsagent")
    if key is not None and as_bool(prop(oms, "enabled")) is True and \
            find(oms, "config.logAnalyticsWorkspaceResourceID", resolve=False)[0]:  # an id, maybe a parameter
        return
    ci = prop(res, "properties.azureMonitorProfile.containerInsights")
    if ci and as_bool(prop(ci, "enabled")) is True and find(ci, "logAnalyticsWorkspaceResourceId", resolve=False)[0]:
        return
    if key is not None:
        _, path = find(res, ("properties", "addonProfiles", key, "enabled"))
        yield Violation("the omsagent addon is disabled or has no Log Analytics workspace", path=path)
    else:
        yield Violation("Container Insights is not enabled (no omsagent addon, no azureMonitorProfile)",
                        path=path_of(res, "properties.addonProfiles"))

"""The Azure resource model shared by the ARM template loader, the live collector and the rules.

Every Azure subject is a `Resource` with target "azure", kind = the ARM resource type in the canonical
casing of `KNOWN_TYPES` (real data varies in casing), uid = the resource id, and data = the ARM REST shape
(`type`, `name`, `id`, `location`, `tags`, `sku`, `identity`, `properties` in camelCase).

Values a template cannot resolve before deployment are `Unresolved` (a str carrying the expression and a
reason); `prop()` raises `NotAssessed` when it meets one, so a rule never guesses. Secure parameters
become `Secure` strings (secret material whose value the template does not show).

Estate evidence: the live collector adds one `Microsoft.Auditor/collectionStatus` resource per
subscription naming the datasets it read and those it was denied; `need()` turns a missing dataset
into NotAssessed. Inventories with no status resource are template scans (`template_only()`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from auditor.model import Location, NotAssessed, PathKey, Resource

if TYPE_CHECKING:
    from auditor.inventory import Inventory

TARGET = "azure"
STATUS_KIND = "Microsoft.Auditor/collectionStatus"

STORAGE = "Microsoft.Storage/storageAccounts"
BLOB_CONTAINER = "Microsoft.Storage/storageAccounts/blobServices/containers"
VAULT = "Microsoft.KeyVault/vaults"
AKS = "Microsoft.ContainerService/managedClusters"
AKS_POOL = "Microsoft.ContainerService/managedClusters/agentPools"
ACR = "Microsoft.ContainerRegistry/registries"
ACI = "Microsoft.ContainerInstance/containerGroups"
CONTAINER_APP = "Microsoft.App/containerApps"
CONTAINER_JOB = "Microsoft.App/jobs"
SITE = "Microsoft.Web/sites"
SITE_CONFIG = "Microsoft.Web/sites/config"
SITE_SLOT = "Microsoft.Web/sites/slots"
ROLE_ASSIGNMENT = "Microsoft.Authorization/roleAssignments"
ROLE_DEFINITION = "Microsoft.Authorization/roleDefinitions"
PRICING = "Microsoft.Security/pricings"
SECURITY_CONTACT = "Microsoft.Security/securityContacts"
ASSESSMENT = "Microsoft.Security/assessments"
DIAGNOSTIC_SETTING = "Microsoft.Insights/diagnosticSettings"
METRIC_ALERT = "Microsoft.Insights/metricAlerts"
QUERY_ALERT = "Microsoft.Insights/scheduledQueryRules"
ACTIVITY_ALERT = "Microsoft.Insights/activityLogAlerts"
ACTION_GROUP = "Microsoft.Insights/actionGroups"
AUTOSCALE = "Microsoft.Insights/autoscaleSettings"
APP_INSIGHTS = "Microsoft.Insights/components"
PROACTIVE = "Microsoft.Insights/components/ProactiveDetectionConfigs"
SMART_DETECTOR = "Microsoft.AlertsManagement/smartDetectorAlertRules"
BUDGET = "Microsoft.Consumption/budgets"
RESOURCE_GROUP = "Microsoft.Resources/resourceGroups"
SUBSCRIPTION = "Microsoft.Resources/subscriptions"
DEPLOYMENT = "Microsoft.Resources/deployments"
ML_WORKSPACE = "Microsoft.MachineLearningServices/workspaces"
ML_SCHEDULE = "Microsoft.MachineLearningServices/workspaces/schedules"
DISK = "Microsoft.Compute/disks"
SQL_TDE = "Microsoft.Sql/servers/databases/transparentDataEncryption"
WORKSPACE = "Microsoft.OperationalInsights/workspaces"
PRIVATE_ENDPOINT = "Microsoft.Network/privateEndpoints"

KNOWN_TYPES: tuple[str, ...] = (
    STORAGE, BLOB_CONTAINER, "Microsoft.Storage/storageAccounts/blobServices", VAULT, "Microsoft.KeyVault/vaults/secrets",
    AKS, AKS_POOL, ACR, ACI, CONTAINER_APP, CONTAINER_JOB, "Microsoft.App/managedEnvironments", SITE, SITE_CONFIG, SITE_SLOT,
    "Microsoft.Web/serverfarms", ROLE_ASSIGNMENT, ROLE_DEFINITION, PRICING, SECURITY_CONTACT, ASSESSMENT,
    DIAGNOSTIC_SETTING, METRIC_ALERT, QUERY_ALERT, ACTIVITY_ALERT, ACTION_GROUP, AUTOSCALE, APP_INSIGHTS, PROACTIVE,
    SMART_DETECTOR, BUDGET, RESOURCE_GROUP, SUBSCRIPTION, DEPLOYMENT, ML_WORKSPACE, ML_SCHEDULE,
    "Microsoft.MachineLearningServices/workspaces/onlineEndpoints", DISK, "Microsoft.Compute/virtualMachines",
    "Microsoft.Sql/servers", "Microsoft.Sql/servers/databases", SQL_TDE, "Microsoft.DocumentDB/databaseAccounts",
    WORKSPACE, PRIVATE_ENDPOINT, "Microsoft.ManagedIdentity/userAssignedIdentities",
    "Microsoft.Network/virtualNetworks", "Microsoft.Network/networkSecurityGroups", "Microsoft.Network/publicIPAddresses",
    "Microsoft.Network/networkInterfaces", "Microsoft.Network/loadBalancers", "Microsoft.Network/applicationGateways",
    "Microsoft.Compute/virtualMachineScaleSets", "Microsoft.Compute/snapshots", "Microsoft.CognitiveServices/accounts",
    "Microsoft.Search/searchServices", "Microsoft.EventHub/namespaces", "Microsoft.ServiceBus/namespaces",
    "Microsoft.Cache/redis", "Microsoft.DBforPostgreSQL/flexibleServers", "Microsoft.Databricks/workspaces",
    STATUS_KIND,
)
_CANON = {t.lower(): t for t in KNOWN_TYPES}
_CANON["microsoft.resources/subscriptions/resourcegroups"] = RESOURCE_GROUP  # Resource Graph's spelling

# built-in role definition GUIDs
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
USER_ACCESS_ADMIN = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
BROAD_ROLES = {OWNER: "Owner", CONTRIBUTOR: "Contributor", USER_ACCESS_ADMIN: "User Access Administrator"}

_MISSING: Any = object()


class Unresolved(str):
    """A template value that cannot be known before deployment (the text is the expression)."""

    reason: str

    def __new__(cls, expr: str, reason: str) -> Unresolved:
        obj = super().__new__(cls, expr)
        obj.reason = reason
        return obj


class Secure(str):
    """A value that came from a secure parameter (securestring/secureObject or a Key Vault reference)."""


def canonical_type(rtype: str) -> str:
    return _CANON.get(rtype.lower(), rtype)


def is_kind(res: Resource | Mapping[str, Any], *kinds: str) -> bool:
    kind = res.kind if isinstance(res, Resource) else str(res.get("type", ""))
    return kind.lower() in {k.lower() for k in kinds}


def _data(obj: Resource | Any) -> Any:
    return obj.data if isinstance(obj, Resource) else obj


def get_ci(mapping: Any, key: str) -> tuple[Any, str | None]:
    """(value, actual key) of `key` in `mapping`, matched case-insensitively; (_MISSING, None) if absent."""
    if not isinstance(mapping, Mapping):
        return _MISSING, None
    if key in mapping:
        return mapping[key], key
    low = key.lower()
    for k, v in mapping.items():
        if isinstance(k, str) and k.lower() == low:
            return v, k
    return _MISSING, None


def check_resolved(value: Any, where: str) -> Any:
    if isinstance(value, Unresolved):
        raise NotAssessed(f"{where} is not known before deployment ({value.reason})")
    return value


def find(obj: Resource | Any, dotted: str | Sequence[PathKey], default: Any = None,
         resolve: bool = True) -> tuple[Any, tuple[PathKey, ...]]:
    """Value at `dotted` (case-insensitive keys; ints index lists) and the path of actual keys walked.

    The path stops at the deepest existing key, so a Violation with it points at the closest line.
    Raises NotAssessed when an unresolved template value stands in the way (unless resolve=False).
    """
    parts: Sequence[PathKey] = dotted.split(".") if isinstance(dotted, str) else dotted
    node = _data(obj)
    path: list[PathKey] = []
    for part in parts:
        if resolve:
            check_resolved(node, format_dotted(path) or "the resource")
        if isinstance(part, int) or (isinstance(part, str) and part.isdigit() and isinstance(node, list)):
            idx = int(part)
            if isinstance(node, list) and 0 <= idx < len(node):
                node = node[idx]
                path.append(idx)
                continue
            return default, tuple(path)
        value, key = get_ci(node, str(part))
        if value is _MISSING or key is None:
            return default, tuple(path)
        node = value
        path.append(key)
    if resolve:
        check_resolved(node, format_dotted(path))
    if node is None:
        return default, tuple(path)
    return node, tuple(path)


def prop(obj: Resource | Any, dotted: str | Sequence[PathKey], default: Any = None) -> Any:
    """Case-insensitive property get: prop(res, "properties.allowBlobPublicAccess")."""
    return find(obj, dotted, default)[0]


def path_of(obj: Resource | Any, dotted: str | Sequence[PathKey]) -> tuple[PathKey, ...]:
    return find(obj, dotted, resolve=False)[1]


def format_dotted(path: Sequence[PathKey]) -> str:
    return ".".join(str(p) for p in path)


def as_bool(value: Any) -> bool | None:
    """ARM booleans arrive as bools, sometimes as strings ("true", "True"); None when not a boolean."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def eq(value: Any, *options: str) -> bool:
    return isinstance(value, str) and value.lower() in {o.lower() for o in options}


def items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def api_version(res: Resource) -> str | None:
    v = res.extra.get("apiVersion")
    return str(v) if v else None


def from_template(res: Resource) -> bool:
    return res.extra.get("source") == "template"


# ---- ids ------------------------------------------------------------------------------------------
_SUB_RE = re.compile(r"^/subscriptions/([^/]+)", re.IGNORECASE)


def subscription_of(resource_id: str) -> str | None:
    m = _SUB_RE.match(resource_id or "")
    return m.group(1) if m else None


def norm_id(resource_id: str) -> str:
    return (resource_id or "").rstrip("/").lower()


def extension_scope(resource_id: str, provider_type: str) -> str:
    """The id an extension resource (diagnostic setting, role assignment) is attached to."""
    low = resource_id.lower()
    marker = f"/providers/{provider_type.lower()}/"
    idx = low.rfind(marker)
    return resource_id[:idx] if idx >= 0 else ""


def role_guid(role_definition_id: Any) -> str:
    return str(role_definition_id or "").rstrip("/").rsplit("/", 1)[-1].lower()


# ---- resources ------------------------------------------------------------------------------------
def make_resource(data: Mapping[str, Any], location: Location, *, origin: str = "file",
                  extra: Mapping[str, Any] | None = None) -> Resource:
    raw_type = str(data.get("type") or "")
    kind = canonical_type(raw_type)
    rid = str(data.get("id") or "")
    name = str(data.get("name") or "<unnamed>")
    m = re.search(r"/resourceGroups/([^/]+)", rid, re.IGNORECASE)
    ex: dict[str, Any] = {"type": raw_type}
    ex.update(extra or {})
    rg = m.group(1) if m and not m.group(1).startswith("{") else None
    return Resource(target=TARGET, kind=kind, name=name, location=location, namespace=rg,
                    uid=rid or f"{location.path}#{kind}/{name}", origin=origin,  # type: ignore[arg-type]
                    extra=ex, _data=data)


# ---- estate evidence ------------------------------------------------------------------------------
def statuses(inv: Inventory) -> list[Resource]:
    return list(inv.of_kind(TARGET, STATUS_KIND))


def template_only(inv: Inventory) -> bool:
    """True when no live collection contributed: the inventory is what templates deploy, not an estate."""
    return not statuses(inv)


def need(inv: Inventory, *datasets: str) -> None:
    """Raise NotAssessed when a live collection could not read one of these datasets."""
    for st in statuses(inv):
        got = prop(st, "properties.datasets", {}) or {}
        for ds in datasets:
            state = got.get(ds)
            if state != "collected":
                sub = prop(st, "properties.subscriptionId", st.name)
                raise NotAssessed(f"dataset {ds!r} of subscription {sub} was not collected: {state or 'not read'}")


def filters(inv: Inventory) -> str:
    """The resource-group/tag filters a live collection was limited to ("" when it read everything)."""
    parts: list[str] = []
    for st in statuses(inv):
        f = prop(st, "properties.filters", {}) or {}
        parts += [f"resource group {g}" for g in f.get("resourceGroups") or []]
        parts += [f"tag {t}" for t in f.get("tags") or []]
    return ", ".join(sorted(set(parts)))


def absent(inv: Inventory, what: str, scoped: bool = False) -> NotAssessed | None:
    """When absence is not evidence, the NotAssessed to raise: template-only scans, and (for `scoped`
    resources, those Resource Graph reads) live collections limited by resource group or tag."""
    if template_only(inv):
        return NotAssessed(f"the scanned templates deploy no {what}; the estate may have one elsewhere "
                           "(scan the subscription, azure:<subscription-id>, to judge it)")
    limited = filters(inv) if scoped else ""
    if limited:
        return NotAssessed(f"no {what} among the resources read, but the collection was limited to {limited}")
    return None


def of_kind(inv: Inventory, *kinds: str) -> list[Resource]:
    return list(inv.of_kind(TARGET, *kinds))


def subscriptions(inv: Inventory) -> list[str]:
    subs = []
    for st in statuses(inv):
        sid = prop(st, "properties.subscriptionId")
        if sid:
            subs.append(str(sid))
    return subs


def subscription_resource(inv: Inventory, sub: str) -> Resource | None:
    for r in inv.of_kind(TARGET, SUBSCRIPTION, STATUS_KIND):
        if subscription_of(r.uid) == sub or r.name == sub:
            return r
    return None


def enabled(value: Any, default: bool = True) -> bool:
    b = as_bool(value)
    return default if b is None else b


def walk_strings(value: Any, path: tuple[PathKey, ...] = ()) -> Iterator[tuple[tuple[PathKey, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from walk_strings(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from walk_strings(v, (*path, i))


def names(values: Iterable[Any]) -> str:
    return ", ".join(sorted(str(v) for v in values))


def alert_texts(inv: Inventory) -> list[tuple[Resource, str]]:
    """(alert, text describing what it watches) for every enabled metric alert and scheduled query rule."""
    out = []
    for a in inv.of_kind(TARGET, METRIC_ALERT):
        if not enabled(prop(a, "properties.enabled")):
            continue
        crit = items(prop(a, "properties.criteria.allOf"))
        out.append((a, " ".join(f"{prop(c, 'metricNamespace') or ''} {prop(c, 'metricName') or ''}" for c in crit)))
    for a in inv.of_kind(TARGET, QUERY_ALERT):
        if not enabled(prop(a, "properties.enabled")):
            continue
        crit = items(prop(a, "properties.criteria.allOf"))
        text = " ".join(f"{prop(c, 'query') or ''} {prop(c, 'metricMeasureColumn') or ''}" for c in crit)
        text += " " + str(prop(a, "properties.source.query") or "")
        out.append((a, text))
    return out


def per_subscription(inv: Inventory, *kinds: str) -> list[tuple[str | None, list[Resource]]]:
    """Resources of `kinds` grouped by collected subscription; one group (None) for template-only scans."""
    found = of_kind(inv, *kinds)
    if template_only(inv):
        return [(None, found)]
    return [(sub, [r for r in found if (subscription_of(r.uid) or "").lower() == sub.lower()])
            for sub in subscriptions(inv)]


# ---- secrets in live data -------------------------------------------------------------------------
REDACTED = "auditor-redacted:"


def redact_env(data: Any) -> Any:
    """Replace secret-looking literal values in container env lists (ACI, Container Apps) and Container App
    secrets with a marker keeping only the kind and length, so snapshots of live data never hold a secret
    and AZ013 still sees one."""
    from auditor.secrets import find_secret

    def fix(entries: Any, key: str) -> None:
        for e in items(entries):
            if isinstance(e, dict) and isinstance(e.get(key), str):
                hit = find_secret(str(e.get("name") or ""), e[key])
                if hit is not None:
                    e[key] = f"{REDACTED}{hit.kind}:{hit.length}"

    props = data.get("properties") if isinstance(data, dict) else None
    if not isinstance(props, dict):
        return data
    for c in items(props.get("containers")) + items(props.get("initContainers")):
        fix((c.get("properties") or {}).get("environmentVariables") if isinstance(c, dict) else None, "value")
    template: dict[str, Any] = props["template"] if isinstance(props.get("template"), dict) else {}
    for c in items(template.get("containers")) + items(template.get("initContainers")):
        fix(c.get("env") if isinstance(c, dict) else None, "value")
    config: dict[str, Any] = props["configuration"] if isinstance(props.get("configuration"), dict) else {}
    fix(config.get("secrets"), "value")
    return data


def redacted_hit(value: Any) -> tuple[str, int] | None:
    """(kind, length) when `value` is a marker left by redact_env."""
    if isinstance(value, str) and value.startswith(REDACTED):
        kind, _, length = value[len(REDACTED):].rpartition(":")
        return kind, int(length) if length.isdigit() else 0
    return None


def private_endpoint(res: Resource, inv: Inventory) -> str | None:
    """Name of a private endpoint that reaches `res`: an approved connection in the resource's own
    privateEndpointConnections (live data), or a privateEndpoints resource whose (manual) private link service
    connection names the resource's id (templates, or live endpoints)."""
    for conn in items(find(res, "properties.privateEndpointConnections", resolve=False)[0]):
        state = find(conn, "properties.privateLinkServiceConnectionState.status", resolve=False)[0]
        if eq(state, "Approved"):
            pe = find(conn, "properties.privateEndpoint.id", resolve=False)[0]
            return str(pe or find(conn, "name", resolve=False)[0] or "private endpoint").rsplit("/", 1)[-1]
    rid = norm_id(res.uid)
    for pe in of_kind(inv, PRIVATE_ENDPOINT):
        for key in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections"):
            for conn in items(find(pe, f"properties.{key}", resolve=False)[0]):
                target = find(conn, "properties.privateLinkServiceId", resolve=False)[0]
                if isinstance(target, str) and not isinstance(target, Unresolved) and norm_id(target) == rid:
                    return pe.name
    return None

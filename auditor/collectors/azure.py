"""Live Azure collector: subscriptions read into the same Azure resource model ARM templates load into.

Read-only. Fast path: Azure Resource Graph (one paged query per batch of subscriptions) for resources,
resource groups, subscriptions and Defender's MFA assessments, with their full properties. ARM calls
only where Resource Graph has no data: role assignments and custom role definitions
(azure-mgmt-authorization), Defender pricings and security contacts (azure-mgmt-security), and over
REST the subscription's activity-log diagnostic settings, Consumption budgets, diagnostic settings of
sensitive resources and Azure ML schedules. Per-resource reads go through ARM's batch endpoint (a POST
whose inner requests are all GETs) in groups of 20, falling back to single GETs.

Faults never stop the collection: a 403, a missing provider or a server error becomes an InputError
naming the missing permission, and the subscription's `Microsoft.Auditor/collectionStatus` resource
records the dataset as not collected, so the rules that need it answer NOT_ASSESSED instead of FAIL.
Retries: azure-core's policy honours Retry-After on 429/503 and backs off on 5xx.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from auditor.azure import (
    AKS,
    BUDGET,
    DIAGNOSTIC_SETTING,
    ML_SCHEDULE,
    ML_WORKSPACE,
    RESOURCE_GROUP,
    STATUS_KIND,
    STORAGE,
    SUBSCRIPTION,
    TARGET,
    VAULT,
    canonical_type,
    make_resource,
    redact_env,
    subscription_of,
)
from auditor.loaders import LoadResult
from auditor.model import InputError, Location, Resource

CLOUDS: dict[str, tuple[str, str]] = {
    "azurecloud": ("https://login.microsoftonline.com", "https://management.azure.com"),
    "azurepubliccloud": ("https://login.microsoftonline.com", "https://management.azure.com"),
    "azureusgovernment": ("https://login.microsoftonline.us", "https://management.usgovcloudapi.net"),
    "azurechinacloud": ("https://login.chinacloudapi.cn", "https://management.chinacloudapi.cn"),
}
KNOWN_AUTHORITIES = {urlsplit(a).hostname for a, _ in CLOUDS.values()}

PERMISSIONS = {
    "resources": "Microsoft.Resources/subscriptions/resources/read via Resource Graph (Reader)",
    "roleAssignments": "Microsoft.Authorization/roleAssignments/read (Reader)",
    "roleDefinitions": "Microsoft.Authorization/roleDefinitions/read (Reader)",
    "pricings": "Microsoft.Security/pricings/read (Security Reader)",
    "securityContacts": "Microsoft.Security/securityContacts/read (Security Reader)",
    "assessments": "Microsoft.Security/assessments/read (Security Reader)",
    "activityLogSettings": "Microsoft.Insights/diagnosticSettings/read on the subscription (Reader)",
    "diagnosticSettings": "Microsoft.Insights/diagnosticSettings/read (Reader)",
    "budgets": "Microsoft.Consumption/budgets/read (Cost Management Reader, or Reader)",
    "mlSchedules": "Microsoft.MachineLearningServices/workspaces/schedules/read (Reader)",
}
API = {
    "diagnosticSettings": "2021-05-01-preview",
    "budgets": "2023-05-01",
    "subscriptions": "2022-12-01",
    "mlSchedules": "2024-04-01",
    "batch": "2020-06-01",
}
MFA_ASSESSMENT_KEYS = ("94290b00-4d0c-d7b4-7cea-064a9554e681", "57e98606-6b1e-6193-0e3d-fe621387c16b",
                       "151e82c5-5341-a74b-1eb0-bc38d2c84bb5", "e9ac8f8e-ce22-4355-8f04-99b911d6be52",
                       "c0cb17b2-0607-48a7-b0e0-903ed22de39b", "dabc9bc4-b8a8-45bd-9a5a-43000df8aa1c")
ARG_PAGE = 1000
ARG_SUB_BATCH = 200
BATCH_SIZE = 20
MAX_WORKERS = 8
DIAG_KINDS = (VAULT, STORAGE, AKS)


class RateLimiter:
    """Token buckets per API family, shared by every client of a collection (thread-safe)."""

    # (burst, seconds to refill it): Resource Graph allows 15 queries per 5 s; ARM reads refill 25/s from 250
    LIMITS = {"graph": (15, 5.0), "arm": (250, 10.0)}

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens = {k: float(b) for k, (b, _) in self.LIMITS.items()}
        self._stamp = {k: time.monotonic() for k in self.LIMITS}

    def acquire(self, family: str) -> None:
        burst, period = self.LIMITS[family]
        rate = burst / period
        while True:
            with self._lock:
                now = time.monotonic()
                self._tokens[family] = min(burst, self._tokens[family] + (now - self._stamp[family]) * rate)
                self._stamp[family] = now
                if self._tokens[family] >= 1:
                    self._tokens[family] -= 1
                    return
                wait = (1 - self._tokens[family]) / rate
            time.sleep(wait)


def _rate_policy(limiter: RateLimiter) -> Any:
    from azure.core.pipeline.policies import SansIOHTTPPolicy

    class RateLimitPolicy(SansIOHTTPPolicy):  # type: ignore[type-arg]
        def on_request(self, request: Any) -> None:
            url = str(request.http_request.url).lower()
            limiter.acquire("graph" if "/microsoft.resourcegraph/" in url else "arm")

    return RateLimitPolicy()


class DatasetError(Exception):
    """A dataset could not be read: why, and the permission it needs."""

    def __init__(self, dataset: str, status: int | None, detail: str) -> None:
        self.dataset = dataset
        self.status = status
        self.detail = detail
        super().__init__(f"{dataset}: {detail}")

    @property
    def state(self) -> str:
        if self.status == 403 or self.status == 401:
            return f"denied ({self.status}): needs {PERMISSIONS.get(self.dataset, 'read access')}"
        return f"failed: {self.detail}"


@dataclass
class Settings:
    arm: str
    authority: str
    scope: str
    subscriptions: tuple[str, ...]
    all_subscriptions: bool
    resource_groups: tuple[str, ...]
    tags: tuple[tuple[str, str], ...]
    interactive: bool
    retry: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_options(cls, ref: str, options: Mapping[str, Any]) -> Settings:
        cloud = str(options.get("cloud") or os.environ.get("AZURE_CLOUD") or "AzureCloud").lower()
        if cloud not in CLOUDS:
            raise ValueError(f"unknown cloud {options.get('cloud')!r}: use AzureCloud, AzureUSGovernment or "
                             "AzureChinaCloud (or --arm-endpoint)")
        authority, arm = CLOUDS[cloud]
        authority = os.environ.get("AZURE_AUTHORITY_HOST") or authority
        arm = str(options.get("arm_endpoint") or arm).rstrip("/")
        tags = []
        for t in options.get("tags") or ():
            k, _, v = str(t).partition("=")
            tags.append((k.strip(), v.strip()))
        subs = tuple(s for s in (ref.strip(),) if s and s not in ("*", "all"))
        return cls(arm=arm, authority=authority, scope=f"{arm}/.default"
                   if urlsplit(arm).hostname not in ("management.azure.com",) else "https://management.azure.com/.default",
                   subscriptions=subs, all_subscriptions=bool(options.get("all_subscriptions")) or not subs,
                   resource_groups=tuple(options.get("resource_groups") or ()), tags=tuple(tags),
                   interactive=bool(options.get("interactive")),
                   retry={"retry_total": int(options.get("retry_total", 4)),
                          "retry_backoff_factor": float(options.get("retry_backoff_factor", 0.4)),
                          "retry_backoff_max": 30})


def make_credential(cfg: Settings) -> Any:
    from azure.identity import DefaultAzureCredential

    host = urlsplit(cfg.authority if "://" in cfg.authority else f"https://{cfg.authority}").hostname
    kwargs: dict[str, Any] = {"authority": cfg.authority, "exclude_interactive_browser_credential": True}
    if host not in KNOWN_AUTHORITIES:  # Azure Stack / ADFS / a test authority: no public instance discovery
        kwargs["disable_instance_discovery"] = True
    return DefaultAzureCredential(**kwargs)


def _status_of(exc: BaseException) -> int | None:
    code = getattr(exc, "status_code", None)
    if code is None:
        resp = getattr(exc, "response", None)
        code = getattr(resp, "status_code", None)
    return int(code) if isinstance(code, int) else None


def _detail(exc: BaseException) -> str:
    status = _status_of(exc)
    err = getattr(exc, "error", None)
    code = getattr(err, "code", None) or ""
    lines = [ln.strip() for ln in str(getattr(err, "message", None) or exc).splitlines() if ln.strip()] or [""]
    specific = [ln for ln in lines if "authentication failed" in ln.lower() or "aadsts" in ln.lower()]
    msg = (specific[0] if specific else lines[0])[:300]
    return f"HTTP {status} {code}: {msg}".replace("  ", " ") if status else f"{type(exc).__name__}: {msg}"


class Session:
    """The clients of one collection, sharing one credential and one retry configuration."""

    def __init__(self, cfg: Settings, credential: Any) -> None:
        from azure.core.pipeline.policies import RetryPolicy, UserAgentPolicy
        from azure.mgmt.core import ARMPipelineClient
        from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy

        self.cfg = cfg
        self.credential = credential
        limit = _rate_policy(RateLimiter())
        self.common: dict[str, Any] = {"base_url": cfg.arm, "credential_scopes": [cfg.scope],
                                       "per_retry_policies": [limit], "connection_timeout": 30,
                                       "read_timeout": 120, **cfg.retry}
        self.rest: Any = ARMPipelineClient(base_url=cfg.arm, policies=[
            UserAgentPolicy(user_agent="auditor-collector"),
            RetryPolicy(**cfg.retry),
            limit,
            ARMChallengeAuthenticationPolicy(credential, cfg.scope),
        ])

    def graph(self) -> Any:
        from azure.mgmt.resourcegraph import ResourceGraphClient

        return ResourceGraphClient(self.credential, **self.common)

    def authorization(self, sub: str) -> Any:
        from azure.mgmt.authorization import AuthorizationManagementClient

        return AuthorizationManagementClient(self.credential, sub, **self.common)

    def security(self, sub: str) -> Any:
        from azure.mgmt.security import SecurityCenter

        return SecurityCenter(self.credential, sub, **self.common)

    # ---- REST --------------------------------------------------------------------------------------
    def _url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.cfg.arm}{path}"

    def get_json(self, path: str) -> Any:
        from azure.core.exceptions import HttpResponseError
        from azure.core.rest import HttpRequest

        resp = self.rest.send_request(HttpRequest("GET", self._url(path)), connection_timeout=30, read_timeout=120)
        if resp.status_code >= 400:
            raise HttpResponseError(response=resp)
        return resp.json()

    def get_all(self, path: str) -> list[Any]:
        """GET a list, following nextLink."""
        out: list[Any] = []
        url: str | None = path
        pages = 0
        while url and pages < 1000:
            body = self.get_json(url)
            out.extend(body.get("value", []) if isinstance(body, Mapping) else [])
            url = body.get("nextLink") if isinstance(body, Mapping) else None
            pages += 1
        return out

    def batch_get(self, paths: list[str]) -> dict[str, tuple[int, Any]]:
        """GET many ARM paths through /batch (20 per request); single GETs if batching is unavailable."""
        from azure.core.exceptions import HttpResponseError
        from azure.core.rest import HttpRequest

        results: dict[str, tuple[int, Any]] = {}
        groups = [paths[i:i + BATCH_SIZE] for i in range(0, len(paths), BATCH_SIZE)]

        def one_group(group: list[str]) -> dict[str, tuple[int, Any]]:
            names = {str(uuid.uuid4()): p for p in group}
            body = {"requests": [{"httpMethod": "GET", "name": n, "url": self._url(p)} for n, p in names.items()]}
            got: dict[str, tuple[int, Any]] = {}
            try:
                resp = self.rest.send_request(HttpRequest(
                    "POST", f"{self.cfg.arm}/batch?api-version={API['batch']}", json=body))
                if resp.status_code != 200:
                    raise HttpResponseError(response=resp)
                for r in resp.json().get("responses", []):
                    path = names.get(str(r.get("name")))
                    if path is not None:
                        got[path] = (int(r.get("httpStatusCode", 0)), r.get("content"))
            except HttpResponseError:
                got = {}
            for p in group:  # anything the batch did not answer well: ask alone (retries apply)
                status = got.get(p, (0, None))[0]
                if status == 200 or status in (403, 404):
                    continue
                try:
                    got[p] = (200, self.get_json(p))
                except HttpResponseError as exc:
                    got[p] = (_status_of(exc) or 0, {"error": {"message": _detail(exc)}})
            return got

        with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, max(1, len(groups)))) as pool:
            for got in pool.map(one_group, groups):
                results.update(got)
        # follow nextLink of list answers
        for path, (status, content) in list(results.items()):
            if status == 200 and isinstance(content, Mapping) and content.get("nextLink"):
                rest: list[Any] = self.get_all(str(content["nextLink"]))
                results[path] = (200, {"value": list(content.get("value", [])) + rest})
        return results


# ---- normalisation -------------------------------------------------------------------------------------
def normalise(row: Mapping[str, Any]) -> dict[str, Any]:
    """An ARM-shaped dict: canonical type casing, only the REST fields."""
    raw_type = str(row.get("type") or "")
    ctype = canonical_type(raw_type)  # the kind; data keeps the type as Azure spelled it
    out: dict[str, Any] = {"id": row.get("id"), "name": row.get("name"), "type": raw_type}
    for key in ("location", "tags", "sku", "identity", "kind", "properties", "managedBy", "plan", "zones", "etag"):
        if row.get(key) is not None:
            out[key] = row[key]
    if ctype == SUBSCRIPTION:
        out["name"] = row.get("subscriptionId") or row.get("name")
        props = dict(out.get("properties") or {})
        props.setdefault("subscriptionId", row.get("subscriptionId"))
        props.setdefault("displayName", row.get("name"))
        out["properties"] = props
    return out


def _to_rest(model: Any) -> dict[str, Any]:
    """An SDK model as its REST JSON (camelCase, properties nested), never the snake_case as_dict()."""
    data: dict[str, Any] = model.serialize(keep_readonly=True)
    return data


def _resource(data: Mapping[str, Any], sub: str, original_type: str | None = None) -> Resource:
    return make_resource(data, Location(f"azure:{sub}", None), origin="live",
                         extra={"source": "live", **({"type": original_type} if original_type else {})})


# ---- collection --------------------------------------------------------------------------------------
def _kql_str(s: str) -> str:
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


def graph_query(cfg: Settings) -> str:
    filters = ""
    if cfg.resource_groups:
        filters += f" | where resourceGroup in~ ({', '.join(_kql_str(g) for g in cfg.resource_groups)})"
    for k, v in cfg.tags:
        if v:
            filters += f" | where tostring(tags[{_kql_str(k)}]) =~ {_kql_str(v)}"
        else:  # --tag KEY: the tag is present with any value
            filters += f" | where isnotempty(tostring(tags[{_kql_str(k)}]))"
    rg_filter = ""
    if cfg.resource_groups:
        rg_filter = f" and name in~ ({', '.join(_kql_str(g) for g in cfg.resource_groups)})"
    keys = ", ".join(_kql_str(k) for k in MFA_ASSESSMENT_KEYS)
    cols = "id, name, type, location, tags, sku, identity, kind, properties, managedBy, subscriptionId, resourceGroup"
    return (
        f"resources{filters} | project {cols}"
        f" | union (resourcecontainers | where type =~ 'microsoft.resources/subscriptions'"
        f" or (type =~ 'microsoft.resources/subscriptions/resourcegroups'{rg_filter})"
        f" | project {cols})"
        f" | union (securityresources | where type =~ 'microsoft.security/assessments' and name in~ ({keys})"
        f" | project {cols})"
        f" | order by id asc"
    )


def query_graph(session: Session, subs: list[str], progress: Callable[[str], None]) -> list[dict[str, Any]]:
    from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

    client = session.graph()
    rows: list[dict[str, Any]] = []
    query = graph_query(session.cfg)
    for i in range(0, len(subs), ARG_SUB_BATCH):
        batch = subs[i:i + ARG_SUB_BATCH]
        token: str | None = None
        while True:
            resp = client.resources(QueryRequest(subscriptions=batch, query=query, options=QueryRequestOptions(
                result_format="objectArray", top=ARG_PAGE, skip_token=token)))
            data = resp.data if isinstance(resp.data, list) else []
            rows.extend(d for d in data if isinstance(d, dict))
            progress(f"resource graph: {len(rows)} rows")
            token = resp.skip_token
            if not token:
                break
    return rows


def list_subscriptions(session: Session) -> list[str]:
    subs = session.get_all(f"/subscriptions?api-version={API['subscriptions']}")
    return [str(s.get("subscriptionId")) for s in subs if s.get("subscriptionId") and
            str(s.get("state", "Enabled")).lower() in ("enabled", "pastdue", "warned")]


def _sub_datasets(session: Session, sub: str) -> tuple[list[Resource], dict[str, str], list[InputError]]:
    """Per-subscription ARM reads (each isolated: one failure marks only its dataset)."""
    out: list[Resource] = []
    states: dict[str, str] = {}
    errors: list[InputError] = []

    def run(dataset: str, fn: Callable[[], Iterable[dict[str, Any]]]) -> None:
        try:
            items = [normalise(d) for d in fn()]
        except Exception as exc:
            err = DatasetError(dataset, _status_of(exc), _detail(exc))
            states[dataset] = err.state
            errors.append(InputError(f"azure:{sub}", f"{dataset} not collected: {err.state}", TARGET))
            return
        out.extend(_resource(d, sub) for d in items)
        states[dataset] = "collected"

    auth = session.authorization(sub)
    sec = session.security(sub)
    run("roleAssignments", lambda: [_to_rest(m) for m in auth.role_assignments.list_for_subscription()])
    run("roleDefinitions", lambda: [_to_rest(m) for m in auth.role_definitions.list(
        f"/subscriptions/{sub}", filter="type eq 'CustomRole'")])
    run("pricings", lambda: [_to_rest(m) for m in (sec.pricings.list(f"subscriptions/{sub}").value or [])])
    run("securityContacts", lambda: [_to_rest(m) for m in sec.security_contacts.list()])

    def activity() -> list[dict[str, Any]]:
        return [dict(d, type=DIAGNOSTIC_SETTING) for d in session.get_all(
            f"/subscriptions/{sub}/providers/Microsoft.Insights/diagnosticSettings?api-version={API['diagnosticSettings']}")]

    run("activityLogSettings", activity)
    run("budgets", lambda: session.get_all(
        f"/subscriptions/{sub}/providers/Microsoft.Consumption/budgets?api-version={API['budgets']}"))
    return out, states, errors


def _per_resource(session: Session, resources: list[Resource], subs: list[str]
                  ) -> tuple[list[Resource], dict[str, dict[str, str]], list[InputError]]:
    """Diagnostic settings of sensitive resources, Azure ML schedules, and the budgets of resource groups in
    subscriptions without a subscription budget, batched."""
    diag_paths: dict[str, str] = {}
    ml_paths: dict[str, str] = {}
    budget_paths: dict[str, str] = {}
    with_budget = {(subscription_of(r.uid) or "").lower() for r in resources if r.kind == BUDGET}
    for r in resources:
        sub = (r.uid.split("/") + ["", "", ""])[2]
        if r.kind == RESOURCE_GROUP and sub.lower() not in with_budget:
            budget_paths[f"{r.uid}/providers/Microsoft.Consumption/budgets?api-version={API['budgets']}"] = sub
        if r.kind in DIAG_KINDS:
            diag_paths[f"{r.uid}/providers/Microsoft.Insights/diagnosticSettings?api-version={API['diagnosticSettings']}"] = sub
            if r.kind == STORAGE:
                for svc in ("blobServices",):  # where blob data-plane audit logs are configured
                    diag_paths[f"{r.uid}/{svc}/default/providers/Microsoft.Insights/diagnosticSettings"
                               f"?api-version={API['diagnosticSettings']}"] = sub
        elif r.kind == ML_WORKSPACE:
            ml_paths[f"{r.uid}/schedules?api-version={API['mlSchedules']}"] = sub
    wanted = list(diag_paths) + list(ml_paths) + list(budget_paths)
    answers = session.batch_get(wanted) if wanted else {}
    out: list[Resource] = []
    states: dict[str, dict[str, str]] = {s.lower(): {} for s in subs}
    errors: list[InputError] = []
    for paths, dataset, rtype in ((diag_paths, "diagnosticSettings", DIAGNOSTIC_SETTING),
                                  (ml_paths, "mlSchedules", ML_SCHEDULE), (budget_paths, "budgets", BUDGET)):
        for path, sub in paths.items():
            status, content = answers.get(path, (0, None))
            st = states.setdefault(sub.lower(), {})
            if status == 200 and isinstance(content, Mapping):
                for item in content.get("value", []):
                    out.append(_resource(normalise(dict(item, type=rtype)), sub))
                st.setdefault(dataset, "collected")
            elif status == 404 and (dataset == "budgets" or "Services/default" in path):
                continue  # that storage service does not exist on this account / the group is gone
            else:
                err = DatasetError(dataset, status or None, str((content or {}).get("error", {}).get("message", "")
                                                                if isinstance(content, Mapping) else "no answer"))
                if not st.get(dataset, "").startswith(("denied", "failed")):
                    errors.append(InputError(f"azure:{sub}", f"{dataset} not collected: {err.state}", TARGET))
                st[dataset] = err.state
    for sub in subs:  # nothing to read is a complete read
        states.setdefault(sub.lower(), {}).setdefault("diagnosticSettings", "collected")
        states[sub.lower()].setdefault("mlSchedules", "collected")
    return out, states, errors


def collect(ref: str, options: Mapping[str, Any]) -> LoadResult:
    """Collect one subscription (or every visible one) into Azure resources. Never raises for data faults."""
    result = LoadResult()
    try:
        cfg = Settings.from_options(ref, options)
    except ValueError as exc:
        result.errors.append(InputError(f"azure:{ref}", str(exc), TARGET))
        return result
    progress = _progress(cfg.interactive)
    try:
        credential = options.get("credential") or make_credential(cfg)
        credential.get_token(cfg.scope)  # sign in once, up front: a bad credential is one clear error
        session = Session(cfg, credential)
        subs = list(cfg.subscriptions)
        if cfg.all_subscriptions:
            subs = sorted(set(subs) | set(list_subscriptions(session)))
    except Exception as exc:  # sign-in or subscription listing failed: nothing can be read
        result.errors.append(InputError(f"azure:{ref or '*'}", f"cannot sign in or list subscriptions: "
                                        f"{_detail(exc)}", TARGET))
        return result
    if not subs:
        result.errors.append(InputError(f"azure:{ref or '*'}", "no subscription is visible to this identity", TARGET))
        return result
    states: dict[str, dict[str, str]] = {s.lower(): {} for s in subs}
    resources: list[Resource] = []
    try:
        rows = query_graph(session, subs, progress)
        for row in rows:
            sub = str(row.get("subscriptionId") or "")
            if str(row.get("type", "")).lower() == "microsoft.security/assessments":
                resources.append(_resource(normalise(dict(row, type="Microsoft.Security/assessments")), sub))
                continue
            resources.append(_resource(redact_env(normalise(row)), sub, str(row.get("type") or "")))
        for s in subs:
            states[s.lower()].update(resources="collected", assessments="collected")
    except Exception as exc:
        err = DatasetError("resources", _status_of(exc), _detail(exc))
        for s in subs:
            states[s.lower()].update(resources=err.state, assessments=err.state)
        result.errors.append(InputError(f"azure:{ref or '*'}", f"resources not collected: {err.state}", TARGET))
    with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(subs))) as pool:
        for sub, (found, st, errs) in zip(subs, pool.map(lambda s: _sub_datasets(session, s), subs), strict=True):
            resources.extend(found)
            states[sub.lower()].update(st)
            result.errors.extend(errs)
            progress(f"subscription {sub}: {len(found)} items")
    extra, per_states, errs = _per_resource(session, resources, subs)
    resources.extend(extra)
    result.errors.extend(errs)
    for sub in subs:
        states[sub.lower()].update(per_states.get(sub.lower(), {}))
        if not any(r.kind == SUBSCRIPTION and r.name.lower() == sub.lower() for r in resources):
            resources.append(_resource({"id": f"/subscriptions/{sub}", "name": sub, "type": SUBSCRIPTION,
                                        "properties": {"subscriptionId": sub}}, sub))
        resources.append(_resource({"id": f"/subscriptions/{sub}/providers/{STATUS_KIND}/{sub}", "name": sub,
                                    "type": STATUS_KIND, "properties": {
                                        "subscriptionId": sub, "datasets": dict(sorted(states[sub.lower()].items())),
                                        "filters": {"resourceGroups": list(cfg.resource_groups),
                                                    "tags": [f"{k}={v}" for k, v in cfg.tags]}}}, sub))
    progress("")
    result.resources.extend(resources)
    return result


def _progress(enabled: bool) -> Callable[[str], None]:
    def show(msg: str) -> None:
        if enabled:
            sys.stderr.write(f"\r\x1b[Kazure: {msg}" if msg else "\r\x1b[K")
            sys.stderr.flush()
    return show


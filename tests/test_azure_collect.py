"""The live Azure collector with the real SDK clients and azure-identity over real TLS to a loopback server."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auditor.collectors.azure import Settings, collect
from auditor.inventory import Inventory
from auditor.loaders import LoadResult
from auditor.report import Report
from auditor.scan import ScanOptions, judge, run_scan
from tests.azure_server import (
    CLIENT_ID,
    CLIENT_SECRET,
    TENANT,
    AzureServer,
    Fault,
    load_recording,
)
from tests.conftest import run_cli, scan_json
from tests.tls import make_certs

SUB = "3c1e4f00-5b2a-4d8e-9f10-0000000a2b3c"
ROOT = Path(__file__).resolve().parent.parent
FAST_RETRY = {"retry_total": 3, "retry_backoff_factor": 0.05}


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return make_certs(tmp_path_factory.mktemp("certs"))


def _env(server: AzureServer, ca: Path, secret: str = CLIENT_SECRET) -> dict[str, str]:
    return {"AZURE_TENANT_ID": TENANT, "AZURE_CLIENT_ID": CLIENT_ID, "AZURE_CLIENT_SECRET": secret,
            "AZURE_AUTHORITY_HOST": server.url, "REQUESTS_CA_BUNDLE": str(ca), "SSL_CERT_FILE": str(ca),
            "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


@pytest.fixture
def served(certs: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[AzureServer]:
    """The recorded subscription (several hundred resources), ARM lists paged 2 by 2, graph pages of 150."""
    rec = load_recording(SUB, filler=400, page_size=2, graph_page=150)
    with AzureServer(rec, certs) as server:
        for k, v in _env(server, certs[0]).items():
            monkeypatch.setenv(k, v)
        yield server


def _collect(server: AzureServer, **opts: Any) -> LoadResult:
    return collect(SUB, {"arm_endpoint": server.url, **FAST_RETRY, **opts})


def _status(result: LoadResult) -> dict[str, str]:
    st = [r for r in result.resources if r.kind == "Microsoft.Auditor/collectionStatus"]
    assert len(st) == 1
    datasets: dict[str, str] = st[0].data["properties"]["datasets"]
    return datasets


def _judge(result: LoadResult) -> Report:
    inv = Inventory.build(result.resources, result.errors, (f"azure:{SUB}",))
    return judge(inv, ScanOptions(inputs=(f"azure:{SUB}",), select=("azure",)))


def _verdicts(report: Report, by: str = "rule") -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for f in report.findings:
        name = f.resource.rsplit(" ", 1)[-1].rsplit("/", 1)[-1]
        key = (f.rule, name)
        # a resource failing a rule anywhere fails it
        if out.get(key) != "fail":
            out[key] = f.status
    return out


def test_collects_every_dataset_with_paging(served: AzureServer) -> None:
    result = _collect(served)
    assert result.errors == []
    assert _status(result) == {d: "collected" for d in (
        "activityLogSettings", "assessments", "budgets", "diagnosticSettings", "mlSchedules", "pricings",
        "resources", "roleAssignments", "roleDefinitions", "securityContacts")}
    rows = len(served.recording.graph_rows)
    kinds = [r.kind for r in result.resources]
    assert kinds.count("Microsoft.Network/virtualNetworks") == 400
    assert kinds.count("Microsoft.Authorization/roleAssignments") == 3  # 2 pages of 2, via nextLink
    assert kinds.count("Microsoft.Security/pricings") == 3
    assert kinds.count("Microsoft.Insights/diagnosticSettings") == 5
    assert kinds.count("Microsoft.MachineLearningServices/workspaces/schedules") == 1  # read through /batch
    assert len(result.resources) == rows + 3 + 1 + 3 + 1 + 1 + 5 + 1 + 1  # graph + ARM datasets + status
    # Resource Graph paged with $skipToken; ARM lists followed nextLink back to the loopback server
    assert served.count(r"^/providers/Microsoft.ResourceGraph/resources$") == math.ceil(rows / 150)
    assert served.count(r"/roleAssignments$") == 2
    assert served.count(r"/token$") == 1  # one sign-in, the token reused by every client
    vault = next(r for r in result.resources if r.name == "mlkvbad")
    assert vault.uid == f"/subscriptions/{SUB}/resourceGroups/ml-prod/providers/Microsoft.KeyVault/vaults/mlkvbad"
    assert vault.kind == "Microsoft.KeyVault/vaults" and vault.extra["type"] == "microsoft.keyvault/vaults"
    assert vault.data["properties"]["networkAcls"] == {"defaultAction": "Allow", "bypass": "AzureServices"}
    ra = next(r for r in result.resources if r.kind == "Microsoft.Authorization/roleAssignments"
              and r.data["properties"]["principalType"] == "ServicePrincipal")
    assert ra.data["properties"]["scope"] == f"/subscriptions/{SUB}"  # REST shape (camelCase), not as_dict()


def test_only_reads(served: AzureServer) -> None:
    _collect(served)
    posts = {p for m, p, _ in served.calls if m == "POST"}
    assert posts <= {f"/{TENANT}/oauth2/v2.0/token", "/providers/Microsoft.ResourceGraph/resources", "/batch"}
    inner = [r for b in served.bodies if isinstance(b, dict) for r in b.get("requests", [])]
    assert inner and {r["httpMethod"] for r in inner} == {"GET"}
    assert {m for m, _, _ in served.calls} == {"GET", "POST"}


def test_live_verdicts_agree_with_the_equivalent_templates(served: AzureServer) -> None:
    live = _verdicts(_judge(_collect(served)))
    tpl_report = run_scan(ScanOptions(inputs=(str(ROOT / "fixtures/azure/equivalent"),), select=("azure",)))
    tpl = _verdicts(tpl_report)
    estate = {r.code for r in tpl_report.rules if r.code in ESTATE_ONLY}
    shared = [k for k in tpl if k in live and k[0] not in estate and k[1] != "estate"]
    assert len({rule for rule, _ in shared}) >= 16, sorted({rule for rule, _ in shared})
    disagree = {k: (tpl[k], live[k]) for k in shared if tpl[k] != live[k]}
    assert disagree == {}
    # the verdicts themselves, for a few named resources
    assert {k: live[k] for k in [("AZ001", "mldatabad"), ("AZ001", "mldatagood"), ("AZ019", "mlkvbad"),
                                 ("AZ019", "mlkvgood"), ("AZ009", "6a1f0000-0000-4000-8000-000000000003"),
                                 ("AZ013", "scorer-bad"), ("AZ013", "scorer-good"), ("AZ008", "7b2e0000-0000-4000-8000-000000000001"),
                                 ("AZ004", "embedder"), ("AZ004", "scorer-good")]} \
        == {("AZ001", "mldatabad"): "fail", ("AZ001", "mldatagood"): "pass", ("AZ019", "mlkvbad"): "fail",
            ("AZ019", "mlkvgood"): "pass", ("AZ009", "6a1f0000-0000-4000-8000-000000000003"): "fail",
            ("AZ013", "scorer-bad"): "fail", ("AZ013", "scorer-good"): "pass",
            ("AZ008", "7b2e0000-0000-4000-8000-000000000001"): "fail", ("AZ004", "embedder"): "fail",
            ("AZ004", "scorer-good"): "pass"}


ESTATE_ONLY = {"AZ005", "AZ007", "AZ010", "AZ014", "AZ020", "AZ021", "AZ022", "AZ024", "AZ026", "AZ027", "AZ028",
               "AZ030", "AZ031"}


def test_estate_rules_judge_the_live_subscription(served: AzureServer) -> None:
    report = _judge(_collect(served))
    got = {}
    for f in report.findings:
        if f.rule in ESTATE_ONLY:
            got.setdefault(f.rule, set()).add(f.status)
    assert got == {
        "AZ005": {"pass"}, "AZ007": {"pass"}, "AZ010": {"pass"}, "AZ014": {"pass"}, "AZ020": {"pass"},
        "AZ021": {"pass", "fail"},  # KeyVaults plan is Free
        "AZ022": {"fail"},  # no latency or error-rate alert
        "AZ024": {"pass", "fail"},  # the container groups carry no connection string
        "AZ026": {"fail"},
        "AZ027": {"fail"},  # an Azure ML workspace without a model monitor
        "AZ028": {"pass"},  # its weekly schedule retrains
        "AZ030": {"pass"}, "AZ031": {"pass"},
    }


def test_429_retry_after_is_honoured(served: AzureServer) -> None:
    served.fault(r"/roleAssignments$", Fault(429, {"error": {"code": "TooManyRequests", "message": "slow down"}},
                                             {"Retry-After": "1"}))
    start = time.perf_counter()
    result = _collect(served)
    assert time.perf_counter() - start >= 1.0
    assert result.errors == []
    assert _status(result)["roleAssignments"] == "collected"
    codes = [s for _m, p, s in served.calls if p.endswith("/roleAssignments")]
    assert codes == [429, 200, 200]  # then the second page


def test_403_denies_one_dataset_and_only_its_controls(served: AzureServer) -> None:
    served.fault(r"/providers/Microsoft.Security/pricings$",
                 Fault(403, {"error": {"code": "AuthorizationFailed", "message": "The client does not have "
                                       "authorization to perform action 'Microsoft.Security/pricings/read'"}}, times=-1))
    result = _collect(served)
    assert [e.message for e in result.errors] == [
        "pricings not collected: denied (403): needs Microsoft.Security/pricings/read (Security Reader)"]
    assert _status(result)["pricings"].startswith("denied (403)")
    report = _judge(result)
    by_rule = {f.rule: f for f in report.findings if f.rule in ("AZ005", "AZ021")}
    assert {r: f.status for r, f in by_rule.items()} == {"AZ005": "not_assessed", "AZ021": "not_assessed"}
    assert "dataset 'pricings'" in by_rule["AZ005"].message
    assert any(f.rule == "AZ001" and f.status == "fail" for f in report.findings)  # the rest is judged
    assert [e.kind for e in report.errors] == ["error"]


def test_500_is_retried_and_a_persistent_one_is_a_gap(served: AzureServer) -> None:
    served.fault(r"/Microsoft.Consumption/budgets$", Fault(500, {"error": {"code": "InternalServerError",
                                                                          "message": "try again"}}))
    served.fault(rf"^/subscriptions/{SUB}/providers/Microsoft.Insights/diagnosticSettings$",
                 Fault(500, {"error": {"code": "InternalServerError", "message": "down"}}, times=-1))
    result = _collect(served)
    status = _status(result)
    assert status["budgets"] == "collected"
    assert status["activityLogSettings"].startswith("failed: HTTP 500")
    assert len(result.errors) == 1 and "activityLogSettings not collected" in result.errors[0].message
    report = _judge(result)
    az020 = [f for f in report.findings if f.rule == "AZ020"]
    assert [f.status for f in az020] == ["not_assessed"]


def test_denied_per_resource_reads_make_audit_logging_not_assessed(served: AzureServer) -> None:
    served.fault(r"/vaults/mlkvbad/providers/Microsoft.Insights/diagnosticSettings$",
                 Fault(403, {"error": {"code": "AuthorizationFailed", "message": "no"}}, times=-1))
    result = _collect(served)
    assert _status(result)["diagnosticSettings"].startswith("denied (403)")
    az019 = {f.resource.rsplit("/", 1)[-1]: f.status for f in _judge(result).findings if f.rule == "AZ019"}
    assert set(az019.values()) == {"not_assessed"} and "mlkvbad" in az019


def test_wrong_secret_is_an_input_error_not_a_crash(certs: tuple[Path, Path, Path],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    with AzureServer(load_recording(SUB), certs) as server:
        for k, v in _env(server, certs[0], secret="wrong").items():
            monkeypatch.setenv(k, v)
        result = collect(SUB, {"arm_endpoint": server.url, **FAST_RETRY})
    assert result.resources == []
    assert len(result.errors) == 1
    assert result.errors[0].message.startswith("cannot sign in or list subscriptions: ")
    assert "AADSTS7000215" in result.errors[0].message and "wrong" not in result.errors[0].message
    assert server.count(r"^/subscriptions/") == 0  # nothing was asked without a token


def test_client_secret_credential_signs_in_against_loopback_authority(served: AzureServer, certs: Any) -> None:
    from azure.identity import ClientSecretCredential

    cred = ClientSecretCredential(TENANT, CLIENT_ID, CLIENT_SECRET, authority=served.url,
                                  disable_instance_discovery=True, connection_verify=str(certs[0]))
    token = cred.get_token(f"{served.url}/.default")
    assert token.token in served.tokens
    result = collect(SUB, {"arm_endpoint": served.url, "credential": cred, **FAST_RETRY})
    assert result.errors == [] and len(result.resources) > 400


def test_all_subscriptions_and_filters(served: AzureServer) -> None:
    result = collect("", {"arm_endpoint": served.url, "all_subscriptions": True, "resource_groups": ("ml-prod",),
                          "tags": ("environment=prod",), **FAST_RETRY})
    assert result.errors == []
    assert served.count(r"^/subscriptions$") == 1
    query = next(b["query"] for b in served.bodies if isinstance(b, dict) and "query" in b)
    assert "resources | where resourceGroup in~ ('ml-prod') | where tostring(tags['environment']) =~ 'prod'" in query
    assert _status(result)["resources"] == "collected"
    # the server ignores the filter, but the rules know the collection was limited: absence is not evidence
    az022 = [f for f in _judge(result).findings if f.rule == "AZ022"]
    assert [(f.status, f.message) for f in az022] == [(
        "not_assessed", "not assessed: no alert read watches latency, errors, but the collection was limited to "
                        "resource group ml-prod, tag environment=prod")]


def test_sovereign_clouds_and_explicit_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZURE_AUTHORITY_HOST", raising=False)
    gov = Settings.from_options("s", {"cloud": "AzureUSGovernment"})
    assert (gov.arm, gov.authority, gov.scope) == ("https://management.usgovcloudapi.net",
                                                   "https://login.microsoftonline.us",
                                                   "https://management.usgovcloudapi.net/.default")
    china = Settings.from_options("s", {"cloud": "AzureChinaCloud", "arm_endpoint": "https://arm.example.cn/"})
    assert (china.arm, china.authority) == ("https://arm.example.cn", "https://login.chinacloudapi.cn")
    bad = collect("s", {"cloud": "Mars"})
    assert [e.message for e in bad.errors] == [
        "unknown cloud 'Mars': use AzureCloud, AzureUSGovernment or AzureChinaCloud (or --arm-endpoint)"]


def test_record_then_replay_judges_identically(served: AzureServer, certs: Any, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "estate.json"
    proc = run_cli("collect", f"azure:{SUB}", "--arm-endpoint", served.url, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    snap = json.loads(out.read_text())
    assert snap["format"] == "auditor-inventory/v1" and len(snap["resources"]) > 400
    assert "Sup3r-Secret-Value-42" not in out.read_text()  # the live ACI secret never reaches the disk
    replay = run_scan(ScanOptions(inputs=(str(out),), select=("azure",)))
    live = _judge(_collect(served))
    key = lambda r: sorted((f.rule, f.status, f.resource, f.message) for f in r.findings)  # noqa: E731
    assert key(replay) == key(live)
    # the CLI's live scan of the same subscription agrees too
    code, doc = scan_json(f"azure:{SUB}", "--arm-endpoint", served.url, "--select", "azure")
    assert code == 1 and not doc["gate"]["passed"]
    assert sorted((f["rule"], f["status"], f["resource"], f["message"]) for f in doc["findings"]) == key(replay)
    az013 = [(f.status, f.message, f.evidence) for f in replay.findings if f.rule == "AZ013" and f.status == "fail"]
    assert az013 == [("fail", "environment variable DB_PASSWORD holds a plaintext secret (literal value of "
                              "secret-named DB_PASSWORD)", "<redacted literal value of secret-named DB_PASSWORD, 21 chars>")]


def test_several_subscriptions_in_one_graph_query_judged_each(certs: tuple[Path, Path, Path],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    other = "9d8c7b6a-0000-4000-8000-0000000000b2"
    rec = load_recording(SUB, filler=50)
    second = load_recording(other, filler=50)
    for item in second.lists[f"/subscriptions/{other}/providers/microsoft.security/pricings"]:
        item["properties"]["pricingTier"] = "Standard"  # the second subscription has every plan on
    rec.graph_rows += second.graph_rows
    rec.lists.update(second.lists)
    rec.subscriptions += second.subscriptions
    with AzureServer(rec, certs) as server:
        for k, v in _env(server, certs[0]).items():
            monkeypatch.setenv(k, v)
        result = collect("", {"arm_endpoint": server.url, "all_subscriptions": True, **FAST_RETRY})
        graph_calls = server.count(r"ResourceGraph")
    assert result.errors == [] and graph_calls == 1
    body = next(b for b in server.bodies if isinstance(b, dict) and "query" in b)
    assert sorted(body["subscriptions"]) == sorted([SUB, other])
    inv = Inventory.build(result.resources, result.errors, ("azure:",))
    report = judge(inv, ScanOptions(inputs=("azure:",), select=("AZ021",)))
    got = sorted((f.status, f.message) for f in report.findings)
    assert got == [
        ("fail", f"Defender plan KeyVaults is Free in subscription {SUB}"),
        ("pass", f"Defender plan Containers is Standard in subscription {SUB}"),
        ("pass", f"Defender plan Containers is Standard in subscription {other}"),
        ("pass", f"Defender plan KeyVaults is Standard in subscription {other}"),
        ("pass", f"Defender plan StorageAccounts is Standard in subscription {SUB}"),
        ("pass", f"Defender plan StorageAccounts is Standard in subscription {other}"),
    ]


def test_resource_group_budgets_are_read_when_the_subscription_has_none(served: AzureServer) -> None:
    budgets = served.recording.lists.pop(f"/subscriptions/{SUB}/providers/microsoft.consumption/budgets")
    served.recording.lists[f"/subscriptions/{SUB}/providers/microsoft.consumption/budgets"] = []
    rg_budget = dict(budgets[0], id=f"/subscriptions/{SUB}/resourceGroups/ml-prod/providers/"
                                    "Microsoft.Consumption/budgets/monthly")
    served.recording.lists[f"/subscriptions/{SUB}/resourcegroups/ml-prod/providers/microsoft.consumption/budgets"] = \
        [rg_budget]
    result = _collect(served)
    assert result.errors == [] and _status(result)["budgets"] == "collected"
    found = [r.uid for r in result.resources if r.kind == "Microsoft.Consumption/budgets"]
    assert found == [rg_budget["id"]]
    az031 = [(f.status, f.message) for f in _judge(result).findings if f.rule == "AZ031"]
    assert az031 == [("pass", "budget with a notification")]


def test_a_thousand_resources_take_few_calls(certs: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """The benchmark's shape without its latency: 1,000 resources, 90 of them needing per-resource reads."""
    from tests.azure_server import add_estate

    rec = load_recording(SUB)
    add_estate(rec, SUB, 1000)
    with AzureServer(rec, certs) as server:
        for k, v in _env(server, certs[0]).items():
            monkeypatch.setenv(k, v)
        result = collect(SUB, {"arm_endpoint": server.url, **FAST_RETRY})
        calls, inner = len(server.calls), server.inner_calls
    assert result.errors == []
    assert sum(1 for r in result.resources if r.extra.get("source") == "live") == len(result.resources)
    assert (calls, inner) == (16, 139)


def test_graph_query_filters_are_quoted() -> None:
    from auditor.collectors.azure import graph_query

    q = graph_query(Settings.from_options("s", {"tags": ("owner", "env=it's"), "resource_groups": ("rg1", "rg'2")}))
    assert q.startswith("resources | where resourceGroup in~ ('rg1', 'rg\\'2') | where isnotempty(tostring(tags['owner']))"
                        " | where tostring(tags['env']) =~ 'it\\'s' | project ")
    assert "type =~ 'microsoft.resources/subscriptions/resourcegroups' and name in~ ('rg1', 'rg\\'2')" in q


def test_rate_limiter_spaces_calls_beyond_the_burst() -> None:
    from auditor.collectors.azure import RateLimiter

    class Tight(RateLimiter):
        LIMITS = {"graph": (2, 0.5), "arm": (2, 0.5)}  # 2 at once, then one every 0.25 s

    limiter = Tight()
    start = time.perf_counter()
    for _ in range(4):
        limiter.acquire("graph")
    elapsed = time.perf_counter() - start
    assert 0.45 <= elapsed < 1.5
    start = time.perf_counter()
    limiter.acquire("arm")  # another family has its own bucket
    assert time.perf_counter() - start < 0.05

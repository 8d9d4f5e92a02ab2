"""The ARM template loader: recognition, resources in every form, expressions, parameters, lines, Bicep."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path
from typing import Any

import pytest

from auditor.azure import Secure, Unresolved, prop
from auditor.loaders import LoadOptions
from auditor.loaders.armexpr import Evaluator
from auditor.model import LineMap, NotAssessed
from auditor.scan import ScanOptions, build_inventory, run_scan

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


def write(tmp: Path, name: str, doc: Any, header: str = "") -> Path:
    p = tmp / name
    p.write_text(header + (doc if isinstance(doc, str) else json.dumps(doc, indent=2)), encoding="utf-8")
    return p


def load(*paths: Path, parameters: tuple[str, ...] = ()) -> Any:
    return build_inventory(ScanOptions(inputs=tuple(str(p) for p in paths), parameters=parameters))


def ev(expr: str, params: dict[str, Any] | None = None, variables: dict[str, Any] | None = None,
       values: dict[str, Any] | None = None) -> Any:
    tpl = {"parameters": params or {}, "variables": variables or {}}
    return Evaluator(tpl, values or {}).evaluate(expr)


@pytest.mark.parametrize(("expr", "want"), [
    ("[concat('a', 'b', string(1))]", "ab1"),
    ("[concat(createArray(1), createArray(2, 3))]", [1, 2, 3]),
    ("[format('{0}-{1}', 'kv', 7)]", "kv-7"),
    ("[toLower('ABC')]", "abc"),
    ("[toUpper(parameters('name'))]", "ML"),
    ("[if(equals(parameters('env'), 'prod'), 'Deny', 'Allow')]", "Deny"),
    ("[not(bool('false'))]", True),
    ("[and(true(), or(false(), equals(1, 1)))]", True),
    ("[int('42')]", 42),
    ("[empty('')]", True),
    ("[contains(variables('obj'), 'A')]", True),
    ("[union(variables('obj'), createObject('b', 2))]", {"a": 1, "b": 2}),
    ("[variables('obj').a]", 1),
    ("[variables('list')[1]]", "y"),
    ("[resourceId('Microsoft.KeyVault/vaults', 'kv1')]",
     "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.KeyVault/vaults/kv1"),
    ("[resourceId('rg2', 'Microsoft.Storage/storageAccounts/blobServices', 'acct', 'default')]",
     "/subscriptions/{subscriptionId}/resourceGroups/rg2/providers/Microsoft.Storage/storageAccounts/acct/blobServices/default"),
    ("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'abc')]",
     "/subscriptions/{subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/abc"),
    ("[resourceGroup().name]", "{resourceGroupName}"),
    ("[subscription().subscriptionId]", "{subscriptionId}"),
    ("[[not an expression]", "[not an expression]"),
    ("plain", "plain"),
    ("[concat('it''s', ' ok')]", "it's ok"),
])
def test_expressions(expr: str, want: Any) -> None:
    got = ev(expr, params={"name": {"type": "string", "defaultValue": "ml"},
                           "env": {"type": "string", "defaultValue": "prod"}},
             variables={"obj": {"a": 1}, "list": ["x", "y"]})
    assert got == want and not isinstance(got, Unresolved)


@pytest.mark.parametrize(("expr", "reason"), [
    ("[parameters('nodefault')]", "parameter 'nodefault' has no default value and no parameters file sets it"),
    ("[reference('x').primaryEndpoints.blob]", "reference() is only known at deployment"),
    ("[listKeys('acct', '2023-01-01').keys[0].value]", "listKeys() is only known at deployment"),
    ("[concat('a', reference('x').b)]", "reference() is only known at deployment"),
    ("[if(parameters('nodefault'), 'a', 'b')]", "parameter 'nodefault' has no default value and no parameters file sets it"),
    ("[variables('missing')]", "variable 'missing' is not declared"),
    ("[bogus(]", "expression not understood: expected a token"),
])
def test_unresolvable_expressions_stay_unresolved(expr: str, reason: str) -> None:
    got = ev(expr, params={"nodefault": {"type": "bool"}})
    assert isinstance(got, Unresolved)
    assert str(got) == expr and got.reason == reason


def test_secure_parameters_and_values() -> None:
    params = {"pw": {"type": "securestring"}, "pw2": {"type": "securestring", "defaultValue": "abc"}}
    assert isinstance(ev("[parameters('pw')]", params), Secure)
    got = ev("[concat('x', parameters('pw2'))]", params)
    assert isinstance(got, Secure) and got == "xabc"
    assert ev("[parameters('pw')]", params, values={"pw": "given"}) == "given"


def test_lines_children_extension_resources_and_comments(tmp_path: Path) -> None:
    text = textwrap.dedent("""\
        {
          // ARM accepts comments
          "$schema": "%s",
          "contentVersion": "1.0.0.0",
          "parameters": { "acct": { "type": "string", "defaultValue": "mldata" } },
          "resources": [
            {
              "type": "Microsoft.Storage/storageAccounts",
              "apiVersion": "2023-01-01",
              "name": "[parameters('acct')]",
              "properties": {
                /* block
                   comment */
                "allowBlobPublicAccess": true
              },
              "resources": [
                { "type": "blobServices/containers", "apiVersion": "2023-01-01", "name": "default/models",
                  "properties": { "publicAccess": "Blob" } }
              ]
            },
            {
              "type": "Microsoft.Insights/diagnosticSettings",
              "apiVersion": "2021-05-01-preview",
              "name": "audit",
              "scope": "[format('Microsoft.Storage/storageAccounts/{0}', parameters('acct'))]",
              "properties": { "workspaceId": "ws" }
            },
            {
              "type": "Microsoft.KeyVault/vaults/providers/diagnosticSettings",
              "apiVersion": "2021-05-01-preview",
              "name": "kv/Microsoft.Insights/legacy",
              "properties": { "workspaceId": "ws" }
            }
          ]
        }
        """) % SCHEMA
    inv = load(write(tmp_path, "main.json", text))
    assert inv.errors == ()
    got = [(r.kind, r.name, r.location.line) for r in inv.resources]
    assert got == [
        ("Microsoft.Storage/storageAccounts", "mldata", 7),
        ("Microsoft.Storage/storageAccounts/blobServices/containers", "mldata/default/models", 17),
        ("Microsoft.Insights/diagnosticSettings", "audit", 21),
        ("Microsoft.Insights/diagnosticSettings", "legacy", 28),
    ]
    acct = inv.resources[0]
    assert acct.line_of(("properties", "allowBlobPublicAccess")) == 14
    prefix = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers"
    assert inv.resources[2].uid == f"{prefix}/Microsoft.Storage/storageAccounts/mldata/providers/" \
                                   "Microsoft.Insights/diagnosticSettings/audit"
    assert inv.resources[3].uid == f"{prefix}/Microsoft.KeyVault/vaults/kv/providers/" \
                                   "Microsoft.Insights/diagnosticSettings/legacy"
    report = run_scan(ScanOptions(inputs=(str(tmp_path / "main.json"),), select=("AZ001",)))
    assert sorted((f.location.line, f.status) for f in report.findings) == [(14, "fail"), (18, "fail")]


def test_language_version_2_symbolic_resources_existing_condition_and_copy(tmp_path: Path) -> None:
    doc = {"$schema": SCHEMA, "languageVersion": "2.0", "contentVersion": "1.0.0.0",
           "parameters": {"deployExtra": {"type": "bool", "defaultValue": False}},
           "resources": {
               "existingVault": {"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": "shared",
                                 "existing": True},
               "vault": {"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": "mine",
                         "properties": {"enablePurgeProtection": True}},
               "diag": {"type": "Microsoft.Insights/diagnosticSettings", "apiVersion": "2021-05-01-preview",
                        "name": "audit", "scope": "vault", "properties": {}},
               "extra": {"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": "extra",
                         "condition": "[parameters('deployExtra')]"},
               "accts": {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01",
                         "name": "[format('acct{0}', copyIndex(1))]", "copy": {"name": "accts", "count": 3}},
           }}
    inv = load(write(tmp_path, "v2.json", doc))
    assert [r.name for r in inv.resources] == ["mine", "audit", "acct1", "acct2", "acct3"]
    assert inv.resources[1].uid.endswith("/Microsoft.KeyVault/vaults/mine/providers/"
                                         "Microsoft.Insights/diagnosticSettings/audit")


def test_nested_deployments_inner_and_outer_scope(tmp_path: Path) -> None:
    inner_tpl = {"$schema": SCHEMA, "parameters": {"name": {"type": "string"}},
                 "variables": {"suffix": "-inner"},
                 "resources": [{"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01",
                                "name": "[concat(parameters('name'), variables('suffix'))]", "properties": {}}]}
    outer_tpl = {"$schema": SCHEMA, "resources": [{"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01",
                                                   "name": "[concat(parameters('prefix'), variables('suffix'))]"}]}
    doc = {"$schema": SCHEMA, "parameters": {"prefix": {"type": "string", "defaultValue": "ml"}},
           "variables": {"suffix": "-outer"},
           "resources": [
               {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "inner",
                "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                               "parameters": {"name": {"value": "[parameters('prefix')]"}}, "template": inner_tpl}},
               {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "outer",
                "properties": {"mode": "Incremental", "template": outer_tpl}},
               {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "linked",
                "properties": {"mode": "Incremental", "templateLink": {"uri": "https://example.com/t.json"}}},
           ]}
    inv = load(write(tmp_path, "nested.json", doc))
    vaults = [r.name for r in inv.resources if r.kind == "Microsoft.KeyVault/vaults"]
    assert vaults == ["ml-inner", "ml-outer"]
    assert [(e.kind, e.message) for e in inv.errors] == [
        ("not_scanned", f"line {_line_of(tmp_path / 'nested.json', 'templateLink')}: linked template not "
                        "followed (scan the linked file itself)")]


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_parameter_files_paired_and_given(tmp_path: Path) -> None:
    doc = {"$schema": SCHEMA, "parameters": {"public": {"type": "bool"}},
           "resources": [{"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "acct",
                          "properties": {"allowBlobPublicAccess": "[parameters('public')]"}}]}
    tpl = write(tmp_path, "azuredeploy.json", doc)
    # no value anywhere: the rule cannot tell
    report = run_scan(ScanOptions(inputs=(str(tpl),), select=("AZ001",)))
    assert [(f.status, f.message) for f in report.findings] == [
        ("not_assessed", "not assessed: properties.allowBlobPublicAccess is not known before deployment "
                         "(parameter 'public' has no default value and no parameters file sets it)")]
    params = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
              "contentVersion": "1.0.0.0", "parameters": {"public": {"value": True}}}
    write(tmp_path, "azuredeploy.parameters.json", params)
    report = run_scan(ScanOptions(inputs=(str(tpl),), select=("AZ001",)))
    assert [f.status for f in report.findings] == ["fail"]
    other = write(tmp_path, "prod.params.json",
                  {**params, "parameters": {"public": {"value": False}}})
    report = run_scan(ScanOptions(inputs=(str(tpl),), select=("AZ001",), parameters=(str(other),)))
    assert [f.status for f in report.findings] == ["pass"]
    # the parameter files themselves are recognised and yield no resources
    assert [r.name for r in load(tmp_path).resources] == ["acct"]


def test_prop_is_case_insensitive_and_raises_on_unresolved() -> None:
    data = LineMap(1)
    data["Properties"] = {"AllowBlobPublicAccess": False, "x": Unresolved("[reference('a')]", "runtime")}
    assert prop(data, "properties.allowBlobPublicAccess") is False
    with pytest.raises(NotAssessed):
        prop(data, "properties.x")
    assert prop(data, "properties.missing", "d") == "d"


def test_bad_input_is_an_error_and_the_rest_is_scanned(tmp_path: Path) -> None:
    write(tmp_path, "broken.json", '{"$schema": "' + SCHEMA + '", "resources": [ {"type": ')
    write(tmp_path, "good.json", {"$schema": SCHEMA, "resources": [
        {"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": "kv", "properties": {}}]})
    inv = load(tmp_path)
    assert [r.name for r in inv.resources] == ["kv"]
    assert len(inv.errors) == 1 and inv.errors[0].path.endswith("broken.json")
    assert inv.errors[0].message.startswith("invalid JSON")


def test_bicep_without_cli_is_reported_not_scanned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    bicep = tmp_path / "main.bicep"
    bicep.write_text("resource sa 'Microsoft.Storage/storageAccounts@2023-01-01' = {\n  name: 'x'\n}\n")
    inv = load(bicep)
    assert inv.resources == ()
    assert [(e.kind, e.message) for e in inv.errors] == [
        ("not_scanned", "Bicep source: install the bicep CLI (az bicep install) or run `bicep build FILE` and "
                        "scan the JSON")]


def test_bicep_is_compiled_when_the_cli_exists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a stand-in `bicep` executable on PATH that writes the compiled template where asked
    bindir = tmp_path / "bin"
    bindir.mkdir()
    compiled = json.dumps({"$schema": SCHEMA, "resources": [
        {"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": "fromBicep",
         "properties": {"enablePurgeProtection": False}}]})
    script = bindir / "bicep"
    script.write_text(f"#!/bin/sh\n# bicep build FILE --outfile OUT\ncat > \"$4\" <<'EOF'\n{compiled}\nEOF\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    bicep = tmp_path / "main.bicep"
    bicep.write_text("resource kv 'Microsoft.KeyVault/vaults@2023-07-01' = { name: 'fromBicep' }\n")
    inv = load(bicep)
    assert [(r.name, r.location.path.endswith("main.bicep"), r.extra["compiledFrom"]) for r in inv.resources] == \
        [("fromBicep", True, "bicep")]


def test_loader_options_type() -> None:
    assert LoadOptions(parameters=("a.json",)).parameters == ("a.json",)


def test_property_copy_loops_and_computed_keys(tmp_path: Path) -> None:
    doc = {"$schema": SCHEMA, "parameters": {"count": {"type": "int", "defaultValue": 2},
                                             "ownerTag": {"type": "string", "defaultValue": "owner"}},
           "resources": [{"type": "Microsoft.ContainerInstance/containerGroups", "apiVersion": "2023-05-01",
                          "name": "cg", "location": "westeurope",
                          "tags": {"[parameters('ownerTag')]": "ml", "environment": "dev"},
                          "properties": {"osType": "Linux", "copy": [{
                              "name": "containers", "count": "[parameters('count')]",
                              "input": {"name": "[format('c{0}', copyIndex('containers'))]",
                                        "properties": {"image": "[if(equals(copyIndex('containers'), 0), "
                                                                "'nginx:1.27', 'busybox')]"}}}]}}]}
    path = write(tmp_path, "cg.json", doc)
    res = load(path).resources[0]
    assert [(c["name"], c["properties"]["image"]) for c in res.data["properties"]["containers"]] == \
        [("c0", "nginx:1.27"), ("c1", "busybox")]
    assert dict(res.data["tags"]) == {"owner": "ml", "environment": "dev"}
    report = run_scan(ScanOptions(inputs=(str(path),), select=("AZ004", "AZ032")))
    assert sorted((f.rule, f.status, f.message, f.location.line) for f in report.findings) == [
        ("AZ004", "fail", "container c1 image busybox has no tag or digest", _line_of(path, '"image"')),
        ("AZ032", "pass", "Resource lacks the cost-allocation tags", _line_of(path, '"Microsoft.ContainerInstance') - 1),
    ]


def test_nested_deployment_into_a_named_resource_group(tmp_path: Path) -> None:
    sub_schema = "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#"
    inner = {"$schema": SCHEMA, "resources": [
        {"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": "kv", "properties": {}},
        {"type": "Microsoft.Insights/diagnosticSettings", "apiVersion": "2021-05-01-preview", "name": "audit",
         "scope": "[resourceId('Microsoft.KeyVault/vaults', 'kv')]", "properties": {}}]}
    doc = {"$schema": sub_schema, "parameters": {"rg": {"type": "string", "defaultValue": "ml-prod"}}, "resources": [
        {"type": "Microsoft.Resources/resourceGroups", "apiVersion": "2022-09-01", "name": "[parameters('rg')]",
         "location": "westeurope"},
        {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "app",
         "resourceGroup": "[parameters('rg')]",
         "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"}, "template": inner}}]}
    inv = load(write(tmp_path, "sub.json", doc))
    assert [(r.kind, r.uid) for r in inv.resources if r.kind != "Microsoft.Resources/deployments"] == [
        ("Microsoft.Resources/resourceGroups", "/subscriptions/{subscriptionId}/resourceGroups/ml-prod"),
        ("Microsoft.KeyVault/vaults",
         "/subscriptions/{subscriptionId}/resourceGroups/ml-prod/providers/Microsoft.KeyVault/vaults/kv"),
        ("Microsoft.Insights/diagnosticSettings",
         "/subscriptions/{subscriptionId}/resourceGroups/ml-prod/providers/Microsoft.KeyVault/vaults/kv/providers/"
         "Microsoft.Insights/diagnosticSettings/audit"),
    ]
    assert inv.resources[2].namespace == "ml-prod"


def test_audit_logging_matches_names_given_by_a_required_parameter(tmp_path: Path) -> None:
    doc = {"$schema": SCHEMA, "parameters": {"kv": {"type": "string"}}, "resources": [
        {"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": "[parameters('kv')]",
         "location": "westeurope", "properties": {}},
        {"type": "Microsoft.Insights/diagnosticSettings", "apiVersion": "2021-05-01-preview", "name": "audit",
         "scope": "[resourceId('Microsoft.KeyVault/vaults', parameters('kv'))]",
         "properties": {"workspaceId": "ws", "logs": [{"categoryGroup": "audit", "enabled": True}]}}]}
    report = run_scan(ScanOptions(inputs=(str(write(tmp_path, "kv.json", doc)),), select=("AZ019",)))
    assert [(f.status, f.resource) for f in report.findings] == [("pass", "Microsoft.KeyVault/vaults {kv}")]


def test_audit_logging_not_assessed_when_names_are_deployment_time(tmp_path: Path) -> None:
    doc = {"$schema": SCHEMA, "parameters": {"kv": {"type": "string"}}, "resources": [
        {"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": "[parameters('kv')]",
         "location": "westeurope", "properties": {}},
        {"type": "Microsoft.Insights/diagnosticSettings", "apiVersion": "2021-05-01-preview", "name": "audit",
         "scope": "[reference('x').vaultId]",
         "properties": {"workspaceId": "ws", "logs": [{"categoryGroup": "audit", "enabled": True}]}}]}
    report = run_scan(ScanOptions(inputs=(str(write(tmp_path, "kv.json", doc)),), select=("AZ019",)))
    assert [(f.status, f.message) for f in report.findings] == [
        ("not_assessed", "not assessed: the resource or a diagnostic setting's scope is only named at deployment "
                         "(audit): cannot match them")]

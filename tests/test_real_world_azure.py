"""Regressions found by scanning public ARM templates (quickstarts, samples): small synthetic inputs only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from auditor.azure import Unresolved
from auditor.loaders.armexpr import Evaluator
from auditor.scan import ScanOptions, build_inventory, run_scan

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


def write(tmp: Path, name: str, doc: Any) -> Path:
    p = tmp / name
    p.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return p


def findings(path: Path, *codes: str) -> list[tuple[str, str, str, int | None]]:
    report = run_scan(ScanOptions(inputs=(str(path),), select=codes))
    return [(f.rule, f.status, f.resource, f.location.line if f.location else None) for f in report.findings]


PARAMS = {"xs": {"type": "array", "defaultValue": [3, 1, 2]}, "o": {"type": "object", "defaultValue": {"b": 1, "A": 2}},
          "req": {"type": "string"}}


@pytest.mark.parametrize(("expr", "want"), [
    ("[div(7, 2)]", 3),
    ("[div(-7, 2)]", -3),
    ("[mod(-7, 2)]", -1),
    ("[range(1, 3)]", [1, 2, 3]),
    ("[items(parameters('o'))]", [{"key": "A", "value": 2}, {"key": "b", "value": 1}]),
    ("[objectKeys(parameters('o'))]", ["b", "A"]),
    ("[intersection(createArray(1, 2, 3), createArray(2, 3, 4))]", [2, 3]),
    ("[intersection(createObject('a', 1, 'b', 2), createObject('a', 1, 'b', 3))]", {"a": 1}),
    ("[join(createArray('a', 'b'), '-')]", "a-b"),
    ("[tryGet(parameters('o'), 'z')]", None),
    ("[tryGet(parameters('o'), 'b')]", 1),
    ("[filter(parameters('xs'), lambda('x', greater(lambdaVariables('x'), 1)))]", [3, 2]),
    ("[map(parameters('xs'), lambda('x', mul(lambdaVariables('x'), 2)))]", [6, 2, 4]),
    ("[reduce(parameters('xs'), 0, lambda('c', 'n', add(lambdaVariables('c'), lambdaVariables('n'))))]", 6),
    ("[sort(parameters('xs'), lambda('a', 'b', less(lambdaVariables('a'), lambdaVariables('b'))))]", [1, 2, 3]),
    ("[toObject(createArray('p', 'q'), lambda('x', lambdaVariables('x')), lambda('x', length(lambdaVariables('x'))))]",
     {"p": 1, "q": 1}),
    ("[split('a,b;c', createArray(',', ';'))]", ["a", "b", "c"]),
    ("[indexOf(createArray('a', 'b'), 'b')]", 1),
    ("[lastIndexOf('abcabc', 'B')]", 4),
    ("[uriComponent('a b/c')]", "a%20b%2Fc"),
    ("[uriComponentToString('a%20b')]", "a b"),
    ("[dataUri('hi')]", "data:text/plain;charset=utf8;base64,aGk="),
    ("[base64ToString(base64('x'))]", "x"),
    ("[flatten(createArray(createArray(1), createArray(2, 3)))]", [1, 2, 3]),
    ("[first(createArray())]", None),
])
def test_functions_known_before_deployment(expr: str, want: Any) -> None:
    assert Evaluator({"parameters": PARAMS}, {}).evaluate(expr) == want


def test_lambda_over_an_unknown_value_stays_unresolved() -> None:
    got = Evaluator({"parameters": PARAMS}, {}).evaluate("[map(parameters('xs'), lambda('x', parameters('req')))]")
    assert isinstance(got, Unresolved)
    assert got.reason == "parameter 'req' has no default value and no parameters file sets it"


def test_required_parameter_names_itself_in_ids_but_not_in_settings() -> None:
    ev = Evaluator({"parameters": PARAMS, "variables": {"v": "[parameters('req')]"}}, {})
    assert ev.evaluate("[resourceId('Microsoft.KeyVault/vaults', variables('v'))]") == (
        "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.KeyVault/vaults/{req}")
    assert isinstance(ev.evaluate("[variables('v')]"), Unresolved)  # a setting read from it stays unknown
    assert ev.name_value("[variables('v')]") == "{req}"


def test_required_name_parameter_links_a_vault_and_its_diagnostic_setting(tmp_path: Path) -> None:
    """Quickstarts name resources by required parameters; the setting's format() scope must still match."""
    doc = {"$schema": SCHEMA, "parameters": {"keyVaultName": {"type": "string"}, "ws": {"type": "string"}},
           "resources": [
               {"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": "[parameters('keyVaultName')]",
                "location": "westeurope", "properties": {"tenantId": "t", "sku": {"family": "A", "name": "standard"}}},
               {"type": "Microsoft.Insights/diagnosticSettings", "apiVersion": "2021-05-01-preview", "name": "service",
                "scope": "[format('Microsoft.KeyVault/vaults/{0}', parameters('keyVaultName'))]",
                "properties": {"workspaceId": "[parameters('ws')]",
                               "logs": [{"category": "AuditEvent", "enabled": True}]}}]}
    assert findings(write(tmp_path, "kv.json", doc), "AZ019") == [
        ("AZ019", "pass", "Microsoft.KeyVault/vaults {keyVaultName}", 12)]


def test_required_name_without_any_diagnostic_setting_fails(tmp_path: Path) -> None:
    doc = {"$schema": SCHEMA, "parameters": {"storageAccountName": {"type": "string"}}, "resources": [
        {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01",
         "name": "[parameters('storageAccountName')]", "location": "westeurope", "kind": "StorageV2",
         "sku": {"name": "Standard_LRS"}, "properties": {}}]}
    assert findings(write(tmp_path, "st.json", doc), "AZ019") == [
        ("AZ019", "fail", "Microsoft.Storage/storageAccounts {storageAccountName}", 9)]


def test_unknown_role_at_subnet_scope_is_not_a_subscription_grant(tmp_path: Path) -> None:
    """A role picked by a required parameter, assigned on a subnet (old providers/ form): not subscription scope."""
    doc = {"$schema": SCHEMA, "parameters": {"role": {"type": "string"}, "vnet": {"type": "string"},
                                              "principal": {"type": "string"}},
           "variables": {"roles": {"Owner": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', "
                                            "'8e3af657-a8ff-443c-a75c-2fe8c4bcb635')]"}},
           "resources": [
               {"type": "Microsoft.Network/virtualNetworks/subnets/providers/roleAssignments",
                "apiVersion": "2020-04-01-preview",
                "name": "[concat(parameters('vnet'), '/default/Microsoft.Authorization/', guid(resourceGroup().id))]",
                "properties": {"roleDefinitionId": "[variables('roles')[parameters('role')]]",
                               "principalId": "[parameters('principal')]", "principalType": "ServicePrincipal"}}]}
    got = findings(write(tmp_path, "ra.json", doc), "AZ009")
    assert [(c, s) for c, s, _, _ in got] == [("AZ009", "pass")]


def test_unknown_role_at_subscription_scope_is_not_assessed(tmp_path: Path) -> None:
    sub = "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#"
    doc = {"$schema": sub, "parameters": {"roleId": {"type": "string"}, "principal": {"type": "string"}},
           "resources": [
               {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
                "name": "[guid(subscription().id, parameters('principal'))]",
                "properties": {"roleDefinitionId": "[parameters('roleId')]",
                               "principalId": "[parameters('principal')]", "principalType": "ServicePrincipal"}}]}
    got = findings(write(tmp_path, "ra.json", doc), "AZ009")
    assert [(c, s) for c, s, _, _ in got] == [("AZ009", "not_assessed")]


def test_inventory_names_resources_by_their_parameter(tmp_path: Path) -> None:
    doc = {"$schema": SCHEMA, "parameters": {"acct": {"type": "string"}, "share": {"type": "string"}},
           "resources": [{"type": "Microsoft.Storage/storageAccounts/fileServices/shares", "apiVersion": "2023-01-01",
                          "name": "[format('{0}/default/{1}', parameters('acct'), parameters('share'))]"}]}
    inv = build_inventory(ScanOptions(inputs=(str(write(tmp_path, "s.json", doc)),)))
    assert [r.uid for r in inv.resources] == [
        "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Storage/"
        "storageAccounts/{acct}/fileServices/default/shares/{share}"]


def test_container_insights_workspace_given_by_a_required_parameter(tmp_path: Path) -> None:
    doc = {"$schema": SCHEMA, "parameters": {"workspaceResourceId": {"type": "string"},
                                              "omsOn": {"type": "bool", "defaultValue": True}},
           "resources": [{"type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2024-02-01",
                          "name": "aks", "location": "westeurope", "properties": {"addonProfiles": {"omsagent": {
                              "enabled": "[parameters('omsOn')]",
                              "config": {"logAnalyticsWorkspaceResourceID": "[parameters('workspaceResourceId')]"}}}}}]}
    assert [(c, s) for c, s, _, _ in findings(write(tmp_path, "aks.json", doc), "AZ025")] == [("AZ025", "pass")]


def test_activity_log_export_to_a_workspace_parameter(tmp_path: Path) -> None:
    sub = "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#"
    doc = {"$schema": sub, "parameters": {"ws": {"type": "string"}}, "resources": [
        {"type": "Microsoft.Insights/diagnosticSettings", "apiVersion": "2021-05-01-preview", "name": "export",
         "properties": {"workspaceId": "[parameters('ws')]",
                        "logs": [{"category": "Administrative", "enabled": True}]}}]}
    assert [(c, s) for c, s, _, _ in findings(write(tmp_path, "act.json", doc), "AZ020")] == [("AZ020", "pass")]


def test_cost_tags_judged_when_the_location_is_a_required_parameter(tmp_path: Path) -> None:
    doc = {"$schema": SCHEMA, "parameters": {"location": {"type": "string"}}, "resources": [
        {"type": "Microsoft.OperationalInsights/workspaces", "apiVersion": "2022-10-01", "name": "logs",
         "location": "[parameters('location')]", "properties": {"sku": {"name": "PerGB2018"}}}]}
    assert findings(write(tmp_path, "w.json", doc), "AZ032") == [
        ("AZ032", "fail", "Microsoft.OperationalInsights/workspaces logs", 9)]


def test_owner_count_ignores_unknown_roles_below_the_subscription(tmp_path: Path) -> None:
    """An assignment on a vault whose role is a parameter cannot be a subscription Owner: five real
    subscription Owners added by the template still fail."""
    sub = "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#"
    owner = "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '8e3af657-a8ff-443c-a75c-2fe8c4bcb635')]"
    resources: list[dict[str, Any]] = [
        {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01", "name": f"o{i}",
         "properties": {"roleDefinitionId": owner, "principalId": f"[reference('id{i}').principalId]"}}
        for i in range(5)]
    resources.append({"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01", "name": "kv",
                      "scope": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv",
                      "properties": {"roleDefinitionId": "[parameters('role')]", "principalId": "p"}})
    doc = {"$schema": sub, "parameters": {"role": {"type": "string"}}, "resources": resources}
    report = run_scan(ScanOptions(inputs=(str(write(tmp_path, "owners.json", doc)),), select=("AZ007",)))
    assert [(f.status, f.message) for f in report.findings] == [
        ("fail", "the templates assign Owner at subscription scope to 5 principals (at most 3 wanted)")]


def test_cost_tags_ignore_unknown_values_of_other_tags(tmp_path: Path) -> None:
    doc = {"$schema": SCHEMA, "parameters": {"acrName": {"type": "string"}}, "resources": [
        {"type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01", "name": "[parameters('acrName')]",
         "location": "westeurope", "sku": {"name": "Basic"},
         "tags": {"displayName": "Container Registry", "container.registry": "[parameters('acrName')]"}}]}
    assert [(c, s) for c, s, _, _ in findings(write(tmp_path, "acr.json", doc), "AZ032")] == [("AZ032", "fail")]
    doc["resources"][0]["tags"] = {"Owner": "ml", "Environment": "[parameters('acrName')]"}
    assert [(c, s) for c, s, _, _ in findings(write(tmp_path, "acr.json", doc), "AZ032")] == [("AZ032", "not_assessed")]


def test_nullable_parameter_left_out_is_null() -> None:
    ev = Evaluator({"parameters": {"zone": {"type": "string", "nullable": True}}}, {})
    assert ev.evaluate("[if(not(equals(parameters('zone'), null())), createArray(parameters('zone')), null())]") is None
    given = Evaluator({"parameters": {"zone": {"type": "string", "nullable": True}}}, {"zone": "2"})
    assert given.evaluate("[if(not(equals(parameters('zone'), null())), createArray(parameters('zone')), null())]") \
        == ["2"]


USER_FUNCS = [{"namespace": "__bicep", "members": {
    "name": {"parameters": [{"name": "prefix", "type": "string"}, {"name": "n", "type": "int"}],
             "output": {"type": "string", "value": "[format('{0}-{1}', parameters('prefix'), parameters('n'))]"}},
    "twice": {"parameters": [{"name": "s", "type": "string"}],
              "output": {"type": "string",
                         "value": "[concat(__bicep.name(parameters('s'), 1), __bicep.name(parameters('s'), 2))]"}}}}]


@pytest.mark.parametrize(("expr", "want"), [
    ("[__bicep.name(parameters('p'), 3)]", "kv-3"),
    ("[__bicep.twice('a')]", "a-1a-2"),
])
def test_user_defined_functions_are_evaluated(expr: str, want: Any) -> None:
    tpl = {"functions": USER_FUNCS, "parameters": {"p": {"type": "string", "defaultValue": "kv"}}}
    assert Evaluator(tpl, {}).evaluate(expr) == want


def test_user_defined_function_over_an_unknown_value_stays_unresolved() -> None:
    tpl = {"functions": USER_FUNCS, "parameters": {"q": {"type": "string"}}}
    got = Evaluator(tpl, {}).evaluate("[__bicep.name(parameters('q'), 3)]")
    assert isinstance(got, Unresolved)
    assert got.reason == "parameter 'q' has no default value and no parameters file sets it"


@pytest.mark.parametrize(("expr", "want"), [
    ("[uri('http://contoso.org/firstpath', 'myscript.sh')]", "http://contoso.org/myscript.sh"),
    ("[uri('http://contoso.org/firstpath/', 'myscript.sh')]", "http://contoso.org/firstpath/myscript.sh"),
    ("[uri('https://raw.example/qs/azuredeploy.json', 'nested/vault.json')]", "https://raw.example/qs/nested/vault.json"),
])
def test_uri_resolves_like_arm(expr: str, want: str) -> None:
    assert Evaluator({}, {}).evaluate(expr) == want

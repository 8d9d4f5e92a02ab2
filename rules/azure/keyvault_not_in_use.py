"""AZ014 keyvault-not-in-use."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Passed, Violation, rule
from auditor.azure import (
    AKS,
    CONTAINER_APP,
    SITE,
    SITE_CONFIG,
    VAULT,
    absent,
    as_bool,
    of_kind,
    prop,
    walk_strings,
)
from auditor.inventory import Inventory


def _consumers(inv: Inventory) -> list[str]:
    out = []
    for r in of_kind(inv, SITE, SITE_CONFIG):
        if any("@microsoft.keyvault(" in s.lower() for _, s in walk_strings(r.data)):
            out.append(f"{r.kind} {r.name}")
    for r in of_kind(inv, CONTAINER_APP):
        if any(prop(s, "keyVaultUrl") for s in prop(r, "properties.configuration.secrets", []) or []):
            out.append(f"{r.kind} {r.name}")
    for r in of_kind(inv, AKS):
        addons = prop(r, "properties.addonProfiles", {}) or {}
        for name, addon in addons.items():
            if str(name).lower() == "azurekeyvaultsecretsprovider" and as_bool(prop(addon, "enabled")) is True:
                out.append(f"{r.kind} {r.name}")
    return out


@rule(
    code="AZ014",
    name="keyvault-not-in-use",
    title="Workloads do not fetch secrets from Key Vault",
    controls=["SEC-KEYVAULT-IN-USE"],
    target="azure",
    scope="estate",
    rationale=(
        "Without a vault, secrets live in settings, pipelines and templates: copied everywhere, never rotated, "
        "and readable by anyone who can read the configuration."
    ),
    remediation=(
        "Create a Key Vault and have workloads read from it: App Service Key Vault references, Container Apps "
        "secrets with keyVaultUrl, or the AKS Secrets Store CSI driver addon:\n\n"
        '```json\n"addonProfiles": { "azureKeyvaultSecretsProvider": { "enabled": true } }\n```'
    ),
)
def check(inv: Inventory, ctx: Context) -> Iterator[Violation | Passed]:
    """The estate needs a Key Vault and at least one consumer of it: an app setting that is a Key Vault
    reference, a Container App secret with keyVaultUrl, or AKS with the azureKeyvaultSecretsProvider addon.
    Templates without a vault or consumer are not assessed."""
    vaults = of_kind(inv, VAULT)
    consumers = _consumers(inv)
    if not vaults:
        na = absent(inv, "Key Vault", scoped=True)
        if na:
            raise na
        yield Violation("no Key Vault exists")
        return
    if not consumers:
        na = absent(inv, "workload that reads from a vault", scoped=True)
        if na:
            raise na
        yield Violation(f"{len(vaults)} Key Vault(s) exist but no workload references one")
        return
    for v in vaults:
        yield Passed(v, f"Key Vault in use by {', '.join(consumers[:3])}")

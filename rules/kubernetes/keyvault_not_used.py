"""K8S018 keyvault-not-used."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from auditor.api import Context, NotApplicable, NotAssessed, Passed, Violation, rule
from auditor.inventory import Inventory
from auditor.k8s import (
    POD_KINDS,
    as_list,
    containers,
    controlling_owner,
    env_entries,
    get,
    literal_secret,
    ns_of,
    require_listed,
    volumes,
)
from auditor.model import ObjPath, Resource

CSI_DRIVER = "secrets-store.csi.k8s.io"


def _keyvault_sources(inv: Inventory) -> tuple[dict[tuple[str, str], str], set[tuple[str, str]]]:
    """(SecretProviderClasses with their provider, Secrets synced from Key Vault), keyed by (namespace, name)."""
    spcs: dict[tuple[str, str], str] = {}
    synced: set[tuple[str, str]] = set()
    for spc in inv.of_kind("kubernetes", "SecretProviderClass"):
        provider = str(get(spc.data, "spec", "provider")).lower()
        spcs[(ns_of(spc), spc.name)] = provider
        if provider != "azure":
            continue
        for obj in as_list(get(spc.data, "spec", "secretObjects")):
            if get(obj, "secretName"):
                synced.add((ns_of(spc), str(get(obj, "secretName"))))
    stores: set[tuple[str, str, str]] = set()  # (kind, ns or "", name) of External Secrets stores backed by Key Vault
    for st in inv.of_kind("kubernetes", "SecretStore", "ClusterSecretStore"):
        if get(st.data, "spec", "provider", "azurekv") is not None:
            stores.add((st.kind, ns_of(st) if st.kind == "SecretStore" else "", st.name))
    for es in inv.of_kind("kubernetes", "ExternalSecret"):
        ref_kind = str(get(es.data, "spec", "secretStoreRef", "kind") or "SecretStore")
        ref_name = str(get(es.data, "spec", "secretStoreRef", "name") or "")
        key = (ref_kind, ns_of(es) if ref_kind == "SecretStore" else "", ref_name)
        if key in stores:
            synced.add((ns_of(es), str(get(es.data, "spec", "target", "name") or es.name)))
    for akv in inv.of_kind("kubernetes", "AzureKeyVaultSecret"):  # akv2k8s
        out = get(akv.data, "spec", "output", "secret", "name")
        if out:
            synced.add((ns_of(akv), str(out)))
    return spcs, synced


def _secret_refs(res: Resource) -> Iterator[tuple[str, ObjPath]]:
    """Kubernetes Secrets a pod consumes: env secretKeyRef, envFrom secretRef, secret and projected volumes."""
    for c in containers(res):
        for i, e in env_entries(c):
            name = get(e, "valueFrom", "secretKeyRef", "name")
            if name:
                yield str(name), (*c.path, "env", i, "valueFrom")
        for j, item in enumerate(as_list(c.data.get("envFrom"))):
            if get(item, "secretRef", "name"):
                yield str(get(item, "secretRef", "name")), (*c.path, "envFrom", j)
    for _, vol, path in volumes(res):
        if get(vol, "secret", "secretName"):
            yield str(get(vol, "secret", "secretName")), path
        for src in as_list(get(vol, "projected", "sources")):
            if get(src, "secret", "name"):
                yield str(get(src, "secret", "name")), path


def _inline_secret(res: Resource) -> ObjPath | None:
    for c in containers(res):
        for i, e in env_entries(c):
            if "value" in e and literal_secret(str(e.get("name") or ""), e.get("value")) is not None:
                return (*c.path, "env", i, "value")
    return None


def _csi_path(res: Resource) -> ObjPath:
    for _, vol, path in volumes(res):
        if str(get(vol, "csi", "driver")) == CSI_DRIVER:
            return (*path, "csi")
    return ()


def _csi_classes(res: Resource) -> list[str]:
    out = []
    for _, vol, _path in volumes(res):
        csi: Any = vol.get("csi")
        if isinstance(csi, Mapping) and str(csi.get("driver")) == CSI_DRIVER:
            out.append(str(get(csi, "volumeAttributes", "secretProviderClass") or ""))
    return out


@rule(
    code="K8S018",
    name="keyvault-not-used",
    title="Workloads take secrets from plain Kubernetes Secrets or literals, not Key Vault",
    controls=["SEC-KEYVAULT-IN-USE"],
    target="kubernetes",
    scope="estate",
    rationale=(
        "Kubernetes Secrets are only base64 in etcd and in Git, with no rotation, versioning or access audit. "
        "Fetching secrets from Azure Key Vault keeps one audited, rotatable source of truth outside the cluster."
    ),
    remediation=(
        "Mount secrets through the Secrets Store CSI driver with the Azure provider (optionally synced to a "
        "Secret with secretObjects):\n\n"
        "```yaml\napiVersion: secrets-store.csi.x-k8s.io/v1\nkind: SecretProviderClass\nmetadata: {name: scorer-kv}\n"
        "spec:\n  provider: azure\n  parameters:\n    keyvaultName: ml-kv\n    clientID: <workload identity client id>\n"
        "    objects: |\n      array:\n        - |\n          objectName: model-api-key\n          objectType: secret\n"
        "---\n# in the pod spec\nvolumes:\n  - name: secrets\n    csi:\n      driver: secrets-store.csi.k8s.io\n"
        "      readOnly: true\n      volumeAttributes: {secretProviderClass: scorer-kv}\n```"
    ),
    references=("https://learn.microsoft.com/azure/aks/csi-secrets-store-driver",),
)
def check(inv: Inventory, ctx: Context) -> Iterator[Violation | Passed]:
    """Across the scan, every workload that consumes secrets gets them from Key Vault: it mounts a
    SecretProviderClass with provider azure through the Secrets Store CSI driver, or every Secret it
    references is synced from Key Vault (SecretProviderClass secretObjects, an External Secrets ExternalSecret
    on an azurekv store, an akv2k8s AzureKeyVaultSecret). A workload with a literal secret in env, or one
    reading other Secrets without any Key Vault mount, or one mounting a SecretProviderClass of another
    provider, fails. A workload whose only source is a SecretProviderClass missing from the scan cannot be
    judged (NOT_ASSESSED if nothing else is). Not applicable when no workload uses secrets."""
    require_listed(inv, "SecretProviderClass")
    spcs, synced = _keyvault_sources(inv)
    decided = 0
    unverified: list[str] = []
    for res in inv.of_kind("kubernetes", *POD_KINDS):
        if controlling_owner(res, inv) is not None:
            continue  # judged at its controller
        refs = list(_secret_refs(res))
        inline = _inline_secret(res)
        classes = _csi_classes(res)
        if not refs and inline is None and not classes:
            continue
        ns = ns_of(res)
        kv_mount = [c for c in classes if spcs.get((ns, c)) == "azure"]
        other = [f"{c} (provider {spcs[(ns, c)]})" for c in classes if (ns, c) in spcs and c not in kv_mount]
        unknown = [c or "?" for c in classes if (ns, c) not in spcs]
        plain = [(name, path) for name, path in refs if (ns, name) not in synced]
        decided += 1
        if inline is not None:
            yield Violation("a secret is written inline in the pod spec instead of coming from Key Vault",
                            path=inline, resource=res)
        elif kv_mount:
            yield Passed(res, f"mounts Key Vault SecretProviderClass {kv_mount[0]}")
        elif plain:
            names = sorted({n for n, _ in plain})
            yield Violation(f"reads Kubernetes Secret(s) {', '.join(names)} that are not synced from Key Vault",
                            path=plain[0][1], resource=res, evidence=", ".join(names))
        elif other:
            yield Violation(f"mounts SecretProviderClass {other[0]}, not Azure Key Vault", resource=res,
                            path=_csi_path(res))
        elif refs:
            yield Passed(res, "every Secret it reads is synced from Key Vault")
        else:  # only a CSI mount of a SecretProviderClass that is not in the scan: its provider is unknown
            decided -= 1
            unverified.append(f"{res.display} mounts SecretProviderClass {unknown[0]}, which is not in the scan")
    if not decided:
        if unverified:
            raise NotAssessed("; ".join(unverified))
        raise NotApplicable()

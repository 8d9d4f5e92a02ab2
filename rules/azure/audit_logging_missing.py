"""AZ019 audit-logging-missing."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, NotAssessed, Resource, Violation, rule
from auditor.azure import (
    AKS,
    DIAGNOSTIC_SETTING,
    STORAGE,
    VAULT,
    as_bool,
    extension_scope,
    find,
    is_kind,
    items,
    need,
    norm_id,
    of_kind,
    prop,
)

AUDIT_CATEGORIES = {
    VAULT.lower(): {"auditevent", "audit", "alllogs"},
    STORAGE.lower(): {"storageread", "storagewrite", "storagedelete", "audit", "alllogs"},
    AKS.lower(): {"kube-audit", "kube-audit-admin", "audit", "alllogs"},
}
DESTINATIONS = ("workspaceId", "storageAccountId", "eventHubAuthorizationRuleId", "marketplacePartnerId")


def audit_settings(res: Resource, settings: list[Resource]) -> tuple[list[str], list[str]]:
    """(names of settings that send audit logs somewhere, names of settings that do not)."""
    rid = norm_id(res.uid)
    wanted = AUDIT_CATEGORIES[res.kind.lower()]
    good: list[str] = []
    weak: list[str] = []
    for ds in settings:
        target = norm_id(extension_scope(ds.uid, DIAGNOSTIC_SETTING))
        if target != rid and not (is_kind(res, STORAGE) and target.startswith(rid + "/")):
            continue
        # a destination named by a parameter is still a destination (only its id is unknown)
        dest = any(find(ds, f"properties.{d}", resolve=False)[0] for d in DESTINATIONS)
        logs = [lg for lg in items(prop(ds, "properties.logs")) if as_bool(prop(lg, "enabled")) is not False]
        cats = {str(prop(lg, "category") or prop(lg, "categoryGroup") or "").lower() for lg in logs}
        (good if dest and cats & wanted else weak).append(ds.name.rsplit("/", 1)[-1])
    return good, weak


@rule(
    code="AZ019",
    name="audit-logging-missing",
    title="Key Vault, storage account or cluster does not send audit logs anywhere",
    controls=["SEC-AUDIT-LOGGING"],
    target="azure",
    kinds=(VAULT, STORAGE, AKS),
    rationale=(
        "Without diagnostic settings, reads of secrets, blobs and the Kubernetes API are not kept: an incident "
        "cannot be investigated and misuse goes unseen."
    ),
    remediation=(
        "Add a diagnostic setting on the resource that sends the audit category group to Log Analytics:\n\n"
        '```json\n{ "type": "Microsoft.Insights/diagnosticSettings", "apiVersion": "2021-05-01-preview",\n'
        '  "scope": "[resourceId(\'Microsoft.KeyVault/vaults\', parameters(\'vaultName\'))]", "name": "audit",\n'
        '  "properties": { "workspaceId": "[parameters(\'workspaceId\')]",\n'
        '    "logs": [ { "categoryGroup": "audit", "enabled": true } ] } }\n```'
    ),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """A diagnostic setting scoped to the resource (for storage, also to its blob/file/queue/table services)
    must send an audit category (Key Vault AuditEvent, storage StorageRead/Write/Delete, AKS kube-audit, or the
    audit/allLogs groups) to a workspace, storage account, event hub or partner."""
    need(ctx.inventory, "diagnosticSettings")
    settings = of_kind(ctx.inventory, DIAGNOSTIC_SETTING)
    good, weak = audit_settings(res, settings)
    if good:
        return
    unknown = [d.name for d in settings if "/unresolved-scope/" in d.uid or "[" in d.uid]
    if unknown or "[" in res.uid:
        raise NotAssessed("the resource or a diagnostic setting's scope is only named at deployment "
                          f"({', '.join(unknown) or res.name}): cannot match them")
    if weak:
        yield Violation(f"diagnostic setting(s) {', '.join(weak)} send no audit logs to a destination")
    else:
        yield Violation("no diagnostic setting sends its audit logs anywhere")

"""AZ017 encryption-at-rest-disabled."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.azure import SQL_TDE, STORAGE, as_bool, eq, find, is_kind


@rule(
    code="AZ017",
    name="encryption-at-rest-disabled",
    title="Data is not encrypted at rest",
    controls=["SEC-ENCRYPTION-AT-REST"],
    target="azure",
    kinds=(STORAGE, SQL_TDE),
    rationale=(
        "Disks, databases and storage without encryption at rest expose data to anyone who gets the media or a "
        "copy of a snapshot; encryption with platform or customer-managed keys closes that path."
    ),
    remediation=(
        "Keep service encryption on; for full credit add infrastructure encryption or a customer-managed key:"
        '\n\n```json\n"encryption": { "requireInfrastructureEncryption": true, "keySource": "Microsoft.Keyvault",\n'
        '  "services": { "blob": { "enabled": true }, "file": { "enabled": true } } }\n```\n\n'
        'SQL: `transparentDataEncryption` with `"state": "Enabled"`.'
    ),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """Storage: no encryption service (blob, file, queue, table) may be explicitly disabled (service
    encryption is otherwise always on). SQL databases: the transparentDataEncryption child must have state
    Enabled. (Managed disks and AKS node disks are always encrypted by the platform: nothing to fail.)"""
    if is_kind(res, STORAGE):
        services, base = find(res, "properties.encryption.services")
        if isinstance(services, dict):
            for name, svc in services.items():
                enabled, epath = find(svc, "enabled")
                if as_bool(enabled) is False:
                    yield Violation(f"encryption of the {name} service is disabled", path=(*base, name, *epath))
    else:
        state, path = find(res, "properties.state")
        if not eq(state, "Enabled"):
            yield Violation(f"transparent data encryption is {state or 'not enabled'}", path=path)

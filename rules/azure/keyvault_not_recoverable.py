"""AZ015 keyvault-not-recoverable."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.azure import VAULT, as_bool, find, path_of


@rule(
    code="AZ015",
    name="keyvault-not-recoverable",
    title="Key Vault can be purged: purge protection or soft delete is off",
    controls=["SEC-KEYVAULT-RECOVERABLE"],
    target="azure",
    kinds=(VAULT,),
    rationale=(
        "Without purge protection a deleted vault (by mistake, or by an attacker) can be purged at once, taking "
        "every key with it: data encrypted with those keys is gone for good."
    ),
    remediation=(
        'Keep soft delete and turn purge protection on (it cannot be turned off again):\n\n```json\n'
        '"properties": { "enableSoftDelete": true, "softDeleteRetentionInDays": 90, "enablePurgeProtection": true }\n```'
    ),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """enableSoftDelete must not be false (it defaults to true) and enablePurgeProtection must be true
    (absent means off)."""
    soft, path = find(res, "properties.enableSoftDelete")
    if as_bool(soft) is False:
        yield Violation("soft delete is disabled", path=path)
    purge, path = find(res, "properties.enablePurgeProtection")
    if as_bool(purge) is not True:
        yield Violation("purge protection is not enabled", path=path or path_of(res, "properties.enablePurgeProtection"))

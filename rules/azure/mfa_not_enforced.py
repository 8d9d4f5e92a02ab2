"""AZ010 mfa-not-enforced."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, NotAssessed, Passed, Violation, rule
from auditor.azure import ASSESSMENT, eq, need, of_kind, prop, template_only
from auditor.inventory import Inventory

# Defender for Cloud assessment keys about MFA for privileged accounts (classic and Entra-based variants)
MFA_ASSESSMENTS = {
    "94290b00-4d0c-d7b4-7cea-064a9554e681": "owner permissions",
    "57e98606-6b1e-6193-0e3d-fe621387c16b": "write permissions",
    "151e82c5-5341-a74b-1eb0-bc38d2c84bb5": "read permissions",
    "e9ac8f8e-ce22-4355-8f04-99b911d6be52": "owner permissions",
    "c0cb17b2-0607-48a7-b0e0-903ed22de39b": "write permissions",
    "dabc9bc4-b8a8-45bd-9a5a-43000df8aa1c": "read permissions",
}


def _is_mfa(a: object) -> bool:
    name = str(getattr(a, "name", "")).rsplit("/", 1)[-1].lower()
    if name in MFA_ASSESSMENTS:
        return True
    title = str(prop(a, "properties.displayName") or "")
    return "mfa" in title.lower() or "multi-factor" in title.lower() or "multifactor" in title.lower()


@rule(
    code="AZ010",
    name="mfa-not-enforced",
    title="Privileged accounts without multi-factor authentication",
    controls=["IAM-MFA"],
    target="azure",
    scope="estate",
    rationale=(
        "A password alone is phished or sprayed daily; an Owner or writer without MFA is one guessed password "
        "away from the whole subscription."
    ),
    remediation=(
        "Require MFA for every account with Azure resource permissions (Conditional Access policy "
        "'Require multifactor authentication for Azure management'), then re-check Defender for Cloud's "
        "recommendation 'Accounts with owner permissions on Azure resources should be MFA enabled'."
    ),
)
def check(inv: Inventory, ctx: Context) -> Iterator[Violation | Passed]:
    """Defender for Cloud's MFA assessments (accounts with owner/write/read permissions) must have status
    Healthy (NotApplicable is fine). Templates never carry this evidence: not assessed."""
    if template_only(inv):
        raise NotAssessed("MFA status is only known from a live subscription's Defender assessments")
    need(inv, "assessments")
    found = [a for a in of_kind(inv, ASSESSMENT) if _is_mfa(a)]
    if not found:
        raise NotAssessed("Defender for Cloud reported no MFA assessment (Defender CSPM or the recommendation "
                          "may be off)")
    for a in found:
        code = prop(a, "properties.status.code")
        title = prop(a, "properties.displayName") or a.name
        if eq(code, "Unhealthy"):
            yield Violation(f"{title}: Unhealthy", resource=a, path=("properties", "status"))
        elif eq(code, "Healthy", "NotApplicable"):
            yield Passed(a, f"{title}: {code}")
        else:
            raise NotAssessed(f"{title}: status {code or 'unknown'}")

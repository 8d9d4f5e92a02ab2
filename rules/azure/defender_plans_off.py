"""AZ021 defender-plans-off."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, NotAssessed, Params, Passed, Resource, Violation, rule
from auditor.azure import (
    PRICING,
    SECURITY_CONTACT,
    as_bool,
    eq,
    find,
    need,
    path_of,
    per_subscription,
    prop,
    subscription_resource,
    template_only,
)
from auditor.inventory import Inventory


class DefenderParams(Params):
    plans: tuple[str, ...] = ("Containers", "KeyVaults", "StorageAccounts")


def _contact_ok(contact: object) -> bool:
    emails = prop(contact, "properties.emails") or prop(contact, "properties.email")
    if not emails:
        return False
    if as_bool(prop(contact, "properties.isEnabled")) is False:
        return False
    legacy = prop(contact, "properties.alertNotifications")
    if isinstance(legacy, str):
        return eq(legacy, "On")
    if legacy is not None:
        return eq(prop(legacy, "state"), "On")
    sources = prop(contact, "properties.notificationsSources") or []
    return any(eq(prop(s, "sourceType"), "Alert") for s in sources) if sources else True


@rule(
    code="AZ021",
    name="defender-plans-off",
    title="Defender for Cloud plans are off or alerts reach nobody",
    controls=["SEC-DEFENDER-ON"],
    target="azure",
    scope="estate",
    params=DefenderParams,
    rationale=(
        "Defender plans detect attacks on containers, vaults and storage (credential theft, malware uploads, "
        "anomalous access); without them, or without a security contact, an attack raises no alarm anyone sees."
    ),
    remediation=(
        "Set the plans to Standard and add a security contact that receives alerts:\n\n"
        '```json\n{ "type": "Microsoft.Security/pricings", "name": "KeyVaults", "apiVersion": "2024-01-01",\n'
        '  "properties": { "pricingTier": "Standard" } }\n'
        '{ "type": "Microsoft.Security/securityContacts", "name": "default", "apiVersion": "2023-12-01-preview",\n'
        '  "properties": { "emails": "secops@example.com", "isEnabled": true,\n'
        '    "notificationsSources": [ { "sourceType": "Alert", "minimalSeverity": "Medium" } ] } }\n```'
    ),
)
def check(inv: Inventory, ctx: Context) -> Iterator[Violation | Passed]:
    """Every plan in `plans` (default Containers, KeyVaults, StorageAccounts) must have a pricing with tier
    Standard, and a security contact with an email and alert notifications must exist. Templates are judged
    on what they deploy; absent pricings or contacts in templates are not assessed."""
    p: DefenderParams = ctx.params
    need(inv, "pricings", "securityContacts")
    tpl = template_only(inv)
    contacts_by_sub = dict(per_subscription(inv, SECURITY_CONTACT))
    out: list[Violation | Passed] = []
    missing_evidence: list[str] = []
    for sub, pricings in per_subscription(inv, PRICING):
        where = f" in subscription {sub}" if sub else ""
        subject = subscription_resource(inv, sub) if sub else None
        by_name: dict[str, list[Resource]] = {}
        for pr in pricings:
            by_name.setdefault(pr.name.rsplit("/", 1)[-1].lower(), []).append(pr)
        for plan in p.plans:
            found = by_name.get(plan.lower(), [])
            if not found:
                if tpl:
                    missing_evidence.append(plan)
                else:
                    out.append(Violation(f"Defender plan {plan} is off (no pricing){where}", resource=subject))
            for pr in found:
                tier, path = find(pr, "properties.pricingTier")
                if eq(tier, "Standard"):
                    out.append(Passed(pr, f"Defender plan {plan} is Standard{where}"))
                else:
                    out.append(Violation(f"Defender plan {plan} is {tier or 'not set'}{where}", resource=pr,
                                         path=path or path_of(pr, "properties.pricingTier")))
        contacts = contacts_by_sub.get(sub, [])
        if not contacts:
            if tpl:
                missing_evidence.append("security contact")
            else:
                out.append(Violation(f"no security contact{where}: Defender alerts reach nobody", resource=subject))
        elif not any(_contact_ok(c) for c in contacts):
            out.append(Violation(f"no security contact{where} has an email with alert notifications on",
                                 resource=contacts[0]))
    if missing_evidence and not any(isinstance(o, Violation) for o in out):
        raise NotAssessed(f"the templates deploy no {', '.join(missing_evidence)}; scan the subscription")
    yield from out

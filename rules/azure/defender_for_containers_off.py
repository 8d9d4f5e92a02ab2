"""AZ005 defender-for-containers-off."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Passed, Violation, rule
from auditor.azure import PRICING, absent, eq, need, path_of, per_subscription, prop, subscription_resource
from auditor.inventory import Inventory


@rule(
    code="AZ005",
    name="defender-for-containers-off",
    title="Defender for Containers is not on: images are not scanned for vulnerabilities",
    controls=["CONT-VULN-SCANNING"],
    target="azure",
    scope="estate",
    rationale=(
        "Without Defender for Containers nothing scans the images in your registries and clusters for known "
        "vulnerabilities after they ship, and CVEs published after the build go unnoticed."
    ),
    remediation=(
        "Turn the Containers plan on for the subscription:\n\n"
        '```json\n{ "type": "Microsoft.Security/pricings", "apiVersion": "2024-01-01", "name": "Containers",\n'
        '  "properties": { "pricingTier": "Standard" } }\n```'
    ),
)
def check(inv: Inventory, ctx: Context) -> Iterator[Violation | Passed]:
    """Each Microsoft.Security/pricings named Containers must have pricingTier Standard (the legacy
    ContainerRegistry plan at Standard also scans registry images). Live: a subscription without that pricing
    fails. Templates that deploy no pricing are not assessed."""
    need(inv, "pricings")
    for sub, pricings in per_subscription(inv, PRICING):
        where = f" in subscription {sub}" if sub else ""
        subject = subscription_resource(inv, sub) if sub else None
        plans = [p for p in pricings if p.name.rsplit("/", 1)[-1].lower() == "containers"]
        registry = [p for p in pricings if p.name.rsplit("/", 1)[-1].lower() == "containerregistry"
                    and eq(prop(p, "properties.pricingTier"), "Standard")]
        if registry and not any(eq(prop(p, "properties.pricingTier"), "Standard") for p in plans):
            for p in registry:
                yield Passed(p, f"Defender for Container Registries (legacy plan) scans registry images{where}")
            continue
        if not plans:
            na = absent(inv, "Defender for Containers pricing")
            if na:
                raise na
            yield Violation(f"no Defender for Containers pricing{where} (the plan is off)", resource=subject)
            continue
        for p in plans:
            tier = prop(p, "properties.pricingTier")
            if eq(tier, "Standard"):
                yield Passed(p, f"Defender for Containers is Standard{where}")
            else:
                yield Violation(f"Defender for Containers pricing tier is {tier or 'not set'}{where}", resource=p,
                                path=path_of(p, "properties.pricingTier"))

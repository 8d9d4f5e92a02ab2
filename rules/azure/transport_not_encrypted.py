"""AZ018 transport-not-encrypted."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, NotApplicable, Resource, Violation, rule
from auditor.azure import (
    CONTAINER_APP,
    SITE,
    SITE_CONFIG,
    SITE_SLOT,
    STORAGE,
    as_bool,
    find,
    is_kind,
    path_of,
)

_TLS_ORDER = {"tls1_0": 0, "1.0": 0, "tls1_1": 1, "1.1": 1, "tls1_2": 2, "1.2": 2, "tls1_3": 3, "1.3": 3}


@rule(
    code="AZ018",
    name="transport-not-encrypted",
    title="Plain HTTP or TLS older than 1.2 is accepted",
    controls=["SEC-ENCRYPTION-IN-TRANSIT"],
    target="azure",
    kinds=(STORAGE, SITE, SITE_SLOT, SITE_CONFIG, CONTAINER_APP),
    rationale=(
        "HTTP and TLS 1.0/1.1 let anyone on the path read or alter requests: storage keys, SAS tokens, "
        "inference inputs and outputs."
    ),
    remediation=(
        'Storage:\n\n```json\n"properties": { "supportsHttpsTrafficOnly": true, "minimumTlsVersion": "TLS1_2" }\n```\n\n'
        'Web apps: `"httpsOnly": true` and `"siteConfig": { "minTlsVersion": "1.2" }`.'
    ),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """Storage: supportsHttpsTrafficOnly not false (default true) and minimumTlsVersion TLS1_2+ (absent means
    TLS 1.0). Web apps: httpsOnly true (default false) and siteConfig.minTlsVersion not below 1.2 (default 1.2).
    Container Apps: ingress.allowInsecure must not be true."""
    if is_kind(res, CONTAINER_APP):
        insecure, path = find(res, "properties.configuration.ingress.allowInsecure")
        if find(res, "properties.configuration.ingress")[0] is None:
            raise NotApplicable()
        if as_bool(insecure) is True:
            yield Violation("ingress allows plain HTTP (allowInsecure true)", path=path)
        return
    if is_kind(res, STORAGE):
        https, path = find(res, "properties.supportsHttpsTrafficOnly")
        if as_bool(https) is False:
            yield Violation("HTTP traffic is accepted (supportsHttpsTrafficOnly false)", path=path)
        tls, path = find(res, "properties.minimumTlsVersion")
        if tls is None:
            yield Violation("minimumTlsVersion is not set: TLS 1.0 is accepted",
                            path=path_of(res, "properties.minimumTlsVersion"))
        elif _TLS_ORDER.get(str(tls).lower(), 2) < 2:
            yield Violation(f"minimumTlsVersion is {tls}", path=path)
        return
    if is_kind(res, SITE_CONFIG):
        if res.name.rsplit("/", 1)[-1].lower() != "web":
            raise NotApplicable()
        tls, path = find(res, "properties.minTlsVersion")
        if tls is not None and _TLS_ORDER.get(str(tls).lower(), 2) < 2:
            yield Violation(f"minTlsVersion is {tls}", path=path)
        return
    https, path = find(res, "properties.httpsOnly")
    if as_bool(https) is not True:
        yield Violation("httpsOnly is not true: plain HTTP is served", path=path or path_of(res, "properties.httpsOnly"))
    tls, path = find(res, "properties.siteConfig.minTlsVersion")
    if tls is not None and _TLS_ORDER.get(str(tls).lower(), 2) < 2:
        yield Violation(f"minTlsVersion is {tls}", path=path)

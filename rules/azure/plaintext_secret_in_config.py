"""AZ013 plaintext-secret-in-config."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from auditor.api import Context, NotApplicable, NotAssessed, Resource, Violation, rule
from auditor.azure import (
    ACI,
    CONTAINER_APP,
    CONTAINER_JOB,
    SITE,
    SITE_CONFIG,
    SITE_SLOT,
    Secure,
    Unresolved,
    find,
    is_kind,
    items,
    redacted_hit,
)
from auditor.model import PathKey
from auditor.secrets import find_secret, secret_name

Entry = tuple[str, Any, tuple[PathKey, ...], str]  # name, value, path, what


# ARM list*() functions return keys, connection strings and SAS tokens (listKeys, listSecrets, listAccountSas...)
_LIST_FN_RE = re.compile(r"(?<![\w'.])(list[A-Za-z]*)\s*\(", re.IGNORECASE)


_TELEMETRY_NAMES = {"applicationinsights_connection_string", "appinsights_instrumentationkey"}


def _telemetry_setting(name: str, expr: str) -> bool:
    """An Application Insights connection string or instrumentation key read with reference(): an ingestion
    address, not a credential (Microsoft documents it as safe to expose)."""
    return (name.lower() in _TELEMETRY_NAMES or "microsoft.insights/components" in expr.lower()) and bool(
        re.search(r"\.(?:connectionstring|instrumentationkey)\s*\]$", expr, re.IGNORECASE))


def _env_list(env: Any, base: tuple[PathKey, ...], value_key: str, what: str) -> Iterator[Entry]:
    for j, e in enumerate(items(env)):
        name, _ = find(e, "name", resolve=False)
        value, vpath = find(e, value_key, resolve=False)
        yield str(name), value, (*base, j, *vpath), what  # value None: secretRef / secureValue


def _entries(res: Resource) -> Iterator[Entry]:
    if is_kind(res, ACI):
        containers, base = find(res, "properties.containers", resolve=False)
        for i, c in enumerate(items(containers)):
            env, epath = find(c, "properties.environmentVariables", resolve=False)
            yield from _env_list(env, (*base, i, *epath), "value", "environment variable")
        creds, cbase = find(res, "properties.imageRegistryCredentials", resolve=False)
        for i, cred in enumerate(items(creds)):
            pw, ppath = find(cred, "password", resolve=False)
            if isinstance(pw, str) and pw and not isinstance(pw, (Secure, Unresolved)):
                yield "password", pw, (*cbase, i, *ppath), "registry credential"
    elif is_kind(res, CONTAINER_APP, CONTAINER_JOB):
        containers, base = find(res, "properties.template.containers", resolve=False)
        for i, c in enumerate(items(containers)):
            env, epath = find(c, "env", resolve=False)
            yield from _env_list(env, (*base, i, *epath), "value", "environment variable")
        secrets, sbase = find(res, "properties.configuration.secrets", resolve=False)
        for i, sec in enumerate(items(secrets)):
            value, vpath = find(sec, "value", resolve=False)
            if isinstance(value, str) and value and not isinstance(value, (Secure, Unresolved)):
                name = str(find(sec, "name", resolve=False)[0])
                yield f"{name} (password)", value, (*sbase, i, *vpath), "secret written into the template"
    elif is_kind(res, SITE_CONFIG):
        leaf = res.name.rsplit("/", 1)[-1].lower()
        props, base = find(res, "properties", resolve=False)
        if leaf in ("appsettings", "connectionstrings") and isinstance(props, Mapping):
            for k, v in props.items():
                value = find(v, "value", resolve=False)[0] if isinstance(v, Mapping) else v
                yield str(k), value, (*base, k), "app setting" if leaf == "appsettings" else "connection string"
        elif leaf == "web":
            settings, spath = find(res, "properties.appSettings", resolve=False)
            yield from _env_list(settings, spath, "value", "app setting")
    else:
        settings, spath = find(res, "properties.siteConfig.appSettings", resolve=False)
        yield from _env_list(settings, spath, "value", "app setting")
        conns, cpath = find(res, "properties.siteConfig.connectionStrings", resolve=False)
        yield from _env_list(conns, cpath, "connectionString", "connection string")


@rule(
    code="AZ013",
    name="plaintext-secret-in-config",
    title="Secret stored as a plain environment variable or app setting",
    controls=["SEC-NO-PLAINTEXT-SECRETS"],
    target="azure",
    kinds=(ACI, CONTAINER_APP, CONTAINER_JOB, SITE, SITE_SLOT, SITE_CONFIG),
    rationale=(
        "Plain environment variables and app settings are shown in the portal, returned by every read of the "
        "resource and copied into deployment history: anyone with Reader sees the secret, and it cannot be "
        "rotated without a redeploy."
    ),
    remediation=(
        "ACI: use `secureValue` instead of `value`. App Service: reference Key Vault. Container Apps: a "
        "`secretRef` to a Key Vault-backed secret:\n\n"
        '```json\n{ "name": "DB_PASSWORD", "secureValue": "[parameters(\'dbPassword\')]" }\n'
        '{ "name": "DB_PASSWORD", "value": "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/db/)" }\n```'
    ),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """ACI environment variables with `value`, Container App env values, App Service app settings and
    connection strings must not hold a secret: a literal that looks like one (auditor.secrets: known token
    formats, secret-named keys, high entropy) or a secure parameter copied into a plain value. Literal
    values written into a Container App secret or an ACI registry password count too (they sit in the
    template). A value built with an ARM list*() function (listKeys, listSecrets, listAccountSas...) copies a live
    key into the plain value at deployment and fails. An Application Insights connection string or
    instrumentation key read with reference() is not a credential. Key Vault references and secretRef/secureValue/secure
    parameters pass. Never shows the value."""
    entries = list(_entries(res))
    if not entries:
        raise NotApplicable()
    unresolved = []
    for name, value, path, what in entries:
        if value is None:
            continue
        if isinstance(value, Secure):
            yield Violation(f"{what} {name} gets a secure parameter as a plain value", path=path)
            continue
        marker = redacted_hit(value)
        if marker is not None:  # a live value the collector redacted before storing it
            yield Violation(f"{what} {name} holds a plaintext secret ({marker[0]})", path=path,
                            evidence=f"<redacted {marker[0]}, {marker[1]} chars>")
            continue
        if isinstance(value, Unresolved):
            m = _LIST_FN_RE.search(str(value))
            if m is not None:  # listKeys() & co. copy a live key into the plain value at deployment
                yield Violation(f"{what} {name} embeds a key read at deployment with {m.group(1)}(): the secret is "
                                "stored in plain text", path=path, evidence=f"{m.group(1)}(...)")
                continue
            if secret_name(name) and not _telemetry_setting(name, str(value)):
                unresolved.append(name)
            continue
        hit = find_secret(name, value)
        if hit is not None:
            yield Violation(f"{what} {name} holds a plaintext secret ({hit.kind})", path=path, evidence=hit.masked)
    if unresolved:
        raise NotAssessed(f"values of {', '.join(unresolved)} are computed at deployment")

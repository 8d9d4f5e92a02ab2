"""K8S017 secret-in-configmap."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from auditor.api import Context, Resource, Violation, rule
from auditor.k8s import get, literal_secret
from auditor.secrets import token_kind

# `name = value`, `name: value`, `"name": "value"`, `export NAME=value` inside a config file
_ASSIGN_RE = re.compile(r"""^\s*(?:export\s+)?["']?([A-Za-z_][\w.-]*)["']?\s*[:=]\s*["']?([^"'#\s,]+)["']?\s*,?\s*$""")


# field names that are generic inside config files (`key: app.label`, `- key: region`)
_GENERIC_NAMES = {"key", "keys", "token_type", "secret_name"}


@rule(
    code="K8S017",
    name="secret-in-configmap",
    title="Secret stored in a ConfigMap",
    controls=["SEC-NO-PLAINTEXT-SECRETS"],
    target="kubernetes",
    kinds=("ConfigMap",),
    rationale=(
        "ConfigMaps are plain configuration: not encrypted at rest, readable with broad `get configmaps` rights, "
        "printed by tooling and committed to Git. A credential in one is exposed to all of those."
    ),
    remediation=(
        "Move the value to a Secret (or Key Vault via the Secrets Store CSI driver) and keep only its name in "
        "the ConfigMap:\n\n```yaml\nkind: ConfigMap\ndata:\n  DB_HOST: db.internal\n"
        "  # DB_PASSWORD comes from secretKeyRef, not from here\n```"
    ),
    references=("https://kubernetes.io/docs/concepts/configuration/configmap/",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """No `data` entry of a ConfigMap looks like a secret: a known token format anywhere in it, a secret-named
    key with a literal value, a high-entropy single-line value, or (in an embedded config file) a
    `password = ...` / `api_key: ...` assignment with a literal. The value is never reported."""
    data = get(res.data, "data")
    if not isinstance(data, Mapping):
        return
    for key, value in data.items():
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            continue
        text = str(value)
        path = ("data", key)
        if "\n" not in text.strip():
            hit = literal_secret(str(key), text)
            if hit is not None:
                yield Violation(f"ConfigMap key {key} holds a literal secret ({hit.kind})", path=path,
                                evidence=hit.masked)
            continue
        kind = token_kind(text)
        if kind is not None:
            yield Violation(f"ConfigMap key {key} contains a {kind}", path=path,
                            evidence=f"<redacted {kind}>")
            continue
        for n, line in enumerate(text.splitlines(), 1):
            m = _ASSIGN_RE.match(line)
            if not m:
                continue
            if m.group(1).lower() in _GENERIC_NAMES:
                continue
            hit = literal_secret(m.group(1), m.group(2))
            if hit is not None and not hit.kind.startswith("high-entropy"):
                yield Violation(f"ConfigMap key {key} line {n} sets {m.group(1)} to a literal secret",
                                path=path, evidence=hit.masked)
                break

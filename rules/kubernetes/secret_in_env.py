"""K8S016 secret-in-env."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.k8s import (
    CONTAINER_KINDS,
    as_list,
    containers,
    env_entries,
    inference_model_containers,
    literal_secret,
    require_pod_spec,
)
from auditor.secrets import token_kind


@rule(
    code="K8S016",
    name="secret-in-env",
    title="Secret written as a literal in a pod spec",
    controls=["SEC-NO-PLAINTEXT-SECRETS"],
    target="kubernetes",
    kinds=CONTAINER_KINDS,
    rationale=(
        "A literal env value is stored in the manifest, in Git, in the API server (readable to anyone who may "
        "get the workload) and in every `kubectl describe`: a key written there is a leaked key."
    ),
    remediation=(
        "Reference a Secret (ideally synced from Key Vault by the Secrets Store CSI driver) instead:\n\n"
        "```yaml\nenv:\n  - name: MODEL_API_KEY\n    valueFrom:\n      secretKeyRef: {name: scorer-secrets, key: model-api-key}\n```"
    ),
    references=("https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """No container (init and ephemeral included) has an env `value` that looks like a secret: a known
    token format, a literal under a secret-looking name (PASSWORD, API_KEY, ...), or a high-entropy string;
    and no command/args item contains a known token format. KServe InferenceService model shorthand
    (`spec.predictor.model.env`) counts as a container. Placeholders and $(VAR) references pass. The value is
    never reported: evidence is its masked form."""
    shorthand = inference_model_containers(res)
    if not shorthand:
        require_pod_spec(res, ctx.inventory)
    for c in [*containers(res), *shorthand]:
        for i, e in env_entries(c):
            if "value" not in e:
                continue
            name = str(e.get("name") or "")
            hit = literal_secret(name, e.get("value"))
            if hit is not None:
                yield Violation(f"{c.label} env {name} holds a literal secret ({hit.kind})",
                                path=(*c.path, "env", i, "value"), evidence=hit.masked)
        for key in ("command", "args"):
            for j, arg in enumerate(as_list(c.data.get(key))):
                kind = token_kind(arg) if isinstance(arg, str) else None
                if kind is not None:
                    yield Violation(f"{c.label} {key}[{j}] contains a {kind}", path=(*c.path, key, j),
                                    evidence=f"<redacted {kind}, {len(arg)} chars>")

"""K8S010 host-namespace-shared."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.k8s import POD_KINDS, require_pod_spec

_FIELDS = {
    "hostNetwork": "the node's network stack",
    "hostPID": "the node's process table",
    "hostIPC": "the node's IPC namespace",
}


@rule(
    code="K8S010",
    name="host-namespace-shared",
    title="Pod shares the host's network, PID or IPC namespace",
    controls=["CONT-HOST-ISOLATION"],
    target="kubernetes",
    kinds=POD_KINDS,
    rationale=(
        "hostNetwork exposes node-local services and lets the pod sniff or bind host traffic; hostPID lets it see "
        "and signal every process on the node (and read their environment); hostIPC shares memory segments. "
        "Each removes a layer between a compromised container and the node."
    ),
    remediation=(
        "Remove the fields (they default to false); expose ports through a Service instead:\n\n"
        "```yaml\nspec:\n  hostNetwork: false\n  hostPID: false\n  hostIPC: false\n```"
    ),
    references=("https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """The pod spec sets none of hostNetwork, hostPID, hostIPC to true (one failure per field)."""
    spec, base = require_pod_spec(res, ctx.inventory)
    for field, what in _FIELDS.items():
        val = spec.get(field)
        if val is True or str(val).lower() == "true":
            yield Violation(f"pod sets {field}: true and shares {what}", path=(*base, field))

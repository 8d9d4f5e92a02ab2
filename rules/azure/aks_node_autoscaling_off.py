"""AZ029 aks-node-autoscaling-off."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from auditor.api import Context, NotApplicable, Resource, Violation, rule
from auditor.azure import AKS, AKS_POOL, as_bool, eq, find, is_kind, items
from auditor.model import PathKey


def _judge(pool: Any, label: str, base: tuple[PathKey, ...]) -> Iterator[Violation]:
    auto, path = find(pool, "enableAutoScaling")
    if as_bool(auto) is not True:
        yield Violation(f"{label}: enableAutoScaling is not true", path=(*base, *path))
        return
    lo, lpath = find(pool, "minCount")
    hi, hpath = find(pool, "maxCount")
    if not isinstance(lo, int) or not isinstance(hi, int):
        yield Violation(f"{label}: autoscaling without minCount/maxCount", path=(*base, *path))
    elif lo < 1 and eq(find(pool, "mode")[0], "System"):
        yield Violation(f"{label}: system pool minCount {lo} (needs at least 1)", path=(*base, *lpath))
    elif hi <= lo:
        yield Violation(f"{label}: maxCount {hi} is not above minCount {lo}: nothing to scale", path=(*base, *hpath))


@rule(
    code="AZ029",
    name="aks-node-autoscaling-off",
    title="AKS node pool does not autoscale",
    controls=["SCALE-CLUSTER-AUTOSCALER"],
    target="azure",
    kinds=(AKS, AKS_POOL),
    rationale=(
        "Inference and batch load varies; a fixed node count either pays for idle nodes or leaves pods "
        "Pending when demand peaks."
    ),
    remediation=(
        'Enable the cluster autoscaler on user pools:\n\n```json\n{ "name": "gpu", "mode": "User",\n'
        '  "enableAutoScaling": true, "minCount": 0, "maxCount": 5 }\n```'
    ),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """User node pools (every pool when a cluster has no User pool) need enableAutoScaling true with
    integer minCount < maxCount (system pools keep minCount >= 1). Pools are read from the cluster's
    agentPoolProfiles and from agentPools child resources."""
    if is_kind(res, AKS_POOL):
        if not eq(find(res, "properties.mode")[0], "User"):
            raise NotApplicable()
        props, base = find(res, "properties")
        yield from _judge(props, f"pool {res.name.rsplit('/', 1)[-1]}", base)
        return
    pools, base = find(res, "properties.agentPoolProfiles")
    pools = items(pools)
    if not pools:
        raise NotApplicable()
    user = [i for i, p in enumerate(pools) if eq(find(p, "mode")[0], "User")]
    chosen = user or list(range(len(pools)))
    for i in chosen:
        yield from _judge(pools[i], f"pool {find(pools[i], 'name')[0]}", (*base, i))

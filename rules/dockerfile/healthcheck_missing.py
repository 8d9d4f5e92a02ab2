"""DF018 healthcheck-missing."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.dockerfile import DockerfileModel, chain_instructions, stage_chain, stage_label


@rule(
    code="DF018",
    name="healthcheck-missing",
    title="Image declares no HEALTHCHECK",
    controls=["CONT-HEALTHCHECK"],
    target="dockerfile",
    rationale=(
        "Outside an orchestrator with probes (docker run, Compose, Azure Container Instances) the HEALTHCHECK "
        "is the only way the runtime learns that a hung model server or a deadlocked worker is unhealthy; "
        "without it a dead container keeps receiving traffic (checkov CKV_DOCKER_2, dockle CIS-DI-0006)."
    ),
    remediation=(
        "Declare a cheap check of the service's health endpoint in the final stage:\n\n"
        "```dockerfile\nHEALTHCHECK --interval=30s --timeout=3s --start-period=60s --retries=3 \\\n"
        "  CMD curl -fsS http://localhost:8080/healthz || exit 1\n```"
    ),
    references=("https://docs.docker.com/reference/dockerfile/#healthcheck",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """The final image (its stage, then the stages it is built FROM) declares a HEALTHCHECK, and the last
    one is not `HEALTHCHECK NONE`. Health checks in build stages do not count."""
    model: DockerfileModel = res.data
    chain = stage_chain(model)
    if not chain:
        return
    final = chain[0]
    last = None
    for idx, inst in chain_instructions(model):
        if inst.cmd == "HEALTHCHECK":
            last = (idx, inst)
    if last is None:
        yield Violation(f"the final image ({stage_label(final)}) declares no HEALTHCHECK",
                        line=final.line, path=("stages", final.index, "FROM"))
        return
    idx, inst = last
    if inst.args.strip().upper() == "NONE":
        yield Violation("HEALTHCHECK NONE disables the health check of the final image",
                        line=inst.line, path=("instructions", idx))

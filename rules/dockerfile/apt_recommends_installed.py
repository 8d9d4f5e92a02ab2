"""DF006 apt-recommends-installed."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.dockerfile import DockerfileModel, chain_instructions, package_commands


@rule(
    code="DF006",
    name="apt-recommends-installed",
    title="apt installs recommended packages",
    controls=["EFF-BUILD-HYGIENE"],
    target="dockerfile",
    rationale=(
        "By default apt also installs every *recommended* package: documentation, X11 libraries, extra "
        "toolchains. They bloat the runtime image and widen its attack surface without being needed "
        "(hadolint DL3015)."
    ),
    remediation=(
        "Pass --no-install-recommends (or set APT::Install-Recommends \"false\" once):\n\n"
        "```dockerfile\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends ca-certificates \\\n"
        " && rm -rf /var/lib/apt/lists/*\n```"
    ),
    references=("https://github.com/hadolint/hadolint/wiki/DL3015",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """In the stages that make up the final image, every `apt-get install` / `apt install` passes
    --no-install-recommends (or `-o APT::Install-Recommends=false`), unless an earlier RUN of those stages
    wrote an APT::Install-Recommends setting to apt's configuration."""
    model: DockerfileModel = res.data
    configured = False
    for idx, inst in chain_instructions(model):
        if inst.cmd != "RUN":
            continue
        for pc in package_commands(inst):
            if pc.manager != "apt" or pc.tool == "aptitude" or pc.action != "install":
                continue
            opts = " ".join(pc.option_values("-o", "--option")).lower()
            if configured or pc.has_flag("--no-install-recommends") or (
                "install-recommends" in opts and any(v in opts for v in ("=false", "=0", "=no", "=off"))
            ):
                continue
            yield Violation(
                f"`{pc.tool} install` without --no-install-recommends also installs recommended packages",
                line=inst.line,
                path=("instructions", idx),
            )
            break
        text = "\n".join([inst.value, *inst.heredocs]).lower()
        if "apt::install-recommends" in text and ("apt.conf" in text or "/etc/apt" in text):
            configured = True

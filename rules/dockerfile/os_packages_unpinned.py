"""DF002 os-packages-unpinned."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.dockerfile import DockerfileModel, PackageCommand, unpinned_installs

_INSTALL = {"apt": {"install"}, "apk": {"add"}, "yum": {"install"}, "zypper": {"install", "in"}}
_RPM_VERSION_RE = re.compile(r"-\d")


def _is_artifact(pkg: str) -> bool:
    """A local file, URL, variable or glob rather than a repository package name."""
    return (
        "$" in pkg
        or "/" in pkg
        or pkg.startswith((".", "@", "~"))
        or pkg.endswith((".deb", ".apk", ".rpm"))
    )


def _pinned(pc: PackageCommand, pkg: str) -> bool:
    if pc.manager == "apt":
        return "=" in pkg
    if pc.manager == "apk":
        return any(c in pkg for c in "=~<>")
    if pc.manager == "yum":
        return bool(_RPM_VERSION_RE.search(pkg)) or any(c in pkg for c in "=<>")
    return any(c in pkg for c in "=<>")


def unpinned_packages(pc: PackageCommand) -> list[str]:
    if pc.action not in _INSTALL.get(pc.manager, set()):
        return []
    return [p for p in pc.positional() if not _is_artifact(p) and not _pinned(pc, p)]


@rule(
    code="DF002",
    name="os-packages-unpinned",
    title="OS packages are installed without a version",
    controls=["REPRO-DEPS-PINNED"],
    target="dockerfile",
    rationale=(
        "`apt-get install curl` installs whatever version the mirror serves on the day of the build, so two builds "
        "of one commit differ and a broken or vulnerable release slips in unnoticed. Pinned versions make "
        "rebuilds repeatable and upgrades deliberate (hadolint DL3008, DL3018, DL3033, DL3037, DL3041)."
    ),
    remediation=(
        "Name the version of each package (`pkg=version` for apt and apk, `pkg-version` for yum/dnf):\n\n"
        "```dockerfile\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 \\\n"
        " && rm -rf /var/lib/apt/lists/*\nRUN apk add --no-cache curl=8.5.0-r0\n```"
    ),
    references=("https://github.com/hadolint/hadolint/wiki/DL3008",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """Every `apt-get/apt install`, `apk add`, `yum/dnf/microdnf install` and `zypper install` in any
    stage names a version for each repository package (`pkg=1.2`, `pkg~1.2`, `pkg-1.2`). Local package
    files, URLs and packages given through variables are not judged."""
    model: DockerfileModel = res.data
    for idx, inst, pc, loose in unpinned_installs(model, unpinned_packages):
        shown = ", ".join(loose[:6]) + (f" and {len(loose) - 6} more" if len(loose) > 6 else "")
        yield Violation(f"`{pc.tool} {pc.action}` installs without a version: {shown}", line=inst.line,
                        path=("instructions", idx))

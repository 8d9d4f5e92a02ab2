"""DF003 language-packages-unpinned."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.dockerfile import DockerfileModel, PackageCommand, unpinned_installs

_PIP_SPEC_RE = re.compile(r"(===?|~=|!=|<=?|>=?|@)")
_TOOLING = {"pip", "setuptools", "wheel"}
_MOVING = {"latest", "next", "master", "main", "head", "canary", "beta", "stable"}


def _artifact(pkg: str) -> bool:
    """A local path, archive, URL or variable: not a registry package."""
    low = pkg.lower()
    return (
        "$" in pkg
        or pkg.startswith((".", "/", "~", "file:", "git+", "http:", "https:", "github:", "git:", "link:"))
        or low.endswith((".whl", ".tar.gz", ".tgz", ".zip", ".gem", ".tar.bz2", ".egg"))
        or "://" in pkg
        or pkg in ("*",)
    )


_VCS_PREFIXES = ("git+", "hg+", "svn+", "bzr+")


def _vcs_pinned(url: str) -> bool:
    """`git+https://host/org/repo.git@v1.2#egg=x` names a ref; without `@ref` it follows the default branch."""
    rest = url.split("#", 1)[0].split("://", 1)[-1]
    path = rest.split("/", 1)[1] if "/" in rest else ""
    return "@" in path


def _pip_like(pc: PackageCommand) -> list[str]:
    if pc.has_flag("-c", "--constraint"):
        return []
    upgrade = pc.has_flag("-U", "--upgrade")
    loose = []
    for p in pc.positional():
        if p.startswith(_VCS_PREFIXES) and "$" not in p:
            if not _vcs_pinned(p):
                loose.append(p.split("#", 1)[0])
            continue
        if _artifact(p) or "/" in p.split("[")[0] and not p.startswith("@"):
            continue
        name = re.split(r"[\[<>=!~@;\s]", p, maxsplit=1)[0].lower()
        if upgrade and name in _TOOLING:
            continue
        if not _PIP_SPEC_RE.search(p):
            loose.append(p)
    return loose


def _npm_like(pc: PackageCommand) -> list[str]:
    loose = []
    for p in pc.positional():
        if _artifact(p) or ("/" in p and not p.startswith("@")):
            continue
        at = p.rfind("@")
        if at <= 0 or p[at + 1 :].lower() in _MOVING or not p[at + 1 :]:
            loose.append(p)
    return loose


def unpinned_packages(pc: PackageCommand) -> list[str]:
    m, a = pc.manager, pc.action
    if (m == "pip" and a == "install") or (m in ("pipx", "pipenv") and a == "install") \
            or (m == "uv" and a in ("tool install", "add")) or (m == "poetry" and a == "add"):
        return _pip_like(pc)
    if (m == "npm" and a in ("install", "i", "add", "isntall", "in")) or (m == "yarn" and a in ("add", "global add")) \
            or (m == "pnpm" and a in ("add", "install", "i")):
        return _npm_like(pc)
    if m == "gem" and a == "install":
        if pc.has_flag("-v", "--version"):
            return []
        return [p for p in pc.positional() if not _artifact(p) and ":" not in p]
    if m == "conda" and a in ("install", "create"):
        return [p for p in pc.positional() if not _artifact(p) and not any(c in p for c in "=<>")]
    if m == "cargo" and a == "install":
        if pc.has_flag("--version", "--vers", "--path", "--rev", "--tag"):
            return []
        return [p for p in pc.positional() if not _artifact(p) and "@" not in p] or (
            ["(git)"] if pc.has_flag("--git") else [])
    if m == "go" and a in ("install", "get"):
        out = []
        for p in pc.positional():
            base, at, ver = p.partition("@")
            local = base.startswith((".", "/")) or "$" in base
            if not local and (at and ver.lower() in _MOVING or (a == "get" and not at and "." in base.split("/")[0])):
                out.append(p)
        return out
    return []


@rule(
    code="DF003",
    name="language-packages-unpinned",
    title="Language packages are installed without a version",
    controls=["REPRO-DEPS-PINNED"],
    target="dockerfile",
    rationale=(
        "`pip install torch` or `npm install -g pkg` resolves to the newest release on the day of the build: a "
        "rebuild of the same commit can pull a breaking or compromised version. Versions named in the command, "
        "a lock file or a requirements/constraints file make the image reproducible (hadolint DL3013, DL3016, "
        "DL3028, DL3062)."
    ),
    remediation=(
        "Pin each package, or install from a lock or requirements file:\n\n"
        "```dockerfile\nRUN pip install --no-cache-dir -r requirements.txt   # with pinned versions\n"
        "RUN pip install --no-cache-dir torch==2.4.1\nRUN npm ci\nRUN npm install -g pnpm@9.12.0\n```"
    ),
    references=("https://github.com/hadolint/hadolint/wiki/DL3013", "https://github.com/hadolint/hadolint/wiki/DL3016"),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """Every pip/uv/pipx/poetry/pipenv, npm/yarn/pnpm, gem, conda/mamba, cargo and go install in any stage
    names a version for each package it adds by name (`pkg==1.2`, `pkg@1.2`, `-v 1.2`), or installs from
    a requirements, constraints or lock file. Upgrading pip/setuptools/wheel themselves, local paths,
    archives, URLs and variables are not judged; `@latest` counts as unpinned."""
    model: DockerfileModel = res.data
    for idx, inst, pc, loose in unpinned_installs(model, unpinned_packages):
        shown = ", ".join(loose[:6]) + (f" and {len(loose) - 6} more" if len(loose) > 6 else "")
        yield Violation(f"`{pc.tool} {pc.action}` installs without a version: {shown}", line=inst.line,
                        path=("instructions", idx))

"""DF005 package-cache-shipped."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.dockerfile import (
    DockerfileModel,
    Instruction,
    cache_mounted,
    chain_instructions,
    commands,
    package_command,
)

_TOO_BROAD = {"/var", "/var/lib", "/etc", "/root", "/opt", "/usr", "/usr/local", "/tmp"}


def _removes(inst: Instruction, *paths: str) -> bool:
    """Whether the RUN deletes one of `paths` (or a parent of it) with rm."""
    for c in commands(inst):
        if c.name != "rm":
            continue
        for arg in c.argv[1:]:
            a = arg.rstrip("*").rstrip("/")
            if not a or a.startswith("-"):
                continue
            for p in paths:
                if a == p or a.startswith(p + "/") or (p.startswith(a + "/") and a not in _TOO_BROAD):
                    return True
    return False


def _cleans(inst: Instruction, manager: str) -> bool:
    for c in commands(inst):
        pc = package_command(c)
        if pc is None or pc.manager != manager:
            continue
        if pc.action in ("clean", "distclean", "dist-clean", "cc", "clean-cache"):
            return True
    return False


_APT_LISTS = ("/var/lib/apt/lists",)
_APK_CACHE = ("/var/cache/apk", "/etc/apk/cache")
_YUM_CACHE = ("/var/cache/yum", "/var/cache/dnf", "/var/cache/libdnf5", "/var/cache/tdnf")
_ZYPP_CACHE = ("/var/cache/zypp",)
_CONDA_CACHE = ("/opt/conda/pkgs", "/root/.cache/mamba", "/opt/conda", "/root/micromamba/pkgs",
                "/opt/micromamba/pkgs", "/root/.mamba/pkgs")


def removes_docker_clean(inst: Instruction) -> bool:
    """Whether the RUN deletes Debian images' docker-clean hook, which otherwise deletes downloaded .debs."""
    return any(c.name == "rm" and any(a.endswith("apt.conf.d/docker-clean") for a in c.argv[1:])
               for c in commands(inst))


def problems(inst: Instruction, docker_clean_removed: bool = False) -> list[str]:
    found: list[str] = []
    seen: set[str] = set()
    for c in commands(inst):
        pc = package_command(c)
        if pc is None:
            continue
        m, a = pc.manager, pc.action
        if m == "apt" and a == "update" and "apt" not in seen:
            seen.add("apt")
            if not (_removes(inst, *_APT_LISTS) or cache_mounted(inst, *_APT_LISTS) or _cleans_lists(inst)):
                found.append(f"`{pc.tool} update` leaves /var/lib/apt/lists in the layer (remove it in the same RUN)")
        elif m == "apt" and a in ("install", "upgrade", "dist-upgrade") and docker_clean_removed \
                and "apt-archives" not in seen:
            seen.add("apt-archives")
            if not (_cleans(inst, "apt") or _removes(inst, "/var/cache/apt") or cache_mounted(inst, "/var/cache/apt")):
                found.append(f"`{pc.tool} {a}` keeps downloaded .deb files in /var/cache/apt (docker-clean was "
                             "removed and no cache mount covers it)")
        elif m == "apk" and a in ("add", "update", "upgrade") and "apk" not in seen:
            if pc.has_flag("--no-cache", "--no-network") or _removes(inst, *_APK_CACHE) or cache_mounted(inst, *_APK_CACHE):
                continue
            seen.add("apk")
            found.append(f"`apk {a}` without --no-cache keeps the package index in /var/cache/apk")
        elif m == "yum" and a in ("install", "update", "upgrade", "reinstall", "groupinstall") and "yum" not in seen:
            if _cleans(inst, "yum") or _removes(inst, *_YUM_CACHE) or cache_mounted(inst, *_YUM_CACHE):
                continue
            seen.add("yum")
            found.append(f"`{pc.tool} {a}` without `{pc.tool} clean all` keeps its metadata and package cache")
        elif m == "zypper" and a in ("install", "in", "update", "up", "refresh", "ref") and "zypper" not in seen:
            if _cleans(inst, "zypper") or _removes(inst, *_ZYPP_CACHE) or cache_mounted(inst, *_ZYPP_CACHE):
                continue
            seen.add("zypper")
            found.append(f"`zypper {a}` without `zypper clean --all` keeps its cache")
        elif m == "conda" and a in ("install", "create", "env create", "update", "env update") and "conda" not in seen:
            if _cleans(inst, "conda") or _removes(inst, *_CONDA_CACHE) or cache_mounted(inst, *_CONDA_CACHE):
                continue
            seen.add("conda")
            found.append(f"`{pc.tool} {a}` without `{pc.tool} clean --all --yes` keeps downloaded packages")
    return found


def _cleans_lists(inst: Instruction) -> bool:
    for c in commands(inst):
        pc = package_command(c)
        if pc is not None and pc.manager == "apt" and pc.action in ("distclean", "dist-clean"):
            return True
        if c.name == "find" and any(a.startswith("/var/lib/apt/lists") for a in c.argv[1:]) and "-delete" in c.argv:
            return True
    return False


@rule(
    code="DF005",
    name="package-cache-shipped",
    title="Package manager indexes and caches are shipped in the image",
    controls=["EFF-BUILD-HYGIENE"],
    target="dockerfile",
    rationale=(
        "apt lists, apk indexes, yum/dnf metadata and conda package tarballs are only needed while installing. "
        "Left in a layer they add tens to hundreds of megabytes to every pull and node, and deleting them in a "
        "later RUN does not shrink the earlier layer (hadolint DL3009, DL3019, DL3032, DL3036, DL3040)."
    ),
    remediation=(
        "Clean up in the same RUN that installs, or keep the cache in a BuildKit cache mount:\n\n"
        "```dockerfile\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 \\\n"
        " && rm -rf /var/lib/apt/lists/*\nRUN apk add --no-cache tini=0.19.0-r3\n"
        "RUN dnf install -y httpd && dnf clean all\n"
        "RUN conda install -y numpy=2.1 && conda clean --all --yes\n```"
    ),
    references=("https://github.com/hadolint/hadolint/wiki/DL3009", "https://github.com/hadolint/hadolint/wiki/DL3019"),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """In the stages that make up the final image, every RUN that runs `apt-get update` also removes
    /var/lib/apt/lists; `apk add` uses --no-cache; yum/dnf/microdnf/zypper installs end with `clean all`;
    conda/mamba installs end with `clean --all`; a BuildKit cache or tmpfs mount on the cache path also
    passes. Once the docker-clean hook is deleted, apt installs must also clean /var/cache/apt or mount it. Build stages whose files are only copied from are not judged."""
    model: DockerfileModel = res.data
    docker_clean_removed = False
    for idx, inst in chain_instructions(model):
        if inst.cmd != "RUN":
            continue
        docker_clean_removed = docker_clean_removed or removes_docker_clean(inst)
        for msg in problems(inst, docker_clean_removed):
            yield Violation(msg, line=inst.line, path=("instructions", idx))

"""DF007 pip-cache-shipped."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.dockerfile import (
    DockerfileModel,
    Instruction,
    cache_mounted,
    chain_instructions,
    commands,
    env_pairs,
    package_command,
)

_PIP_CACHE = ("/root/.cache/pip", "/root/.cache")
_UV_CACHE = ("/root/.cache/uv", "/root/.cache")


def _env_set(inst: Instruction, name: str) -> bool:
    text = "\n".join([inst.args, *inst.heredocs])
    return f"{name}=" in text and f"{name}=\"\"" not in text and f"{name}= " not in text


def _cleaned(inst: Instruction, tool: str, cache: tuple[str, ...]) -> bool:
    for c in commands(inst):
        if c.name == "rm" and any(
            a.rstrip("*/").replace("~", "/root", 1).replace("$HOME", "/root") in cache for a in c.argv[1:]
        ):
            return True
        pc = package_command(c)
        if pc is not None and pc.manager == tool and pc.action == "cache" and pc.args[:1] in (("purge",), ("clean",)):
            return True
    return False


@rule(
    code="DF007",
    name="pip-cache-shipped",
    title="pip or uv keeps its download cache in the image",
    controls=["EFF-BUILD-HYGIENE"],
    target="dockerfile",
    rationale=(
        "pip and uv keep every downloaded wheel in ~/.cache. In an image that cache is dead weight: for ML "
        "stacks (torch, CUDA wheels) it easily doubles the layer, gigabytes pulled on every deployment "
        "(hadolint DL3042)."
    ),
    remediation=(
        "Disable the cache, or keep it in a BuildKit cache mount outside the image:\n\n"
        "```dockerfile\nRUN pip install --no-cache-dir -r requirements.txt\n"
        "RUN --mount=type=cache,target=/root/.cache/uv uv sync --frozen\n```"
    ),
    references=("https://github.com/hadolint/hadolint/wiki/DL3042",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """In the stages that make up the final image, every `pip install` (pip, pip3, python -m pip) passes
    --no-cache-dir and every `uv pip install` / `uv sync` passes --no-cache, unless PIP_NO_CACHE_DIR /
    UV_NO_CACHE is set (ENV, ARG or inline), a BuildKit cache mount covers ~/.cache, or the same RUN
    removes the cache. Any PIP_NO_CACHE_DIR value counts: pip disables its cache for false-looking values
    too, for backwards compatibility."""
    model: DockerfileModel = res.data
    env: set[str] = set()
    for idx, inst in chain_instructions(model):
        if inst.cmd in ("ENV", "ARG"):
            for k, v in env_pairs(inst):
                if k in ("PIP_NO_CACHE_DIR", "UV_NO_CACHE") and v.strip():
                    env.add(k)
            continue
        if inst.cmd == "FROM":
            continue
        if inst.cmd != "RUN":
            continue
        for c in commands(inst):
            pc = package_command(c)
            if pc is None:
                continue
            if pc.manager == "pip" and pc.action == "install" and pc.tool != "uv pip":
                if pc.has_flag("--no-cache-dir", "--no-cache") or "PIP_NO_CACHE_DIR" in env \
                        or _env_set(inst, "PIP_NO_CACHE_DIR") or cache_mounted(inst, *_PIP_CACHE) \
                        or _cleaned(inst, "pip", _PIP_CACHE):
                    continue
                yield Violation(f"`{pc.tool} install` without --no-cache-dir keeps downloaded wheels in ~/.cache/pip",
                                line=inst.line, path=("instructions", idx))
                break
            is_uv = (pc.tool == "uv pip" and pc.action == "install") or (
                pc.manager == "uv" and pc.action in ("sync", "tool install", "add"))
            if is_uv:
                if pc.has_flag("--no-cache", "-n") or "UV_NO_CACHE" in env or _env_set(inst, "UV_NO_CACHE") \
                        or cache_mounted(inst, *_UV_CACHE) or _cleaned(inst, "uv", _UV_CACHE):
                    continue
                yield Violation(f"`{pc.tool} {pc.action}` without --no-cache keeps downloads in ~/.cache/uv",
                                line=inst.line, path=("instructions", idx))
                break

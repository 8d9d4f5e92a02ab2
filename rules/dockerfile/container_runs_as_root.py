"""DF011 container-runs-as-root."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator

from auditor.api import Context, NotAssessed, Params, Resource, Violation, rule
from auditor.dockerfile import (
    DockerfileModel,
    chain_instructions,
    env_pairs,
    stage_chain,
    stage_label,
    substitute,
)
from auditor.eol import short_name
from auditor.imageref import parse_image


class DF011Params(Params):
    # base images known to set a non-root USER themselves (globs over the image name, or name:tag)
    nonroot_images: tuple[str, ...] = ()


_ROOT_NAMES = {"root", "0", "containeradministrator"}  # the last: Windows containers


def is_root(user: str) -> bool:
    """USER root, 0, root:root, 0:0, 0:1000... (the user part decides; the group does not)."""
    name = user.strip().strip("\"'").split(":", 1)[0].strip()
    return name.lower() in _ROOT_NAMES or (name.isdigit() and int(name) == 0)


def _known_nonroot(base: str, params: DF011Params) -> bool:
    ref = parse_image(base)
    name = short_name(ref)
    tag = (ref.tag or "").lower()
    full = f"{name}:{tag}" if tag else name
    if any(fnmatch.fnmatchcase(name, g) or fnmatch.fnmatchcase(full, g) for g in params.nonroot_images):
        return True
    if "nonroot" in tag or "non-root" in tag:
        return True
    if name.endswith("/nanoserver"):
        return True  # Windows Nano Server runs as ContainerUser unless told otherwise
    # Chainguard images run as nonroot; their -dev variants add a shell and package manager and run as root
    return name.startswith(("cgr.dev/chainguard/", "chainguard/")) and "dev" not in tag


@rule(
    code="DF011",
    name="container-runs-as-root",
    title="Image runs as root",
    controls=["CONT-NON-ROOT"],
    target="dockerfile",
    params=DF011Params,
    rationale=(
        "A process running as root inside the container is root on the container's filesystem and one kernel "
        "or runtime bug away from root on the node. Running as an unprivileged user limits what an attacker who "
        "exploits the service can do (hadolint DL3002, dockle CIS-DI-0001, checkov CKV_DOCKER_3, CKV_DOCKER_8)."
    ),
    remediation=(
        "Create an unprivileged user and switch to it at the end of the final stage:\n\n"
        "```dockerfile\nRUN groupadd --system app && useradd --system --gid app --uid 10001 app\nUSER 10001:10001\n"
        "CMD [\"python\", \"-m\", \"app\"]\n```"
    ),
    references=("https://github.com/hadolint/hadolint/wiki/DL3002",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """The last USER of the final image (its stage, then the stages it is built FROM) names a user other
    than root/0 (or ContainerAdministrator on Windows). No USER at all fails unless the base image is known
    to run as non-root (a `nonroot` tag, Chainguard images other than -dev, Windows Nano Server, or the
    `nonroot_images` parameter); a USER set from a variable that cannot be resolved is not assessed.
    Build stages may run as root."""
    model: DockerfileModel = res.data
    params: DF011Params = ctx.params if isinstance(ctx.params, DF011Params) else DF011Params()
    chain = stage_chain(model)
    if not chain:
        return
    final, root_stage = chain[0], chain[-1]
    env: dict[str, str | None] = {k: v for k, v in model.global_args.items()}
    last = None
    for idx, inst in chain_instructions(model):
        if inst.cmd in ("ARG", "ENV"):
            for k, v in env_pairs(inst):
                if inst.cmd == "ARG" and "=" not in inst.args and k in model.global_args:
                    continue  # `ARG X` re-declares the global default
                env[k] = substitute(v, env)[0] if v else env.get(k)
        elif inst.cmd == "USER":
            last = (idx, inst)
    if last is None:
        if root_stage.base_resolved and not root_stage.is_scratch and _known_nonroot(root_stage.base_resolved, params):
            return
        yield Violation(
            f"the final image ({stage_label(final)}) sets no USER, so it runs as root",
            line=final.line,
            path=("stages", final.index, "FROM"),
        )
        return
    idx, inst = last
    user, resolved = substitute(inst.args.strip(), env)
    if not resolved:
        raise NotAssessed(f"USER {inst.args.strip()} (line {inst.line}) depends on a variable set outside the Dockerfile")
    if not user.strip():
        raise NotAssessed(f"USER on line {inst.line} resolves to an empty value")
    if is_root(user):
        yield Violation(
            f"the final image runs as {user.strip()} (USER on line {inst.line} is the last one)",
            line=inst.line,
            path=("instructions", idx),
        )

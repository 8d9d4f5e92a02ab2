"""IMG001 image-runs-as-root."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, NotAssessed, Resource, Violation, rule
from auditor.images.judge import config_origin, image_facts


@rule(
    code="IMG001",
    name="image-runs-as-root",
    title="Image runs as root by default",
    controls=["CONT-NON-ROOT"],
    target="image",
    kinds=["Image"],
    rationale=(
        "Whatever the Dockerfile said, the built image's config `User` decides who the process is when nothing "
        "overrides it. An empty User, `0`, `root`, or a name the image's own /etc/passwd maps to uid 0 runs the "
        "workload as root: one container escape or writable host mount away from the node."
    ),
    remediation=(
        "Create an unprivileged user in the image and switch to it by uid in the final stage:\n\n"
        "```dockerfile\nRUN useradd --uid 10001 --no-create-home app\nUSER 10001:10001\n```"
    ),
    references=("https://docs.docker.com/build/building/best-practices/#user",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """The config User, resolved through the image's /etc/passwd, is not uid 0. An empty User runs as root;
    a name (other than `root`) that cannot be resolved is not assessed."""
    facts = image_facts(res)
    user = facts.get("user")
    if not isinstance(user, dict):
        raise NotAssessed("the image's user facts are missing")
    raw = str(user.get("raw") or "")
    name = user.get("name")
    uid = user.get("uid")
    if name == "root":
        uid = 0
    if uid is None:
        raise NotAssessed(f"User {raw!r} cannot be resolved to a uid ({user.get('source')})")
    if uid != 0:
        return
    if not raw.split(":", 1)[0].strip():
        yield Violation("image config sets no User: the container runs as root (uid 0)", path=("config", "User"),
                        evidence=config_origin(res, ctx.inventory, "USER"))
    elif name and name != "root":
        yield Violation(f"User {raw!r} is uid 0 in the image's /etc/passwd: the container runs as root",
                        path=("config", "User"), evidence="; ".join(
                            p for p in (f"{name} -> uid 0", config_origin(res, ctx.inventory, "USER")) if p))
    else:
        yield Violation(f"User {raw!r} is root (uid 0)", path=("config", "User"),
                        evidence=config_origin(res, ctx.inventory, "USER"))

"""DF017 remote-add-without-checksum."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.dockerfile import DockerfileModel

_URL_RE = re.compile(r"^(?:https?|ftp)://", re.I)
_GIT_RE = re.compile(r"^(?:git@|ssh://|git://)|\.git(?:#|$)|#[^ ]*$", re.I)
_COMMIT_RE = re.compile(r"#(?:[^:]*?)?([0-9a-f]{40}|[0-9a-f]{64})(?::.*)?$", re.I)


@rule(
    code="DF017",
    name="remote-add-without-checksum",
    title="ADD downloads a remote file without a checksum",
    controls=["CONT-SAFE-BUILD"],
    target="dockerfile",
    rationale=(
        "`ADD https://...` takes whatever the server returns: a changed, truncated or tampered file ends up in "
        "the image without any check. `ADD --checksum` (or a git source pinned to a commit) makes the build "
        "fail instead."
    ),
    remediation=(
        "Pin the download with its digest, or a git source to a full commit id:\n\n"
        "```dockerfile\nADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d \\\n"
        "    https://example.com/tool-1.2.3.tar.gz /tmp/\n"
        "ADD https://github.com/org/repo.git#3f4e1b2c5d6a7980b1c2d3e4f5a6b7c8d9e0f1a2 /src\n```"
    ),
    references=("https://docs.docker.com/reference/dockerfile/#add---checksum",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """Every ADD of an http(s)/ftp URL in any stage carries --checksum=<algo>:<digest>; every ADD of a git
    repository names a full commit id (or carries --checksum)."""
    model: DockerfileModel = res.data
    for idx, inst in enumerate(model.instructions):
        if inst.cmd != "ADD" or inst.heredocs or "checksum" in inst.flags:
            continue
        args = list(inst.json_args) if inst.json_args is not None else inst.args.split()
        for src in args[:-1]:
            is_url = bool(_URL_RE.match(src))
            is_git = src.lower().startswith(("git@", "git://", "ssh://")) or (is_url and bool(_GIT_RE.search(src)))
            if is_git:
                if not _COMMIT_RE.search(src):
                    yield Violation(f"ADD of git repository {src} is not pinned to a commit id",
                                    line=inst.line, path=("instructions", idx))
            elif is_url:
                yield Violation(f"ADD downloads {src} without --checksum", line=inst.line, path=("instructions", idx))

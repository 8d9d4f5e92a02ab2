"""DF016 add-used-for-local-files."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.dockerfile import DockerfileModel, Instruction

_ARCHIVE_RE = re.compile(r"\.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst|tzst|tar\.lz|tar\.lzma|tlz|"
                         r"gz|bz2|xz|zst)$", re.I)
_REMOTE_RE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@)", re.I)


def add_sources(inst: Instruction) -> list[str]:
    args = list(inst.json_args) if inst.json_args is not None else inst.args.split()
    return args[:-1] if len(args) >= 2 else []


@rule(
    code="DF016",
    name="add-used-for-local-files",
    title="ADD is used to copy local files",
    controls=["CONT-SAFE-BUILD"],
    target="dockerfile",
    rationale=(
        "ADD silently unpacks archives and fetches URLs; used for plain local files it hides what the step "
        "really does and surprises reviewers. COPY does only what it says (hadolint DL3020, checkov "
        "CKV_DOCKER_4)."
    ),
    remediation=(
        "Use COPY for local files and directories (keep ADD for local tar archives you want unpacked):\n\n"
        "```dockerfile\nCOPY requirements.txt app/ /srv/\n```"
    ),
    references=("https://github.com/hadolint/hadolint/wiki/DL3020",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """Every ADD in any stage has a remote source (URL or git) or a local archive it unpacks; ADD of plain
    local files or directories should be COPY. Sources given through variables are not judged."""
    model: DockerfileModel = res.data
    for idx, inst in enumerate(model.instructions):
        if inst.cmd != "ADD" or inst.heredocs:
            continue
        srcs = add_sources(inst)
        local = [s for s in srcs if not _REMOTE_RE.match(s) and "$" not in s and not _ARCHIVE_RE.search(s)]
        if local and len(local) == len(srcs):
            yield Violation(
                f"ADD copies local files ({', '.join(local[:4])}); use COPY",
                line=inst.line,
                path=("instructions", idx),
            )

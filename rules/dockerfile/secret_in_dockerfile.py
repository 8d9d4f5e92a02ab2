"""DF012 secret-in-dockerfile."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.dockerfile import DockerfileModel, effective, env_pairs
from auditor.secrets import find_secret, find_secrets_in_text, secret_name

_HEX_RE = re.compile(r"[0-9A-Fa-f]{16,}")
# NAME=value in shell text: inline environment (`PGPASSWORD=x psql`) and exports
_SHELL_ASSIGN_RE = re.compile(r"(?:^|[\s;&|(])(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|'[^']*'|[^\s;&|)]+)")


@rule(
    code="DF012",
    name="secret-in-dockerfile",
    title="Dockerfile hard-codes a secret",
    controls=["CONT-NO-SECRETS-IN-IMAGE"],
    target="dockerfile",
    rationale=(
        "A token, password or key written into ENV, ARG, LABEL or a RUN command is stored in the image "
        "config or its history (`docker history`, `docker inspect`) and in the repository: anyone who can "
        "pull the image or read the code has it, and it cannot be rotated away from published layers."
    ),
    remediation=(
        "Pass secrets at build time with a BuildKit secret mount and at run time from a secret store:\n\n"
        "```dockerfile\nRUN --mount=type=secret,id=hf_token \\\n"
        "    HF_TOKEN=$(cat /run/secrets/hf_token) python download_model.py\n```\n\n"
        "Rotate any secret that was committed."
    ),
    references=("https://docs.docker.com/build/building/secrets/",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """No ENV, ARG or LABEL in any stage holds a secret-looking literal (a known token format, a
    private key, or a literal value of a secret-named variable such as DB_PASSWORD), and no RUN command or
    heredoc carries a known token format, a password or credentials in a URL, or sets a secret-named
    variable inline (`PGPASSWORD=... psql`, `export API_KEY=...`). Values are never shown:
    findings carry only the kind and length of what was found."""
    model: DockerfileModel = res.data
    for idx, written in enumerate(model.instructions):
        inst = effective(written)
        if inst.cmd in ("ENV", "ARG", "LABEL"):
            for name, value in env_pairs(inst):
                hit = find_secret(name if inst.cmd != "LABEL" else None, value)
                if hit is None and inst.cmd == "LABEL":
                    hits = find_secrets_in_text(value)
                    hit = hits[0] if hits else None
                if hit is not None:
                    yield Violation(
                        f"{inst.cmd} {name} holds a secret: {hit.masked}",
                        line=inst.line,
                        path=("instructions", idx),
                        evidence=f"{inst.cmd} {name}={hit.masked}",
                    )
        elif inst.cmd in ("RUN", "COPY", "ADD"):
            text = "\n".join([inst.args, *inst.heredocs]) if inst.cmd == "RUN" else "\n".join(inst.heredocs)
            seen: set[str] = set()
            for hit in find_secrets_in_text(text):
                if hit.kind in seen:
                    continue
                seen.add(hit.kind)
                yield Violation(
                    f"{inst.cmd} on line {inst.line} contains a secret: {hit.masked}",
                    line=inst.line,
                    path=("instructions", idx),
                    evidence=hit.masked,
                )
            if inst.cmd == "RUN":
                for am in _SHELL_ASSIGN_RE.finditer(text):
                    name, value = am.group(1), am.group(2).strip("\"'")
                    # `key=<fingerprint>` loops and checksums are everywhere in official images
                    if not secret_name(name) or name.lower() in ("key", "keys") or _HEX_RE.fullmatch(value):
                        continue
                    h = find_secret(name, value)
                    if h is not None and h.kind not in seen:
                        seen.add(h.kind)
                        yield Violation(
                            f"RUN on line {inst.line} sets {name} to a secret: {h.masked}",
                            line=inst.line,
                            path=("instructions", idx),
                            evidence=h.masked,
                        )
            else:
                for body in inst.heredocs:
                    for ln in body.splitlines():
                        name, eq, value = ln.strip().removeprefix("export ").partition("=")
                        if not eq or " " in name.strip():
                            continue
                        h = find_secret(name.strip(), value.strip().strip("\"'"))
                        if h is not None and h.kind not in seen:
                            seen.add(h.kind)
                            yield Violation(
                                f"{inst.cmd} heredoc writes {name.strip()} with a secret: {h.masked}",
                                line=inst.line,
                                path=("instructions", idx),
                                evidence=h.masked,
                            )

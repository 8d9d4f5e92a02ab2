"""DF015 remote-script-piped-to-shell."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.dockerfile import SHELLS, DockerfileModel, ShellCommand, commands, effective

_FETCHERS = {"curl", "wget", "fetch", "http", "aria2c"}
_INTERPRETERS = set(SHELLS) | {"python", "python2", "python3", "perl", "ruby", "node", "php", "pwsh", "powershell",
                               "iex", "source", "."}
_PASS_THROUGH = {"tee", "cat", "dos2unix", "tr", "sed"}
_SUBST_RE = re.compile(r"(?:\$\(|<\(|`)\s*(?:\S*/)?(curl|wget|fetch)\b")


def _interpreter(c: ShellCommand) -> bool:
    n = c.name
    return n in _INTERPRETERS or bool(re.fullmatch(r"python\d(\.\d+)?", n))


def piped_fetches(cmds: list[ShellCommand]) -> list[str]:
    """`curl ... | sh`-style pipelines and `sh -c "$(curl ...)"` / `bash <(curl ...)` in a command list."""
    found: list[str] = []
    for i, c in enumerate(cmds):
        if c.name in _FETCHERS and c.op == "|":
            j = i + 1
            while j < len(cmds) and cmds[j].name in _PASS_THROUGH and cmds[j - 1].op == "|" and cmds[j].op == "|":
                j += 1
            if j < len(cmds) and cmds[j - 1].op == "|" and _interpreter(cmds[j]):
                found.append(f"{c.name} | {cmds[j].name}")
        elif (_interpreter(c) or c.name == "eval") and any(_SUBST_RE.search(a) for a in c.argv[1:]):
            m = next(_SUBST_RE.search(a) for a in c.argv[1:] if _SUBST_RE.search(a))
            assert m is not None
            found.append(f"{c.name} runs the output of {m.group(1)}")
    return found


@rule(
    code="DF015",
    name="remote-script-piped-to-shell",
    title="Build pipes a downloaded script straight into a shell",
    controls=["CONT-SAFE-BUILD"],
    target="dockerfile",
    rationale=(
        "`curl https://... | sh` runs whatever the server returns at build time, unverified: a compromised or "
        "hijacked host, a truncated download or a changed script lands in your image with build-time "
        "privileges and secrets in reach."
    ),
    remediation=(
        "Download to a file, verify its checksum or signature, then run it:\n\n"
        "```dockerfile\nRUN curl -fsSLo /tmp/install.sh https://example.com/install-1.2.3.sh \\\n"
        " && echo \"<sha256>  /tmp/install.sh\" | sha256sum -c - \\\n && sh /tmp/install.sh && rm /tmp/install.sh\n```"
    ),
    references=("https://docs.docker.com/build/building/best-practices/#add-or-copy",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """No RUN in any stage (shell form, exec form with `sh -c`, or a shell heredoc) pipes curl/wget output
    into a shell or interpreter (`curl ... | bash`, `wget -O- ... | sudo sh -s --`, `... | python3`), or
    runs it through command or process substitution (`sh -c "$(curl ...)"`, `bash <(curl ...)`)."""
    model: DockerfileModel = res.data
    for idx, written in enumerate(model.instructions):
        inst = effective(written)
        if inst.cmd != "RUN":
            continue
        found = piped_fetches(commands(inst))
        if found:
            yield Violation(
                f"RUN executes a downloaded script without verifying it ({'; '.join(dict.fromkeys(found))})",
                line=inst.line,
                path=("instructions", idx),
            )

"""IMG003 image-contains-secret."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.images.judge import image_facts, layer_note, with_origin
from auditor.secrets import find_secret, token_kind

# `RUN` history entries of builds with ARGs start with `|N NAME=value ... /bin/sh -c`
_ARGS_RE = re.compile(r"^(?:RUN\s+)?\|\d+\s+(.*?)\s+(?:/bin/sh|/bin/bash|sh)\s+-c\b")
_ARG_PAIR_RE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(\S+)")


@rule(
    code="IMG003",
    name="image-contains-secret",
    title="Image contains a secret",
    controls=["CONT-NO-SECRETS-IN-IMAGE"],
    target="image",
    kinds=["Image"],
    rationale=(
        "Anyone who can pull an image can read every layer of it: config Env, labels, build-argument history "
        "and every file of every layer, including files a later layer deleted. A key baked into an image "
        "leaks to every registry, cache and laptop it reaches and cannot be rotated by rebuilding alone."
    ),
    remediation=(
        "Rotate the secret, then pass secrets at run time (environment from a secret store, mounted files) "
        "and use build secrets instead of ARG/COPY for build-time credentials:\n\n"
        "```dockerfile\nRUN --mount=type=secret,id=pip_token \\\n"
        "    PIP_INDEX_URL=\"https://$(cat /run/secrets/pip_token)@pypi.example/simple\" pip install -r req.txt\n```"
    ),
    references=("https://docs.docker.com/build/building/secrets/",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """Config Env values and Labels, build arguments recorded in the history, and files in any layer (those
    a later layer deleted included) hold no secret. Values are judged with auditor.secrets and never shown."""
    facts = image_facts(res)
    config = facts.get("config") or {}
    for i, item in enumerate(config.get("Env") or []):
        name, _, value = str(item).partition("=")
        hit = find_secret(name, value)
        if hit:
            yield Violation(f"Env {name} holds a {hit.kind}", path=("config", "Env", i), evidence=hit.masked)
    for key, value in sorted((config.get("Labels") or {}).items()):
        hit = find_secret(key, value)
        if hit:
            yield Violation(f"label {key} holds a {hit.kind}", path=("config", "Labels", key), evidence=hit.masked)
    for h in facts.get("history") or []:
        created_by = str(h.get("created_by") or "")
        m = _ARGS_RE.match(created_by)
        reported = False
        if m:
            for name, value in _ARG_PAIR_RE.findall(m.group(1)):
                hit = find_secret(name, value)
                if hit:
                    reported = True
                    yield Violation(f"build argument {name} holds a {hit.kind}, recorded in the image history "
                                    f"of {layer_note(facts, h.get('layer'))}", path=("history",),
                                    evidence=with_origin(hit.masked, res, ctx.inventory, facts, h.get("layer")))
        kind = token_kind(created_by)
        if kind and not reported:
            yield Violation(f"the image history records a {kind} in the command of {layer_note(facts, h.get('layer'))}",
                            path=("history",),
                            evidence=with_origin(f"<redacted {kind}>", res, ctx.inventory, facts, h.get("layer")))
    for f in facts.get("secret_files") or []:
        where = layer_note(facts, f.get("layer"))
        if f.get("in_final_filesystem"):
            msg = f"{f.get('kind')} in /{f.get('path')}, added by {where}"
        else:
            msg = (f"{f.get('kind')} in /{f.get('path')}, added by {where} and deleted or replaced later: "
                   "still readable in that layer")
        yield Violation(msg, path=("secret_files",),
                        evidence=with_origin(f"<redacted {f.get('kind')}>", res, ctx.inventory, facts, f.get("layer")))

"""Differential test: our Dockerfile parser against dockerfile-parse (the owner's dependency) as an
independent oracle, on every real Dockerfile of the shared corpus that both can read.

dockerfile-parse does not know BuildKit heredocs, the `# escape=` directive or `${VAR:-default}`, which
is why auditor has its own parser; on everything else the two must agree on every instruction, its
start line and its arguments.
"""

from __future__ import annotations

import io

import pytest
from dockerfile_parse import DockerfileParser

from auditor.dockerfile import DockerfileError, parse
from tests.conftest import SHARED

CORPUS = SHARED / "corpus" / "docker"


def _comparable() -> list[tuple[str, str]]:
    out = []
    if not CORPUS.is_dir():
        return out
    for p in sorted(CORPUS.rglob("*")):
        if not p.is_file() or p.name == "README.md":
            continue
        text = p.read_text(encoding="utf-8", errors="replace")
        if "<<" in text or "escape=" in text:
            continue  # heredocs and escape directives: outside dockerfile-parse's grammar
        out.append((str(p.relative_to(CORPUS)), text))
    return out


CASES = _comparable()


@pytest.mark.skipif(not CASES, reason="../shared/corpus is not beside this checkout")
def test_instructions_lines_and_arguments_agree_with_dockerfile_parse() -> None:
    compared = 0
    for name, text in CASES:
        try:
            model = parse(text, name)
        except DockerfileError:
            continue  # invalid files are input errors for us; dockerfile-parse accepts anything
        theirs = [
            (s["instruction"], s["startline"] + 1, " ".join(s["value"].split()))
            for s in DockerfileParser(fileobj=io.BytesIO(text.encode("utf-8"))).structure
            if s["instruction"] != "COMMENT"
        ]
        ours = [(i.cmd, i.line, " ".join(i.value.split())) for i in model.instructions]
        assert ours == theirs, name
        compared += 1
    assert compared > 400

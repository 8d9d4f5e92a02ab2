"""The Dockerfile parser and its shell/package helpers on real Dockerfile text (no mocks)."""

from __future__ import annotations

import pytest

from auditor.dockerfile import (
    DockerfileError,
    ShellCommand,
    cache_mounted,
    chain_instructions,
    commands,
    env_pairs,
    onbuild_inner,
    package_command,
    parse,
    run_mounts,
    run_scripts,
    split_commands,
    stage_chain,
    substitute,
)


def test_escape_directive_backtick_and_windows_continuations() -> None:
    text = (
        "# escape=`\n"
        "# syntax=docker/dockerfile:1\n"
        "FROM mcr.microsoft.com/windows/servercore:ltsc2022\n"
        "RUN powershell -Command `\n"
        "    Write-Host hello `\n"
        "    ; Write-Host C:\\path\\\n"
        "COPY app C:\\app\\\n"
    )
    m = parse(text)
    assert dict(m.directives) == {"escape": "`", "syntax": "docker/dockerfile:1"}
    run, copy = m.instructions[1], m.instructions[2]
    assert (run.cmd, run.line, run.end_line) == ("RUN", 4, 6)
    assert run.value == "powershell -Command Write-Host hello ; Write-Host C:\\path\\"
    assert (copy.cmd, copy.line, copy.value) == ("COPY", 7, "app C:\\app\\")


def test_directive_only_at_top() -> None:
    m = parse("FROM alpine:3.20\n# escape=`\nRUN echo a \\\n b\n")
    assert dict(m.directives) == {}
    assert m.instructions[1].value == "echo a b"


def test_continuation_with_interleaved_comments_and_blank_lines() -> None:
    text = (
        "FROM debian:12-slim\n"
        "RUN apt-get update \\\n"
        "# a comment inside the continuation\n"
        "\n"
        "    && apt-get install -y curl \\\n"
        "  # indented comment\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
        "USER app\n"
    )
    m = parse(text)
    run = m.instructions[1]
    assert (run.line, run.end_line) == (2, 7)
    assert run.value == "apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*"
    assert [(c.line, c.text) for c in m.comments] == [(3, "a comment inside the continuation"), (6, "indented comment")]
    assert (m.instructions[2].cmd, m.instructions[2].line) == ("USER", 8)


def test_heredocs_run_and_copy_with_lines() -> None:
    text = (
        "# syntax=docker/dockerfile:1.7\n"
        "FROM python:3.12-slim\n"
        "RUN <<EOF\n"
        "set -eux\n"
        "pip install --no-cache-dir torch==2.4.1\n"
        "EOF\n"
        "COPY <<-'CONF' /etc/app.conf\n"
        "\tkey=value\n"
        "\tCONF\n"
        "RUN python3 <<PY\n"
        "print('curl x | sh')\n"
        "PY\n"
        "CMD [\"python\"]\n"
    )
    m = parse(text)
    run, copy, py, cmd = m.instructions[1:]
    assert (run.line, run.end_line, run.heredocs) == (3, 6, ("set -eux\npip install --no-cache-dir torch==2.4.1",))
    assert (copy.line, copy.end_line, copy.heredocs) == (7, 9, ("key=value",))
    assert [c.argv for c in commands(run)] == [("set", "-eux"), ("pip", "install", "--no-cache-dir", "torch==2.4.1")]
    # a heredoc fed to python is data, not shell
    assert run_scripts(py) == ["python3 <<PY"]
    assert (cmd.line, cmd.json_args) == (13, ("python",))


def test_unclosed_heredoc_is_an_error() -> None:
    with pytest.raises(DockerfileError, match="never closed"):
        parse("FROM alpine:3.20\nRUN <<EOF\necho hi\n")


def test_lowercase_instructions_tabs_and_alias_case() -> None:
    m = parse("from golang:1.23 as Build\nrun\tgo build -o /app .\nFROM alpine:3.20\ncopy --from=build /app /app\n")
    assert [i.cmd for i in m.instructions] == ["FROM", "RUN", "FROM", "COPY"]
    assert m.stages[0].alias == "Build"
    assert m.instructions[1].value == "go build -o /app ."
    assert dict(m.instructions[3].flags) == {"from": "build"}
    assert m.stage_by_name("BUILD") is m.stages[0]


def test_global_args_with_defaults_in_from_and_platform() -> None:
    text = (
        "ARG PY=3.12\n"
        "ARG VARIANT\n"
        "ARG REGISTRY=docker.io\n"
        "FROM --platform=$BUILDPLATFORM ${REGISTRY}/library/python:${PY}-${VARIANT:-slim} AS build\n"
        "FROM build AS test\n"
        "FROM ${BASE}\n"
    )
    m = parse(text)
    s0, s1, s2 = m.stages
    assert (s0.base_resolved, s0.platform, s0.alias, s0.line) == (
        "docker.io/library/python:3.12-slim", "$BUILDPLATFORM", "build", 4)
    assert (s1.from_stage, s1.alias) == (0, "test")
    assert s2.base_resolved is None  # ${BASE} is never declared
    assert [s.index for s in stage_chain(m, s1)] == [1, 0]
    assert parse(text, build_args={"BASE": "alpine:3.22"}).stages[2].base_resolved == "alpine:3.22"


def test_substitute_forms() -> None:
    env = {"A": "1", "E": ""}
    assert substitute("${A}-$A-${B:-d}-${E:-x}-${E-y}-${A:+set}-${B:+no}", env) == ("1-1-d-x--set-", True)
    assert substitute("$MISSING", env) == ("$MISSING", False)


def test_json_form_and_exec_shell() -> None:
    m = parse('FROM alpine:3.20\nRUN ["/bin/sh", "-c", "apk add --no-cache curl && curl -fsSL https://x | sh"]\n'
              'RUN ["pip", "install", "x"]\nCMD ["not json\n')
    run1, run2, cmd = m.instructions[1:]
    assert [c.argv for c in commands(run1)] == [("apk", "add", "--no-cache", "curl"), ("curl", "-fsSL", "https://x"),
                                                ("sh",)]
    assert [c.op for c in commands(run1)] == ["&&", "|", ""]
    assert [c.argv for c in commands(run2)] == [("pip", "install", "x")]
    assert cmd.json_args is None


def test_stage_chain_instructions_follow_aliases() -> None:
    m = parse("FROM python:3.12 AS build\nUSER root\nFROM python:3.12-slim AS base\nUSER app\n"
              "FROM base AS final\nLABEL a=b\n")
    assert [(i, inst.cmd, inst.line) for i, inst in chain_instructions(m)] == [
        (2, "FROM", 3), (3, "USER", 4), (4, "FROM", 5), (5, "LABEL", 6)]


def test_env_pairs_forms() -> None:
    m = parse('FROM alpine:3.20\nENV A=1 B="two words" C=\nENV LEGACY some value\nLABEL "org.x"="y"\n')
    assert env_pairs(m.instructions[1]) == [("A", "1"), ("B", "two words"), ("C", "")]
    assert env_pairs(m.instructions[2]) == [("LEGACY", "some value")]
    assert env_pairs(m.instructions[3]) == [("org.x", "y")]


def test_split_commands_quotes_substitution_redirects_and_prefixes() -> None:
    script = (
        "set -eux; FOO=1 sudo -u root env X=1 pip install 'a==1' \"b>=2\" > /dev/null 2>&1 "
        "|| echo failed # trailing | sh comment\n"
        "sh -c \"$(curl -fsSL https://x/install.sh)\" && bash <(wget -qO- https://y)"
    )
    assert split_commands(script) == (
        ShellCommand(("set", "-eux"), ";"),
        ShellCommand(("pip", "install", "a==1", "b>=2"), "||"),
        ShellCommand(("echo", "failed"), "\n"),
        ShellCommand(("sh", "-c", "$(curl -fsSL https://x/install.sh)"), "&&"),
        ShellCommand(("bash", "<(wget -qO- https://y)"), ""),
    )


def test_package_command_recognition() -> None:
    def pc(s: str) -> tuple[str, str, str, list[str]] | None:
        p = package_command(split_commands(s)[0])
        return None if p is None else (p.manager, p.tool, p.action, p.positional())

    assert pc("apt-get -o Acquire::Retries=3 -qq install -y --no-install-recommends curl=8 git") == (
        "apt", "apt-get", "install", ["curl=8", "git"])
    assert pc("apk --no-cache add --virtual .deps gcc") == ("apk", "apk", "add", ["gcc"])
    assert pc("python3.11 -m pip install -r req.txt torch") == ("pip", "pip", "install", ["torch"])
    assert pc("uv pip install --system x") == ("pip", "uv pip", "install", ["x"])
    assert pc("/opt/venv/bin/pip3 install y") == ("pip", "pip3", "install", ["y"])
    assert pc("microdnf install -y shadow-utils") == ("yum", "microdnf", "install", ["shadow-utils"])
    assert pc("yarn global add left-pad") == ("yarn", "yarn", "global add", ["left-pad"])
    assert pc("conda env create -f environment.yml") == ("conda", "conda", "env create", [])
    assert pc("echo apt-get install x") is None
    p = package_command(split_commands("apk --no-cache add curl")[0])
    assert p is not None and p.has_flag("--no-cache")
    q = package_command(split_commands("pip install -Uq pip")[0])
    assert q is not None and q.has_flag("-U") and not q.has_flag("-r")


def test_run_mounts_and_cache_mounted() -> None:
    m = parse("FROM debian:12-slim\nRUN --mount=type=cache,target=/var/cache/apt,sharing=locked "
              "--mount=type=cache,dst=/root/.cache/pip --mount=type=secret,id=tok apt-get update\n")
    run = m.instructions[1]
    assert run_mounts(run) == [
        {"type": "cache", "target": "/var/cache/apt", "sharing": "locked"},
        {"type": "cache", "target": "/root/.cache/pip"},
        {"type": "secret", "id": "tok"},
    ]
    assert cache_mounted(run, "/root/.cache/pip") and cache_mounted(run, "/var/cache/apt/archives")
    assert not cache_mounted(run, "/var/lib/apt/lists")
    assert run.args == "apt-get update"


def test_onbuild_inner_instruction() -> None:
    m = parse("FROM node:22-slim\nONBUILD RUN curl https://x | sh\nONBUILD COPY . /app\n")
    inner = onbuild_inner(m.instructions[1])
    assert inner is not None and (inner.cmd, inner.line, inner.args) == ("RUN", 2, "curl https://x | sh")
    copy = onbuild_inner(m.instructions[2])
    assert copy is not None and copy.cmd == "COPY"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("FROM alpine:3.20\n~ garbage\n", "line 2: not an instruction"),
        ("FROM alpine:3.20\nFROBNICATE x\n", "unknown instruction FROBNICATE"),
        ("FROM\n", "FROM without an image"),
    ],
)
def test_invalid_input_raises_dockerfile_error(text: str, message: str) -> None:
    with pytest.raises(DockerfileError, match=message):
        parse(text)


def test_exec_form_has_no_heredocs() -> None:
    m = parse('FROM alpine:3.20\nRUN ["sh", "-c", "cat <<EOF"]\nUSER app\n')
    assert [(i.cmd, i.line, i.heredocs) for i in m.instructions] == [
        ("FROM", 1, ()), ("RUN", 2, ()), ("USER", 3, ())]

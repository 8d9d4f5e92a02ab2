"""Dockerfile model and parser: instructions with exact lines, stages, ARG substitution.

Handles what BuildKit's frontend handles and naive parsers get wrong: parser directives
(`# escape=`), custom escape characters, continuation lines with interleaved comments, BuildKit
heredocs (`RUN <<EOF`), JSON (exec) form, lowercase instructions, `${VAR:-default}` substitution
of global ARGs in FROM, and stage aliases referenced by later FROM and `--from`.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field

_DIRECTIVE_RE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9_-]*)\s*=\s*(.*?)\s*$")
_HEREDOC_RE = re.compile(r"<<(-?)\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\2")
_VAR_RE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")
_FLAG_RE = re.compile(r"^--([a-zA-Z-]+)(?:=(\S*))?$")


@dataclass(frozen=True, slots=True)
class Instruction:
    cmd: str  # upper-case instruction, e.g. RUN
    value: str  # arguments as one logical line (continuations joined, comments dropped)
    line: int  # 1-based line of the instruction keyword
    end_line: int
    flags: Mapping[str, str] = field(default_factory=dict)  # --from=build -> {"from": "build"}
    heredocs: tuple[str, ...] = ()  # bodies of BuildKit heredocs
    json_args: tuple[str, ...] | None = None  # exec form, when the value is a JSON array
    stage: int = -1  # index of the stage it belongs to (-1 before the first FROM)

    @property
    def args(self) -> str:
        """The value without leading --flags."""
        rest = self.value
        while rest.startswith("--"):
            parts = rest.split(None, 1)
            rest = parts[1] if len(parts) > 1 else ""
        return rest

    @property
    def shell_text(self) -> str:
        """What a RUN executes: the shell string, exec args joined, and heredoc bodies."""
        parts = [" ".join(self.json_args) if self.json_args is not None else self.args]
        parts.extend(self.heredocs)
        return "\n".join(parts)


@dataclass(frozen=True, slots=True)
class Stage:
    index: int
    base: str  # as written
    base_resolved: str | None  # with ARGs substituted; None when a variable stayed unresolved
    alias: str | None
    line: int
    platform: str | None
    instructions: tuple[Instruction, ...]
    from_stage: int | None  # index of an earlier stage used as base

    @property
    def is_scratch(self) -> bool:
        return (self.base_resolved or self.base).lower() == "scratch"


@dataclass(frozen=True, slots=True)
class Comment:
    line: int
    text: str  # without the leading '#'


@dataclass(frozen=True, slots=True)
class DockerfileModel:
    path: str
    directives: Mapping[str, str]
    global_args: Mapping[str, str | None]
    stages: tuple[Stage, ...]
    instructions: tuple[Instruction, ...]
    comments: tuple[Comment, ...]

    @property
    def final_stage(self) -> Stage | None:
        return self.stages[-1] if self.stages else None

    def stage_by_name(self, name: str) -> Stage | None:
        low = name.lower()
        for s in self.stages:
            if s.alias and s.alias.lower() == low:
                return s
        if name.isdigit() and int(name) < len(self.stages):
            return self.stages[int(name)]
        return None


class DockerfileError(ValueError):
    pass


def substitute(text: str, env: Mapping[str, str | None]) -> tuple[str, bool]:
    """Expand $VAR, ${VAR}, ${VAR:-d}, ${VAR-d}, ${VAR:+a}. Returns (text, fully_resolved)."""
    resolved = True

    def repl(m: re.Match[str]) -> str:
        nonlocal resolved
        name = m.group(1) or m.group(4)
        op, word = m.group(2), m.group(3)
        val = env.get(name)
        present = name in env and val is not None
        if op in (":-", "-"):
            if present and (op == "-" or val):
                return str(val)
            return substitute(word or "", env)[0]
        if op in (":+", "+"):
            return substitute(word or "", env)[0] if present and (op == "+" or val) else ""
        if not present:
            resolved = False
            return m.group(0)
        return str(val)

    out = _VAR_RE.sub(repl, text)
    return out, resolved


def _split_flags(value: str) -> tuple[dict[str, str], str]:
    flags: dict[str, str] = {}
    rest = value.strip()
    while rest.startswith("--"):
        parts = rest.split(None, 1)
        m = _FLAG_RE.match(parts[0])
        if not m:
            break
        flags[m.group(1).lower()] = m.group(2) if m.group(2) is not None else "true"
        rest = parts[1] if len(parts) > 1 else ""
    return flags, rest


def parse(text: str, path: str = "Dockerfile", build_args: Mapping[str, str] | None = None) -> DockerfileModel:
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.splitlines()
    directives: dict[str, str] = {}
    comments: list[Comment] = []
    escape = "\\"
    i = 0
    # parser directives: only at the very top, before any blank line, comment or instruction
    while i < len(lines):
        m = _DIRECTIVE_RE.match(lines[i].strip())
        if not m or m.group(1).lower() in directives:
            break
        directives[m.group(1).lower()] = m.group(2)
        comments.append(Comment(i + 1, lines[i].strip()[1:].strip()))
        i += 1
    if directives.get("escape") in ("`", "\\"):
        escape = directives["escape"]

    raw: list[tuple[str, str, int, int, tuple[str, ...]]] = []
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            i += 1
            continue
        if stripped.startswith("#"):
            comments.append(Comment(i + 1, stripped[1:].strip()))
            i += 1
            continue
        start = i
        parts: list[str] = []
        cur = line.rstrip()
        while True:
            if cur.endswith(escape):
                parts.append(cur[: -len(escape)])
                i += 1
                # skip comment and empty lines inside a continuation
                while i < len(lines) and (not lines[i].strip() or lines[i].strip().startswith("#")):
                    if lines[i].strip().startswith("#"):
                        comments.append(Comment(i + 1, lines[i].strip()[1:].strip()))
                    i += 1
                if i >= len(lines):
                    break
                cur = lines[i].rstrip()
            else:
                parts.append(cur)
                break
        logical = " ".join(p.strip() for p in parts if p.strip())
        end = i
        i += 1
        pieces = logical.split(None, 1)
        word, value = (pieces[0], pieces[1] if len(pieces) > 1 else "") if pieces else ("", "")
        if not word or not re.match(r"^[A-Za-z]+$", word):
            # never echo the text itself: a stray line may be a secret
            raise DockerfileError(f"line {start + 1}: not an instruction (expected a keyword such as RUN)")
        cmd = word.upper()
        heredocs: list[str] = []
        if cmd in ("RUN", "COPY", "ADD") and "<<" in value:
            for hm in _HEREDOC_RE.finditer(value):
                strip_tabs, delim = hm.group(1) == "-", hm.group(3)
                body: list[str] = []
                while i < len(lines):
                    candidate = lines[i].lstrip("\t") if strip_tabs else lines[i]
                    i += 1
                    if candidate.strip() == delim:
                        break
                    body.append(candidate)
                else:
                    raise DockerfileError(f"line {start + 1}: heredoc <<{delim} is never closed")
                heredocs.append("\n".join(body))
            end = i - 1
        raw.append((cmd, value.strip(), start + 1, end + 1, tuple(heredocs)))

    known = {
        "FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT",
        "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
    }
    global_args: dict[str, str | None] = {}
    if build_args:
        global_args.update(build_args)
    stages: list[Stage] = []
    instructions: list[Instruction] = []
    current: list[Instruction] = []
    pending_stage: tuple[str, str | None, str | None, int, str | None, int | None] | None = None

    def close_stage() -> None:
        if pending_stage is not None:
            base, resolved, alias, line, platform, from_stage = pending_stage
            stages.append(Stage(len(stages), base, resolved, alias, line, platform, tuple(current), from_stage))

    for cmd, value, line, end, heredocs in raw:
        if cmd not in known:
            shown = cmd if len(cmd) <= 12 else cmd[:12] + "..."
            raise DockerfileError(f"line {line}: unknown instruction {shown}")
        flags, rest = _split_flags(value) if cmd in ("FROM", "RUN", "COPY", "ADD", "HEALTHCHECK") else ({}, value)
        json_args: tuple[str, ...] | None = None
        if cmd in ("RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "VOLUME") and rest.startswith("["):
            try:
                parsed = json.loads(rest)
                if isinstance(parsed, list) and all(isinstance(x, str) for x in parsed):
                    json_args = tuple(parsed)
            except ValueError:
                json_args = None
        if cmd == "FROM":
            close_stage()
            current = []
            words = rest.split()
            if not words:
                raise DockerfileError(f"line {line}: FROM without an image")
            base = words[0]
            alias = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
            resolved_text, ok = substitute(base, {k: v for k, v in global_args.items()})
            from_stage = None
            for s in stages:
                if s.alias and s.alias.lower() == resolved_text.lower():
                    from_stage = s.index
            pending_stage = (base, resolved_text if ok else None, alias, line, flags.get("platform"), from_stage)
            inst = Instruction(cmd, value, line, end, flags, heredocs, json_args, len(stages))
            instructions.append(inst)
            current.append(inst)
            continue
        if cmd == "ARG" and pending_stage is None:
            for token in _arg_tokens(rest):
                name, eq, default = token.partition("=")
                if name not in global_args or global_args[name] is None:
                    global_args[name] = _unquote(default) if eq else global_args.get(name)
        inst = Instruction(cmd, value, line, end, flags, heredocs, json_args, len(stages) if pending_stage else -1)
        instructions.append(inst)
        if pending_stage is not None:
            current.append(inst)
    close_stage()
    return DockerfileModel(path, directives, global_args, tuple(stages), tuple(instructions), tuple(comments))


def _unquote(s: str) -> str:
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"":
        return s[1:-1]
    return s


def _arg_tokens(rest: str) -> list[str]:
    try:
        return shlex.split(rest, posix=False)
    except ValueError:
        return rest.split()


def env_pairs(inst: Instruction) -> list[tuple[str, str]]:
    """ENV/LABEL/ARG key-value pairs: `K=V K2="V 2"` and the legacy `ENV K V` form."""
    rest = inst.args.strip()
    if not rest:
        return []
    try:
        tokens = shlex.split(rest, posix=True)
    except ValueError:
        tokens = rest.split()
    if inst.cmd in ("ENV", "LABEL") and tokens and "=" not in tokens[0]:
        return [(tokens[0], " ".join(tokens[1:]))]
    pairs = []
    for t in tokens:
        k, eq, v = t.partition("=")
        pairs.append((k, v if eq else ""))
    return pairs

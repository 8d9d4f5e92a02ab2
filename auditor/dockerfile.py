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
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

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
        text_line = lines[i]
        stripped = text_line.strip()
        if not stripped:
            i += 1
            continue
        if stripped.startswith("#"):
            comments.append(Comment(i + 1, stripped[1:].strip()))
            i += 1
            continue
        start = i
        parts: list[str] = []
        cur = text_line.rstrip()
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
        bodies: list[str] = []
        if cmd in ("RUN", "COPY", "ADD") and "<<" in value and not _split_flags(value)[1].startswith("["):
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
                bodies.append("\n".join(body))
            end = i - 1
        raw.append((cmd, value.strip(), start + 1, end + 1, tuple(bodies)))

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
                    if eq:
                        # a default may use the ARGs declared before it (ARG BASE=nvidia/cuda:${CUDA_VERSION}-...)
                        expanded, ok = substitute(_unquote(default), global_args)
                        global_args[name] = expanded if ok else None
                    else:
                        global_args[name] = global_args.get(name)
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
    return list(_env_pairs(inst.cmd, inst.args.strip()))


@lru_cache(maxsize=8192)
def _env_pairs(cmd: str, rest: str) -> tuple[tuple[str, str], ...]:
    return tuple(_env_pairs_uncached(cmd, rest))


def _env_pairs_uncached(cmd: str, rest: str) -> list[tuple[str, str]]:
    if not rest:
        return []
    try:
        tokens = shlex.split(rest, posix=True)
    except ValueError:
        tokens = rest.split()
    if cmd in ("ENV", "LABEL") and tokens and "=" not in tokens[0]:
        return [(tokens[0], " ".join(tokens[1:]))]
    pairs = []
    for t in tokens:
        k, eq, v = t.partition("=")
        pairs.append((k, v if eq else ""))
    return pairs


# --- stages: which stages reach the final image ---------------------------------------------------


def stage_chain(model: DockerfileModel, stage: Stage | None = None) -> list[Stage]:
    """`stage` (default: the final one) followed by the earlier stages it is built FROM, nearest first.

    Their instructions all end up in the image `stage` produces; the last element names the real
    base image (or `scratch`)."""
    chain: list[Stage] = []
    cur = stage if stage is not None else model.final_stage
    while cur is not None and cur not in chain:
        chain.append(cur)
        cur = model.stages[cur.from_stage] if cur.from_stage is not None else None
    return chain


def chain_instructions(model: DockerfileModel, stage: Stage | None = None) -> list[tuple[int, Instruction]]:
    """(index in model.instructions, instruction) of every instruction that builds `stage`'s image,
    oldest first (base stages before the stage itself)."""
    wanted = {s.index for s in stage_chain(model, stage)}
    return [(i, inst) for i, inst in enumerate(model.instructions) if inst.stage in wanted]


def stage_label(stage: Stage) -> str:
    return f"stage {stage.index}" + (f" ({stage.alias})" if stage.alias else "")


# --- shell: what a RUN executes, split into simple commands ------------------------------------

SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh", "mksh", "busybox"})
_PREFIX_WORDS = frozenset({"then", "do", "else", "elif", "if", "while", "until", "!", "time", "exec", "command",
                           "builtin", "nohup", "{", "}", "(", ")"})
_ASSIGN_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=")
_REDIRECT_RE = re.compile(r"^(?:\d*|&)(?:>>?|<<?-?|<>|>&|<&|>\|)(?!\()")


@dataclass(frozen=True, slots=True)
class ShellCommand:
    """One simple command of a shell script: its words (quotes removed; `$(...)` kept verbatim) and
    the operator that follows it (`|`, `&&`, `||`, `;`, `&`, newline or end)."""

    argv: tuple[str, ...]
    op: str

    @property
    def name(self) -> str:
        return self.argv[0].rsplit("/", 1)[-1] if self.argv else ""


def run_scripts(inst: Instruction) -> list[str]:
    """The shell scripts a RUN executes: the shell form, `sh -c` of the exec form, and heredoc bodies
    fed to a shell (a heredoc for `python3 <<EOF` or `cat <<EOF >file` is data, not shell)."""
    if inst.json_args is not None:
        args = list(inst.json_args)
        if args and args[0].rsplit("/", 1)[-1] in SHELLS:
            k = next((j for j, a in enumerate(args[1:], 1) if re.fullmatch(r"-[a-z]*c[a-z]*", a)), None)
            if k is not None:
                return [args[k + 1]] if k + 1 < len(args) else []
        return [" ".join(shlex.quote(a) for a in args)]
    scripts = [inst.args]
    if inst.heredocs:
        head = _HEREDOC_RE.sub(" ", inst.args).split()
        words = [w for w in head if not w.startswith("-") and not _REDIRECT_RE.match(w)]
        shell_fed = not words or words[0].rsplit("/", 1)[-1] in SHELLS
        for body in inst.heredocs:
            first = body.lstrip().split("\n", 1)[0]
            if first.startswith("#!"):
                if first.split("/")[-1].split()[-1] in SHELLS or first.rstrip().endswith(tuple(SHELLS)):
                    scripts.append(body)
            elif shell_fed:
                scripts.append(body)
    return scripts


def split_commands(script: str) -> tuple[ShellCommand, ...]:
    """Split shell text into simple commands: quotes, escapes, comments, `$(...)`, backticks,
    pipes and lists handled; redirections, variable assignments and `sudo`/`env` prefixes dropped."""
    return _split_cached(script)


@lru_cache(maxsize=4096)
def _split_cached(script: str) -> tuple[ShellCommand, ...]:
    text = script.replace("\\\r\n", " ").replace("\\\n", " ")
    out: list[ShellCommand] = []
    words: list[str] = []
    cur: list[str] = []
    in_word = False
    i, n = 0, len(text)

    def end_word() -> None:
        nonlocal in_word
        if in_word:
            words.append("".join(cur))
            cur.clear()
            in_word = False

    def end_cmd(op: str) -> None:
        end_word()
        argv = _clean_argv(words)
        if argv:
            out.append(ShellCommand(tuple(argv), op))
        elif out and op in ("|", "&&", "||") and out[-1].op in ("\n", ""):
            pass
        words.clear()

    while i < n:
        c = text[i]
        if c in " \t\r":
            end_word()
        elif c == "\n" or c == ";":
            end_cmd("\n" if c == "\n" else ";")
        elif c == "&":
            if text.startswith("&&", i):
                end_cmd("&&")
                i += 1
            elif in_word and cur and cur[-1] in "<>" or text.startswith("&>", i):
                cur.append(c)
                in_word = True
            else:
                end_cmd("&")
        elif c == "|":
            if text.startswith("||", i):
                end_cmd("||")
                i += 1
            elif in_word and cur and cur[-1] == ">":
                cur.append(c)
            else:
                end_cmd("|")
        elif c == "#" and not in_word:
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        elif c == "'":
            j = text.find("'", i + 1)
            j = n if j < 0 else j
            cur.append(text[i + 1 : j])
            in_word = True
            i = j
        elif c == '"':
            j = i + 1
            buf: list[str] = []
            while j < n and text[j] != '"':
                if text[j] == "\\" and j + 1 < n and text[j + 1] in '"\\$`':
                    buf.append(text[j + 1])
                    j += 2
                    continue
                buf.append(text[j])
                j += 1
            cur.append("".join(buf))
            in_word = True
            i = j
        elif c == "\\":
            if i + 1 < n:
                cur.append(text[i + 1])
                in_word = True
            i += 1
        elif c in "$<>" and text.startswith("(", i + 1):
            j = _balanced(text, i + 1)
            cur.append(text[i:j])
            in_word = True
            i = j - 1
        elif c == "`":
            j = text.find("`", i + 1)
            j = n if j < 0 else j + 1
            cur.append(text[i:j])
            in_word = True
            i = j - 1
        elif c in "()" and not in_word:
            end_cmd(";")
        else:
            cur.append(c)
            in_word = True
        i += 1
    end_cmd("")
    return tuple(out)


def _balanced(text: str, start: int) -> int:
    """Index just past the `)` matching the `(` at `start`."""
    depth = 0
    i = start
    while i < len(text):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        elif ch in "'\"":
            j = text.find(ch, i + 1)
            i = len(text) if j < 0 else j
        i += 1
    return len(text)


def _clean_argv(words: list[str]) -> list[str]:
    argv: list[str] = []
    skip_next = False
    for w in words:
        if skip_next:
            skip_next = False
            continue
        m = _REDIRECT_RE.match(w)
        if m:
            skip_next = m.end() == len(w)
            continue
        argv.append(w)
    # leading keywords, assignments and wrappers
    k = 0
    while k < len(argv):
        w = argv[k]
        base = w.rsplit("/", 1)[-1]
        if w in _PREFIX_WORDS or _ASSIGN_RE.match(w):
            k += 1
        elif base in ("sudo", "doas", "env", "nice", "stdbuf", "su-exec", "gosu", "chroot", "xargs", "timeout"):
            k += 1
            takes_value = {"sudo": "ugCghprtUD", "env": "uSC", "xargs": "nILPdasE", "nice": "n",
                           "stdbuf": "ioe", "timeout": "sk"}.get(base, "")
            while k < len(argv) and (argv[k].startswith("-") or _ASSIGN_RE.match(argv[k])):
                flag = argv[k]
                k += 1
                if len(flag) == 2 and flag[1] in takes_value and k < len(argv):
                    k += 1
            if base in ("su-exec", "gosu", "chroot") and k < len(argv):
                k += 1  # the user / new root
            if base == "timeout" and k < len(argv):
                k += 1  # the duration
        else:
            break
    return argv[k:]


def commands(inst: Instruction) -> list[ShellCommand]:
    """Every simple command a RUN instruction executes (empty for other instructions)."""
    if inst.cmd != "RUN":
        return []
    return list(_commands_cached(inst.value, inst.heredocs, inst.json_args))


@lru_cache(maxsize=8192)
def _commands_cached(value: str, heredocs: tuple[str, ...], json_args: tuple[str, ...] | None) -> tuple[ShellCommand, ...]:
    # keyed by the text (str hashes are cached), not by the Instruction (a dataclass hash over every field)
    inst = Instruction("RUN", value, 0, 0, {}, heredocs, json_args)
    out: list[ShellCommand] = []
    for script in run_scripts(inst):
        out.extend(split_commands(script))
    return tuple(out)


# --- package managers -----------------------------------------------------------------------------

_PY_RE = re.compile(r"^python(\d+(\.\d+)?)?$")
_PIP_RE = re.compile(r"^pip(\d+(\.\d+)?)?$")
# options that take a separate value, per manager (so the value is not read as a package name)
_VALUE_OPTS: dict[str, frozenset[str]] = {
    "apt": frozenset({"-o", "-c", "-t", "--target-release", "--default-release", "--option", "--config-file"}),
    "apk": frozenset({"-t", "--virtual", "-X", "--repository", "-p", "--root", "--arch", "--keys-dir",
                      "--repositories-file", "--cache-dir"}),
    "yum": frozenset({"-c", "--config", "--installroot", "--releasever", "--enablerepo", "--disablerepo",
                      "--setopt", "-x", "--exclude", "--repo", "--repoid", "--nodocs-x", "-d", "-e", "--forcearch"}),
    "zypper": frozenset({"-r", "--repo", "--from", "-t", "--type"}),
    "pip": frozenset({"-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url",
                      "--extra-index-url", "-f", "--find-links", "-t", "--target", "--prefix", "--root",
                      "--platform", "--python-version", "--implementation", "--abi", "--trusted-host",
                      "--cache-dir", "--src", "--upgrade-strategy", "--progress-bar", "--log", "--proxy",
                      "--timeout", "--retries", "--only-binary", "--no-binary", "-C", "--config-settings",
                      "--global-option", "--install-option", "--python", "--report", "--root-user-action",
                      "--exists-action", "--index-strategy", "--resolution", "-p", "--group", "--extra",
                      "--keyring-provider", "--prerelease", "--exclude-newer", "--override", "-o", "--output-file",
                      "--default-index", "--index"}),
    "npm": frozenset({"--prefix", "--registry", "--cache", "--userconfig", "--tag", "-w", "--workspace",
                      "--omit", "--include", "--loglevel", "--cwd", "--modules-folder", "--network-timeout",
                      "--filter", "--dir", "-C"}),
    "gem": frozenset({"-v", "--version", "-i", "--install-dir", "-n", "--bindir", "--source", "-s", "--platform",
                      "-P", "--trust-policy", "--build-root", "--document"}),
    "conda": frozenset({"-n", "--name", "-p", "--prefix", "-c", "--channel", "--override-channels", "-f", "--file",
                        "--repodata-fn", "--experimental-solver", "--solver", "-r", "--root-prefix"}),
    "cargo": frozenset({"--version", "--vers", "--git", "--branch", "--tag", "--rev", "--path", "--root",
                        "--index", "--registry", "--features", "-F", "--target", "--profile", "-j", "--jobs",
                        "--bin", "--example", "--target-dir", "--config", "-Z"}),
    "go": frozenset({"-o", "-tags", "-ldflags", "-gcflags", "-mod", "-p", "-modfile", "-C", "-pkgdir",
                     "-asmflags", "-buildmode", "-compiler", "-installsuffix", "-overlay", "-pgo", "-toolexec"}),
}


@dataclass(frozen=True, slots=True)
class PackageCommand:
    """A package-manager invocation: manager family, action and the words after the action."""

    manager: str  # apt | apk | yum | zypper | pip | uv | pipx | npm | yarn | pnpm | gem | conda | cargo | go | poetry | pipenv
    tool: str  # as written: apt-get, dnf, pip3, micromamba...
    action: str  # install, add, update, ...
    args: tuple[str, ...]

    def positional(self) -> list[str]:
        """Arguments that are not options nor values of options."""
        takes = _VALUE_OPTS.get(self.manager if self.manager not in ("uv", "pipx") else "pip", frozenset())
        if self.manager in ("yarn", "pnpm"):
            takes = _VALUE_OPTS["npm"]
        out: list[str] = []
        skip = False
        for a in self.args:
            if skip:
                skip = False
                continue
            if a.startswith("-") and len(a) > 1:
                skip = a in takes
                continue
            out.append(a)
        return out

    def has_flag(self, *names: str) -> bool:
        """Whether one of the given options is present (`--opt` or `--opt=value`, short flags combined)."""
        for a in self.args:
            for name in names:
                if a == name or a.startswith(name + "="):
                    return True
                if len(name) == 2 and name[0] == "-" and a.startswith("-") and not a.startswith("--") \
                        and name[1] in a[1:] and a[1:].isalpha():
                    return True
        return False

    def option_values(self, *names: str) -> list[str]:
        vals: list[str] = []
        for k, a in enumerate(self.args):
            for name in names:
                if a == name and k + 1 < len(self.args):
                    vals.append(self.args[k + 1])
                elif a.startswith(name + "=") and name.startswith("--"):
                    vals.append(a[len(name) + 1 :])
        return vals


def _subcommand(words: tuple[str, ...], value_opts: frozenset[str]) -> tuple[str, tuple[str, ...]] | None:
    """The first non-option word and every other word (options written before it included)."""
    skip = False
    for k, w in enumerate(words):
        if skip:
            skip = False
            continue
        if w.startswith("-"):
            skip = w in value_opts
            continue
        return w, words[:k] + words[k + 1 :]
    return None


@lru_cache(maxsize=16384)
def package_command(cmd: ShellCommand) -> PackageCommand | None:
    """Recognise apt/apk/yum/dnf/zypper/pip/uv/npm/yarn/gem/conda/cargo/go invocations."""
    argv = cmd.argv
    if not argv:
        return None
    name = cmd.name
    rest = argv[1:]
    if _PY_RE.match(name) and len(rest) >= 2 and rest[0] == "-m":
        mod = rest[1]
        name, rest = (mod, rest[2:]) if mod in ("pip", "pipx", "uv", "poetry", "pipenv", "conda") else ("", ())
    manager = None
    if name in ("apt-get", "apt", "aptitude"):
        manager = "apt"
    elif name == "apk":
        manager = "apk"
    elif name in ("yum", "dnf", "microdnf", "tdnf", "dnf5"):
        manager = "yum"
    elif name == "zypper":
        manager = "zypper"
    elif _PIP_RE.match(name):
        manager = "pip"
    elif name == "uv":
        if rest and rest[0] == "pip":
            name, rest = "uv pip", rest[1:]
            manager = "pip"
        else:
            manager = "uv"
    elif name in ("pipx", "npm", "yarn", "pnpm", "gem", "cargo", "go", "poetry", "pipenv"):
        manager = name
    elif name in ("conda", "mamba", "micromamba"):
        manager = "conda"
    if manager is None:
        return None
    found = _subcommand(tuple(rest), _VALUE_OPTS.get(manager if manager != "uv" else "pip", frozenset()))
    if found is None:
        return PackageCommand(manager, name, "", ())
    action, args = found
    if manager == "yarn" and action == "global" and args:
        action, args = "global " + args[0], args[1:]
    if manager == "conda" and action == "env" and args:
        action, args = "env " + args[0], args[1:]
    if manager in ("uv", "pipx") and action == "tool" and args:
        action, args = "tool " + args[0], args[1:]
    return PackageCommand(manager, name, action, tuple(args))


def package_commands(inst: Instruction) -> list[PackageCommand]:
    if inst.cmd != "RUN":
        return []
    return list(_package_commands_cached(inst.value, inst.heredocs, inst.json_args))


@lru_cache(maxsize=8192)
def _package_commands_cached(value: str, heredocs: tuple[str, ...],
                             json_args: tuple[str, ...] | None) -> tuple[PackageCommand, ...]:
    out = []
    for c in _commands_cached(value, heredocs, json_args):
        pc = package_command(c)
        if pc is not None:
            out.append(pc)
    return tuple(out)


def unpinned_installs(
    model: DockerfileModel, unpinned: Callable[[PackageCommand], list[str]]
) -> Iterator[tuple[int, Instruction, PackageCommand, list[str]]]:
    """(index, RUN instruction, install command, packages without a version) for every install in any
    stage that `unpinned` (a rule's own judgement of one package manager's spelling) finds loose."""
    for idx, inst in enumerate(model.instructions):
        if inst.cmd != "RUN":
            continue
        for pc in package_commands(inst):
            loose = unpinned(pc)
            if loose:
                yield idx, inst, pc, loose


def run_mounts(inst: Instruction) -> list[dict[str, str]]:
    """Every `--mount=` of a RUN as key/value pairs (`type` defaults to bind; `dst`/`destination` -> target)."""
    out: list[dict[str, str]] = []
    rest = inst.value.strip()
    while rest.startswith("--"):
        parts = rest.split(None, 1)
        flag = parts[0]
        rest = parts[1] if len(parts) > 1 else ""
        if not flag.lower().startswith("--mount="):
            continue
        spec: dict[str, str] = {"type": "bind"}
        for item in flag[len("--mount="):].split(","):
            k, eq, v = item.partition("=")
            k = k.strip().lower()
            if k in ("dst", "destination"):
                k = "target"
            spec[k] = v.strip().strip("\"'") if eq else "true"
        out.append(spec)
    return out


def cache_mounted(inst: Instruction, *prefixes: str) -> bool:
    """Whether a cache or tmpfs mount covers a path starting with one of `prefixes` (`~` = /root)."""
    for m in run_mounts(inst):
        if m.get("type") not in ("cache", "tmpfs"):
            continue
        target = m.get("target", "").rstrip("/").replace("~", "/root", 1)
        for p in prefixes:
            p = p.rstrip("/")
            if target == p or target.startswith(p + "/") or p.startswith(target + "/"):
                return True
    return False


def onbuild_inner(inst: Instruction) -> Instruction | None:
    """The instruction an ONBUILD trigger runs in downstream builds (same lines), or None."""
    if inst.cmd != "ONBUILD":
        return None
    head = re.match(r"(\S+)\s*(.*)$", inst.value.strip(), re.S)
    if not head or head.group(1).upper() in ("ONBUILD", "FROM", "MAINTAINER"):
        return None
    cmd = head.group(1).upper()
    value = head.group(2)
    flags, rest = _split_flags(value) if cmd in ("RUN", "COPY", "ADD", "HEALTHCHECK") else ({}, value)
    json_args: tuple[str, ...] | None = None
    if rest.startswith("["):
        try:
            parsed = json.loads(rest)
            if isinstance(parsed, list) and all(isinstance(x, str) for x in parsed):
                json_args = tuple(parsed)
        except ValueError:
            json_args = None
    return Instruction(cmd, value, inst.line, inst.end_line, flags, inst.heredocs, json_args, inst.stage)


def effective(inst: Instruction) -> Instruction:
    """`inst`, or for `ONBUILD X` the X it triggers."""
    return onbuild_inner(inst) or inst

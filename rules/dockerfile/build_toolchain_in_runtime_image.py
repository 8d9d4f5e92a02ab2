"""DF008 build-toolchain-in-runtime-image."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.dockerfile import (
    DockerfileModel,
    Instruction,
    ShellCommand,
    chain_instructions,
    commands,
    package_command,
    stage_chain,
)
from auditor.eol import short_name
from auditor.imageref import parse_image

_TOOLCHAIN_PKG_RE = re.compile(
    r"^(gcc|g\+\+|gcc-c\+\+|c\+\+|clang|llvm|build-essential|build-base|alpine-sdk|make|cmake|autoconf|automake|"
    r"libtool|cargo|rustc|rust|golang|golang-go|go|gfortran|maven|gradle|nasm|ninja-build|ninja|meson|"
    r"openjdk-\d+-jdk(-headless)?|java-[\d.]+-openjdk-devel|dotnet-sdk-[\d.]+|@development-tools|"
    r"development tools)(-\d[\w.]*)?$"
)
# images that are themselves a compiler toolchain
_TOOLCHAIN_IMAGES = {"golang", "rust", "gcc", "maven", "gradle", "buildpack-deps", "swift", "haskell", "clojure",
                     "mcr.microsoft.com/dotnet/sdk", "mcr.microsoft.com/dotnet/core/sdk", "openjdk",
                     "eclipse-temurin", "amazoncorretto", "sbt", "crystallang/crystal"}
_REMOVE = {"apt": {"purge", "remove", "autoremove"}, "apk": {"del"}, "yum": {"remove", "erase", "autoremove"},
           "zypper": {"remove", "rm"}}


def _compile_step(c: ShellCommand) -> str | None:
    """The build command `c` runs, if it compiles something."""
    n, args = c.name, c.argv[1:]
    if args and all(a in ("--version", "-V", "-v", "version", "--help", "-h", "-dumpversion") for a in args):
        return None  # a version probe compiles nothing
    first = next((a for a in args if not a.startswith("-")), "")
    if n == "go" and first in ("build", "install"):
        return f"go {first}"
    if n == "cargo" and first in ("build", "install"):
        return f"cargo {first}"
    if n in ("gcc", "g++", "cc", "c++", "clang", "clang++", "rustc", "javac", "cmake", "gfortran"):
        return n
    if n in ("make", "gmake", "ninja"):
        return n
    if n in ("mvn", "mvnw") and any(a in ("package", "install", "verify", "compile") for a in args):
        return "mvn " + next(a for a in args if a in ("package", "install", "verify", "compile"))
    if n in ("gradle", "gradlew") and any(a in ("build", "assemble", "jar", "bootJar", "installDist",
                                               "shadowJar") for a in args):
        return "gradle build"
    if n == "dotnet" and first in ("build", "publish"):
        return f"dotnet {first}"
    return None


def _toolchain_installs(inst: Instruction) -> list[str]:
    installed: list[str] = []
    removed = False
    for c in commands(inst):
        pc = package_command(c)
        if pc is None:
            continue
        if pc.action in _REMOVE.get(pc.manager, set()):
            removed = True
        elif pc.manager in ("apt", "apk", "yum", "zypper") and pc.action in ("install", "add", "in", "groupinstall"):
            for p in pc.positional():
                name = re.split(r"[=~<>]", p, maxsplit=1)[0].lower()
                if _TOOLCHAIN_PKG_RE.match(name):
                    installed.append(name)
    return [] if removed else installed


@rule(
    code="DF008",
    name="build-toolchain-in-runtime-image",
    title="Compilers and build tools ship in the runtime image",
    controls=["EFF-MULTISTAGE"],
    target="dockerfile",
    rationale=(
        "A runtime image that carries gcc, make, cargo or a Go/JDK/.NET SDK is hundreds of megabytes larger "
        "than the program needs, and hands an attacker who gets in a ready-made compiler. A multi-stage build "
        "compiles in one stage and copies only the artefacts into a small final stage."
    ),
    remediation=(
        "Compile in a build stage and copy the result into a minimal final stage:\n\n"
        "```dockerfile\nFROM golang:1.23 AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /app ./cmd/app\n\n"
        "FROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /app /app\nENTRYPOINT [\"/app\"]\n```"
    ),
    references=("https://docs.docker.com/build/building/multi-stage/",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """The stages that make up the final image neither install a compiler toolchain (gcc, g++,
    build-essential, build-base, make, cmake, cargo, golang, a JDK or .NET SDK) that the same RUN does not
    remove again, nor compile (`go build`, `cargo build`, `make`, `mvn package`, `dotnet publish`...) on top
    of a toolchain base image (golang, rust, gcc, maven, gradle, JDK, .NET SDK). Build stages that are only
    copied from are fine."""
    model: DockerfileModel = res.data
    chain = stage_chain(model)
    if not chain:
        return
    root = chain[-1]
    base = root.base_resolved
    toolchain_base = None
    if base and not root.is_scratch:
        ref = parse_image(base)
        if short_name(ref) in _TOOLCHAIN_IMAGES or ref.last_component in _TOOLCHAIN_IMAGES:
            tag = (ref.tag or "").lower()
            if not any(w in tag for w in ("jre", "runtime")):
                toolchain_base = base
    compiled_reported = False
    for idx, inst in chain_instructions(model):
        if inst.cmd != "RUN":
            continue
        tools = _toolchain_installs(inst)
        if tools:
            uniq = list(dict.fromkeys(tools))
            yield Violation(
                f"installs build tools ({', '.join(uniq[:6])}) that stay in the runtime image; build in a separate "
                "stage and COPY --from only the artefacts",
                line=inst.line,
                path=("instructions", idx),
            )
        elif toolchain_base and not compiled_reported:
            step = next((s for s in map(_compile_step, commands(inst)) if s), None)
            if step:
                compiled_reported = True
                yield Violation(
                    f"runs `{step}` on the toolchain image {toolchain_base} and ships the whole toolchain; "
                    "use a multi-stage build with a minimal final stage",
                    line=inst.line,
                    path=("instructions", idx),
                )

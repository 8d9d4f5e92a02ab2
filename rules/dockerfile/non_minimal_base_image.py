"""DF009 non-minimal-base-image."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator

from auditor.api import Context, NotAssessed, Params, Resource, Violation, rule
from auditor.dockerfile import DockerfileModel, stage_chain, stage_label
from auditor.eol import short_name
from auditor.imageref import ImageRef, parse_image

# words in a tag or repository that mark a minimal flavour
_MINIMAL_WORD_RE = re.compile(
    r"(^|[-_./:])(slim|alpine|distroless|chiseled|chisel|minimal|micro|busybox|static|nonroot|wolfi|scratch|nanoserver)"
    r"(\d[\d.]*)?($|[-_./:])"
)
_MINIMAL_REGISTRIES = ("cgr.dev/chainguard/", "gcr.io/distroless/", "mcr.microsoft.com/cbl-mariner/distroless/",
                       "mcr.microsoft.com/azurelinux/distroless/", "docker.io/chainguard/", "chainguard/")
# built on debian:*-slim by their maintainers
_SLIM_BASED = {"mcr.microsoft.com/dotnet/runtime", "mcr.microsoft.com/dotnet/aspnet",
               "mcr.microsoft.com/dotnet/runtime-deps", "busybox", "alpine", "nginx", "httpd", "redis", "memcached",
               "traefik", "caddy", "mambaorg/micromamba"}
# ML platform images built on a full OS with a full Python/conda stack (Azure ML openmpi bases start from
# ubuntu or CUDA devel images and add conda, MPI and compilers; NGC framework images and Ray images likewise)
_FULL_PREFIXES = ("mcr.microsoft.com/azureml/openmpi", "mcr.microsoft.com/azureml/intelmpi", "nvcr.io/nvidia/pytorch",
                  "nvcr.io/nvidia/tensorflow", "rayproject/ray", "condaforge/miniforge", "condaforge/mambaforge")
# full operating systems and full language/toolchain images
_FULL_OS = {"ubuntu", "debian", "centos", "fedora", "rockylinux", "rockylinux/rockylinux", "almalinux",
            "amazonlinux", "oraclelinux", "opensuse/leap", "opensuse/tumbleweed", "archlinux",
            "registry.access.redhat.com/ubi8/ubi", "registry.access.redhat.com/ubi9/ubi",
            "registry.access.redhat.com/ubi8", "registry.access.redhat.com/ubi9", "redhat/ubi8", "redhat/ubi9",
            "mcr.microsoft.com/cbl-mariner/base/core", "mcr.microsoft.com/azurelinux/base/core", "kalilinux/kali-rolling",
            "mcr.microsoft.com/windows/servercore", "mcr.microsoft.com/windows", "mcr.microsoft.com/windows/server"}
_FULL_LANG = {"python", "node", "golang", "rust", "ruby", "php", "openjdk", "eclipse-temurin", "amazoncorretto",
              "maven", "gradle", "gcc", "buildpack-deps", "perl", "r-base", "rocker/r-ver", "julia", "elixir",
              "erlang", "haskell", "swift", "mono", "mcr.microsoft.com/dotnet/sdk", "mcr.microsoft.com/dotnet/core/sdk",
              "pypy", "clojure", "continuumio/anaconda3", "continuumio/miniconda3", "jupyter/base-notebook",
              "jupyter/scipy-notebook", "jupyter/datascience-notebook", "tensorflow/tensorflow", "pytorch/pytorch",
              "nvidia/cuda", "huggingface/transformers-pytorch-gpu", "mcr.microsoft.com/devcontainers/base",
              "mcr.microsoft.com/devcontainers/python"}


class DF009Params(Params):
    minimal_images: tuple[str, ...] = ()  # extra image name globs to accept as minimal, e.g. myacr.azurecr.io/base/*
    full_images: tuple[str, ...] = ()  # extra image name globs to reject as full


def verdict(ref: ImageRef, params: DF009Params) -> bool | None:
    """True: minimal; False: full OS / full language image; None: cannot tell."""
    name = short_name(ref)
    tag = (ref.tag or "").lower()
    if any(fnmatch.fnmatchcase(name, g) for g in params.minimal_images):
        return True
    if any(fnmatch.fnmatchcase(name, g) for g in params.full_images):
        return False
    if name.startswith("jupyter/") or name.startswith("quay.io/jupyter/"):
        return False  # even minimal-notebook carries a full conda and Jupyter stack
    if name.startswith(_MINIMAL_REGISTRIES) or (ref.registry + "/" + ref.repository).startswith(_MINIMAL_REGISTRIES):
        return True
    if name in ("nvidia/cuda", "pytorch/pytorch") or "cuda" in ref.last_component:
        if "devel" in tag:
            return False
        if "runtime" in tag or "base" in tag:
            return True
    if _MINIMAL_WORD_RE.search(ref.repository) or _MINIMAL_WORD_RE.search(":" + tag):
        return True
    if name in _SLIM_BASED or ref.repository.endswith("-minimal") or ref.repository.endswith("-micro"):
        return True
    if name.startswith(_FULL_PREFIXES):
        return False
    if name in _FULL_OS or name in _FULL_LANG or ref.last_component in ("ubi", "ubi8", "ubi9"):
        return False
    return None


@rule(
    code="DF009",
    name="non-minimal-base-image",
    title="Runtime image starts from a full OS or full language image",
    controls=["CONT-MINIMAL-BASE"],
    target="dockerfile",
    params=DF009Params,
    rationale=(
        "A full ubuntu, debian or python:3.12 base brings compilers, shells and hundreds of packages the "
        "service never uses: every one is pulled on each deployment and each is a CVE to patch. Slim, "
        "alpine, distroless and chiseled bases cut size and attack surface by an order of magnitude."
    ),
    remediation=(
        "Start the final stage from a minimal variant (build in a separate stage if you need tools):\n\n"
        "```dockerfile\nFROM python:3.12-slim\n# or: FROM gcr.io/distroless/python3-debian12:nonroot\n```"
    ),
    references=("https://docs.docker.com/build/building/best-practices/#choose-the-right-base-image",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """The final stage's base, followed through stage aliases to the real image, is a minimal one:
    scratch, a -slim/-alpine/-chiseled/-minimal/-micro tag, distroless, Chainguard, busybox,
    ubi-minimal/ubi-micro, or an image built on a slim base. Full OS images (ubuntu, debian, centos, ubi)
    and full language or SDK images (python:3.12, node:22, golang, maven, dotnet/sdk, CUDA devel, conda, Azure
    ML openmpi bases, NGC PyTorch/TensorFlow, Ray) fail; CUDA `base`/`runtime` images pass. Images the rule
    does not know are not assessed (configure `minimal_images` / `full_images`)."""
    model: DockerfileModel = res.data
    params: DF009Params = ctx.params if isinstance(ctx.params, DF009Params) else DF009Params()
    chain = stage_chain(model)
    if not chain:
        return
    root = chain[-1]
    if root.is_scratch:
        return
    if root.base_resolved is None:
        raise NotAssessed(f"the final image's base {root.base} depends on a build argument with no default")
    ref = parse_image(root.base_resolved)
    v = verdict(ref, params)
    if v is None:
        raise NotAssessed(
            f"cannot tell whether {root.base_resolved} is a minimal image (list it in the DF009 minimal_images "
            "or full_images parameter)"
        )
    if not v:
        via = f" (the final stage builds on {stage_label(root)})" if len(chain) > 1 else ""
        yield Violation(
            f"the runtime image starts from {root.base_resolved}, a full OS or language image{via}; use a slim, "
            "alpine, distroless or chiseled variant",
            line=root.line,
            path=("stages", root.index, "FROM"),
        )

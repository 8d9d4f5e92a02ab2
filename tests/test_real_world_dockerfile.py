"""Regressions found by scanning real ML-serving Dockerfiles (Triton, TorchServe, TGI, vLLM, ONNX Runtime,
Azure ML base images, transformers). Every input here is small and synthetic, written for the test."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from auditor.report import Finding
from auditor.scan import ScanOptions, run_scan

TODAY = dt.date(2026, 11, 25)


def scan(tmp_path: Path, text: str, code: str) -> list[Finding]:
    path = tmp_path / "Dockerfile"
    path.write_text(text, encoding="utf-8")
    report = run_scan(ScanOptions(inputs=(str(path),), select=(code,), today=TODAY))
    assert not report.errors, report.errors
    return [f for f in report.findings if f.rule == code]


def outcome(findings: list[Finding]) -> list[tuple[str, int | None, str]]:
    return [(str(f.status), f.location.line, f.message) for f in findings]


def test_ngc_triton_release_reveals_its_ubuntu_and_cuda(tmp_path: Path) -> None:
    # NGC monthly tags carry neither OS nor CUDA: the release notes of 20.08 name Ubuntu 18.04 and CUDA 11.0
    text = "FROM python:3.12-slim AS assets\nFROM nvcr.io/nvidia/tritonserver:20.08-py3\nUSER 1000\n"
    assert outcome(scan(tmp_path, text, "DF010")) == [
        ("fail", 2, "the final image is based on nvcr.io/nvidia/tritonserver:20.08-py3: cuda 11.0 reached end "
                    "of life on 2023-01-01"),
        ("fail", 2, "the final image is based on nvcr.io/nvidia/tritonserver:20.08-py3: ubuntu 18.04 reached end "
                    "of life on 2023-05-31"),
    ]
    # a release between two listed ones that agree (20.09: Ubuntu 18.04) is known; past the table it is not
    assert [f.message.split(": ", 1)[1] for f in scan(tmp_path, text.replace("20.08", "20.09"), "DF010")] == [
        "ubuntu 18.04 reached end of life on 2023-05-31"]
    assert outcome(scan(tmp_path, text.replace("20.08", "24.08"), "DF010")) == [
        ("not_assessed", 1, "not assessed: no end-of-life data for nvcr.io/nvidia/tritonserver:24.08-py3 "
                            "(unknown image or version)")]


def test_arg_defaults_expand_earlier_args_in_from(tmp_path: Path) -> None:
    # llama.cpp style: the base image is an ARG whose default is built from other ARGs
    text = ("ARG UBUNTU_VERSION=20.04\nARG CUDA_VERSION=11.2.2\n"
            "ARG RUN_IMAGE=nvidia/cuda:${CUDA_VERSION}-runtime-ubuntu${UBUNTU_VERSION}\n"
            "FROM ${RUN_IMAGE} AS server\nUSER 1000\n")
    assert outcome(scan(tmp_path, text, "DF010")) == [
        ("fail", 4, "the final image is based on nvidia/cuda:11.2.2-runtime-ubuntu20.04: cuda 11.2 reached end of "
                    "life on 2023-06-01"),
        ("fail", 4, "the final image is based on nvidia/cuda:11.2.2-runtime-ubuntu20.04: ubuntu 20.04 reached end "
                    "of life on 2025-05-29"),
    ]
    # an ARG default that uses an ARG without a value stays unresolved: not assessed, never a pass
    unresolved = text.replace("ARG CUDA_VERSION=11.2.2", "ARG CUDA_VERSION")
    assert [f.status for f in scan(tmp_path, unresolved, "DF010")] == ["not_assessed"]


def test_ml_image_settings_are_not_secrets(tmp_path: Path) -> None:
    text = ("ARG BASE_IMAGE=python:3.9-slim-bullseye\nFROM $BASE_IMAGE\n"
            "ARG CUDA_IMAGE=nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04\n"
            "ENV HF_HOME=/tmp/huggingface TRANSFORMERS_CACHE=/opt/cache HF_HUB_DISABLE_TELEMETRY=1\n"
            "ENV MAX_TOKEN_LIMIT=4096 TOKENIZERS_PARALLELISM=false\n"
            "ENV HF_TOKEN=hf_Zq8RkT3vLmN6pWx2YbC9dF4gH7jK1sA5eU0i\n")
    assert outcome(scan(tmp_path, text, "DF012")) == [
        ("fail", 6, "ENV HF_TOKEN holds a secret: <redacted Hugging Face token, 39 chars>")]


def test_switches_named_after_credentials_are_not_secrets(tmp_path: Path) -> None:
    # vLLM style: a build switch whose name mentions credentials, copied from an ARG
    text = ("FROM ubuntu:24.04\nARG USE_SCCACHE\nARG SCCACHE_S3_NO_CREDENTIALS=0\n"
            "ENV SCCACHE_S3_NO_CREDENTIALS=${USE_SCCACHE:+${SCCACHE_S3_NO_CREDENTIALS}}\n"
            "ARG USE_AUTH_TOKEN\nARG HF_TOKEN\nENV HF_TOKEN=$HF_TOKEN\nUSER 1000\n")
    assert outcome(scan(tmp_path, text, "DF014")) == [
        ("fail", 6, "ARG HF_TOKEN passes a secret as a build argument; it is recorded in the image history"),
        ("fail", 7, "ENV HF_TOKEN copies a secret from $HF_TOKEN into the image configuration"),
    ]


def test_cuda_and_python_builds_in_ml_image_tags(tmp_path: Path) -> None:
    text = "FROM pytorch/pytorch:1.13.1-cuda11.6-cudnn8-runtime\nUSER 1000\n"
    assert outcome(scan(tmp_path, text, "DF010")) == [
        ("fail", 1, "the final image is based on pytorch/pytorch:1.13.1-cuda11.6-cudnn8-runtime: cuda 11.6 reached "
                    "end of life on 2023-06-01")]
    text = "FROM rayproject/ray:2.9.0-py39-cu118\nUSER 1000\n"
    assert outcome(scan(tmp_path, text, "DF010")) == [
        ("fail", 1, "the final image is based on rayproject/ray:2.9.0-py39-cu118: python 3.9 reached end of life "
                    "on 2025-10-31")]
    # a CUDA release the table has no date for is unknown, never supported
    text = "FROM pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime\nUSER 1000\n"
    assert [f.status for f in scan(tmp_path, text, "DF010")] == ["not_assessed"]


def test_ml_platform_bases_are_full_images(tmp_path: Path) -> None:
    text = "FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:20240908.v1\nUSER 1000\n"
    assert [(f.status, f.location.line) for f in scan(tmp_path, text, "DF009")] == [("fail", 1)]
    for base in ("nvcr.io/nvidia/pytorch:24.01-py3", "rayproject/ray-ml:2.33.0-gpu",
                 "condaforge/miniforge3:24.3.0-0"):
        assert [f.status for f in scan(tmp_path, f"FROM {base}\n", "DF009")] == ["fail"], base
    for base in ("mcr.microsoft.com/azureml/minimal-ubuntu22.04-py311-cpu-inference:20240908.v1",
                 "mambaorg/micromamba:1.5.8", "nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04"):
        assert [f.status for f in scan(tmp_path, f"FROM {base}\n", "DF009")] == ["pass"], base

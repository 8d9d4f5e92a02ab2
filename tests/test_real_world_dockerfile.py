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

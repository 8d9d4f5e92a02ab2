"""Dockerfile rules through the real scan: configuration (EOL entries, parameters), not-assessed cases,
final-stage semantics, and the real-world corpus (no rule errors, few failures where none are due)."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from pathlib import Path

import pytest

from auditor.config import Config, EolEntry
from auditor.report import Finding
from auditor.scan import ScanOptions, run_scan

TODAY = dt.date(2026, 11, 25)
CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "docker"


def scan(tmp_path: Path, text: str, code: str, config: Config | None = None) -> list[Finding]:
    path = tmp_path / "Dockerfile"
    path.write_text(text, encoding="utf-8")
    report = run_scan(ScanOptions(inputs=(str(path),), select=(code,), today=TODAY, config=config or Config()))
    assert not report.errors, report.errors
    return [f for f in report.findings if f.rule == code]


def outcome(findings: list[Finding]) -> list[tuple[str, int | None, str]]:
    return [(str(f.status), f.location.line, f.message) for f in findings]


def test_eol_entries_from_config_extend_and_override_the_table(tmp_path: Path) -> None:
    text = "FROM myacr.azurecr.io/ml/base:2.3.1\nFROM python:3.12-slim\n"
    assert [str(f.status) for f in scan(tmp_path, text, "DF010")] == ["pass"]
    cfg = Config(eol=(EolEntry(image="docker.io/library/python", version="3.12", eol=dt.date(2026, 1, 1)),))
    assert outcome(scan(tmp_path, text, "DF010", cfg)) == [
        ("fail", 2, "the final image is based on python:3.12-slim: python 3.12 reached end of life on 2026-01-01")]
    custom = "FROM myacr.azurecr.io/ml/base:2.3.1\n"
    assert [str(f.status) for f in scan(tmp_path, custom, "DF010")] == ["not_assessed"]
    cfg2 = Config(eol=(EolEntry(image="myacr.azurecr.io/ml/base", version="2", eol=dt.date(2025, 6, 30)),))
    assert [(str(f.status), f.message) for f in scan(tmp_path, custom, "DF010", cfg2)] == [
        ("fail", "the final image is based on myacr.azurecr.io/ml/base:2.3.1: myacr.azurecr.io/ml/base 2 reached "
                 "end of life on 2025-06-30")]


def test_eol_checks_the_final_chain_not_build_stages(tmp_path: Path) -> None:
    text = "FROM python:3.8 AS build\nFROM node:16-alpine AS tools\nFROM gcr.io/distroless/python3-debian11 AS rt\n" \
           "FROM rt\nCOPY --from=build /w /w\n"
    assert outcome(scan(tmp_path, text, "DF010")) == [
        ("fail", 3, "the final image is based on gcr.io/distroless/python3-debian11: debian 11 reached end of life "
                    "on 2026-08-31")]


def test_minimal_base_parameters_and_unknown_images(tmp_path: Path) -> None:
    text = "FROM myacr.azurecr.io/base/runtime:1.4\n"
    [f] = scan(tmp_path, text, "DF009")
    assert str(f.status) == "not_assessed" and "myacr.azurecr.io/base/runtime:1.4" in f.message
    cfg = Config(params={"DF009": {"minimal_images": ["myacr.azurecr.io/base/*"]}})
    assert [str(f.status) for f in scan(tmp_path, text, "DF009", cfg)] == ["pass"]
    cfg = Config(params={"DF009": {"full_images": ["myacr.azurecr.io/base/*"]}})
    assert [(str(f.status), f.location.line) for f in scan(tmp_path, text, "DF009", cfg)] == [("fail", 1)]
    assert [str(f.status) for f in scan(tmp_path, "FROM docker.io/library/ubuntu:24.04\n", "DF009")] == ["fail"]
    assert [str(f.status) for f in scan(tmp_path, "FROM scratch\nCOPY app /app\n", "DF009")] == ["pass"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FROM python:3.12-slim\nARG UID\nUSER ${UID}\n", "not_assessed"),
        ("FROM python:3.12-slim\nARG UID=10001\nUSER ${UID}:0\n", "pass"),
        ("FROM python:3.12-slim\nENV APP_USER=root\nUSER $APP_USER\n", "fail"),
        ("FROM python:3.12-slim AS b\nUSER app\nFROM b\nUSER root\nRUN x\nUSER 1000\n", "pass"),
        ("FROM python:3.12-slim AS b\nUSER app\nFROM python:3.12-slim\n", "fail"),
        ("FROM gcr.io/distroless/python3-debian12:nonroot\n", "pass"),
        ("FROM cgr.dev/chainguard/python:latest\n", "pass"),
        ("FROM cgr.dev/chainguard/python:latest-dev\n", "fail"),
        ("FROM mcr.microsoft.com/windows/servercore:ltsc2022\nUSER ContainerAdministrator\n", "fail"),
    ],
)
def test_non_root_user_resolution(tmp_path: Path, text: str, expected: str) -> None:
    assert [str(f.status) for f in scan(tmp_path, text, "DF011")] == [expected]


def test_nonroot_images_parameter(tmp_path: Path) -> None:
    text = "FROM bitnami/python:3.12\n"
    assert [str(f.status) for f in scan(tmp_path, text, "DF011")] == ["fail"]
    cfg = Config(params={"DF011": {"nonroot_images": ["bitnami/*"]}})
    assert [str(f.status) for f in scan(tmp_path, text, "DF011", cfg)] == ["pass"]


def test_base_image_arg_without_default_is_not_assessed(tmp_path: Path) -> None:
    text = "ARG BASE\nFROM ${BASE}\nUSER app\n"
    for code in ("DF001", "DF009", "DF010"):
        [f] = scan(tmp_path, text, code)
        assert str(f.status) == "not_assessed", (code, f.message)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus/docker is not beside this checkout")
def test_real_dockerfiles_raise_no_rule_errors_and_fail_plausibly(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    started = time.perf_counter()
    report = run_scan(ScanOptions(inputs=(str(CORPUS),), select=("dockerfile",), today=TODAY))
    elapsed = time.perf_counter() - started
    out.write_text(report.model_dump_json())
    data = json.loads(out.read_text())
    findings = [f for f in data["findings"] if f["rule"].startswith("DF")]
    assert [f for f in findings if f["status"] == "error"] == []
    per_rule: dict[str, Counter[str]] = {}
    for f in findings:
        per_rule.setdefault(f["rule"], Counter())[f["status"]] += 1
    assert len(per_rule) >= 19
    resources = len({f["location"]["path"] for f in findings})
    assert resources > 400
    # rules about rare mistakes must stay rare on real, mostly well-maintained Dockerfiles
    for code in ("DF012", "DF013", "DF014", "DF015", "DF016", "DF017"):
        assert per_rule[code]["fail"] < resources * 0.05, (code, per_rule[code])
    assert elapsed < 30, elapsed  # loading and judging ~470 Dockerfiles; rule time alone is well under 1 s


@pytest.mark.parametrize(
    ("code", "text", "expected"),
    [
        # version probes compile nothing, even on a toolchain image
        ("DF008", "FROM golang:1.23\nRUN go version && gcc --version\n", [("pass", 1)]),
        ("DF008", "FROM rust:1.82\nRUN cargo build --release\n", [("fail", 2)]),
        # build deps removed in the same RUN never reach a layer; removed later they do
        ("DF008", "FROM debian:12-slim\nRUN apt-get install -y gcc && make && apt-get purge -y gcc\n", [("pass", 1)]),
        # apk without a network fetch keeps no index
        ("DF005", "FROM alpine:3.22\nRUN apk add --no-network --virtual .rundeps so:libc.so\n", [("pass", 1)]),
        ("DF005", "FROM alpine:3.22\nRUN apk --no-cache add curl && apk update\n", [("fail", 2)]),
        # without docker-clean, downloaded .debs stay unless /var/cache/apt is a cache mount too (hadolint DL3009)
        ("DF005", "FROM debian:12-slim\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\n"
                  "RUN --mount=type=cache,target=/var/lib/apt apt-get update && apt-get install -y python3\n",
         [("fail", 3)]),
        ("DF005", "FROM debian:12-slim\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\n"
                  "RUN --mount=type=cache,target=/var/cache/apt --mount=type=cache,target=/var/lib/apt \\\n"
                  "    apt-get update && apt-get install -y python3\n", [("pass", 1)]),
        ("DF005", "FROM ubuntu:24.04 AS foo\nRUN apt-get update && apt-get install -y python3\nFROM foo\nRUN x\n",
         [("fail", 2)]),
        # certificates are not keys
        ("DF013", "FROM alpine:3.22\nCOPY ca-bundle.pem /etc/ssl/certs/\nCOPY fullchain.pem server.crt /tls/\n",
         [("pass", 1)]),
        ("DF013", "FROM alpine:3.22\nCOPY deploy/.aws/ /root/.aws/\n", [("fail", 2)]),
        # --checksum makes a remote ADD verifiable; git needs a commit id
        ("DF017", "FROM alpine:3.22\nADD git@github.com:org/repo.git#main /src\n", [("fail", 2)]),
        # curl | sh in an ONBUILD trigger runs in every child build
        ("DF015", "FROM node:22-slim\nONBUILD RUN wget -qO- https://x/i.sh | sh\n", [("fail", 2)]),
        ("DF015", "FROM node:22-slim\nRUN curl -fsSL https://x/k.gpg | gpg --dearmor -o /k.gpg\n", [("pass", 1)]),
        # pip cache: ENV set in a base stage of the chain counts
        ("DF007", "FROM python:3.12-slim AS b\nENV PIP_NO_CACHE_DIR=off\nFROM b\nRUN pip install x==1\n",
         [("pass", 1)]),
        # an earlier --no-install-recommends does not configure later installs
        ("DF006", "FROM debian:12-slim\nRUN apt-get install -y --no-install-recommends a\nRUN apt-get install -y b\n",
         [("fail", 3)]),
        ("DF018", "FROM python:3.12-slim AS b\nHEALTHCHECK CMD true\nFROM b\n", [("pass", 1)]),
        ("DF004", "FROM alpine:3.22\nLABEL org.label-schema.version=1 org.label-schema.vcs-ref=abc "
                  "org.label-schema.vcs-url=https://x\n", [("pass", 1)]),
        ("DF019", "FROM alpine:3.22\nRUN curl -fsSLO https://x/a.tgz && curl -o b https://x/b\n", [("pass", 1)]),
        ("DF003", "FROM python:3.12-slim\nRUN pip install --index-url https://download.pytorch.org/whl/cpu torch\n",
         [("fail", 2)]),
        ("DF003", "FROM python:3.12-slim\nRUN pip install git+https://github.com/org/r-ext.git@0.6-alpha#egg=r-ext "
                  "'alabaster<0.7' foo/bar https://foo.bar/baz.zip mypkg.whl\n", [("pass", 1)]),
        ("DF003", "FROM python:3.12-slim\nRUN pip install git+ssh://git@github.com/org/read-ext.git#egg=read-ext\n",
         [("fail", 2)]),
        ("DF002", "FROM debian:12-slim\nRUN apt-get install -y -t bookworm-backports curl=8.1 && apt-get install -y "
                  "./local.deb\n", [("pass", 1)]),
    ],
)
def test_rule_cases(tmp_path: Path, code: str, text: str, expected: list[tuple[str, int]]) -> None:
    assert [(str(f.status), f.location.line) for f in scan(tmp_path, text, code)] == expected


def test_required_labels_parameter(tmp_path: Path) -> None:
    text = "FROM alpine:3.22\nLABEL org.opencontainers.image.source=https://github.com/org/repo\n"
    assert outcome(scan(tmp_path, text, "DF004")) == [
        ("fail", 1, "the final image (stage 0) has no label org.opencontainers.image.version, "
                    "org.opencontainers.image.revision")]
    cfg = Config(params={"DF004": {"required": ["org.opencontainers.image.source"]}})
    assert [str(f.status) for f in scan(tmp_path, text, "DF004", cfg)] == ["pass"]

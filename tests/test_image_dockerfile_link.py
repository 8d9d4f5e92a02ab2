"""An image scanned together with the Dockerfile it was built from: findings name the Dockerfile line
of the final stage that brought the problem in (pairing: same directory, else the only Dockerfile)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from auditor.scan import ScanOptions, run_scan
from tests.images.builder import build, write_docker_archive

TODAY = dt.date(2026, 11, 25)
DOCKERFILE = """\
FROM debian:12-slim AS build
RUN make

FROM debian:12-slim
RUN apt-get update && \\
    apt-get install -y curl
COPY --chown=root:root deploy_key /root/.ssh/id_ed25519
RUN rm /root/.ssh/id_ed25519
USER app
"""
KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n"
SPEC = {
    "name": "registry.example/ml/linked:1", "base": "debian-slim", "config": {"User": "app"},
    "layers": [
        {"empty": True, "created_by": '/bin/sh -c #(nop)  CMD ["bash"]'},
        {"created_by": "RUN /bin/sh -c apt-get update &&     apt-get install -y curl # buildkit",
         "files": [{"path": "var/lib/apt/lists/x_InRelease", "size": 100}]},
        {"created_by": "COPY deploy_key /root/.ssh/id_ed25519 # buildkit",
         "files": [{"path": "root/.ssh/id_ed25519", "text": KEY}]},
        {"created_by": "RUN /bin/sh -c rm /root/.ssh/id_ed25519 # buildkit",
         "files": [{"whiteout": "root/.ssh/id_ed25519"}]},
        {"empty": True, "created_by": "USER app"},
    ],
}


def _scan(*inputs: str) -> dict[str, str | None]:
    report = run_scan(ScanOptions(inputs=inputs, select=("IMG003", "IMG004", "IMG008"), today=TODAY))
    assert not report.errors
    return {f"{f.rule} {f.message.split(',')[0]}": f.evidence for f in report.findings if f.status == "fail"}


def test_findings_point_at_the_dockerfile_line(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    tar = write_docker_archive(build(SPEC), tmp_path / "image.tar")
    got = _scan(str(tmp_path / "Dockerfile"), f"docker-archive:{tar}")
    df = tmp_path / "Dockerfile"
    assert got == {
        "IMG003 private key in /root/.ssh/id_ed25519": f"<redacted private key>; introduced at {df}:7",
        "IMG004 /usr/bin/su is setuid (mode 4755)": None,  # from the base image: no Dockerfile line
        "IMG008 apt lists left in /var/lib/apt/lists: 1 files": f"introduced at {df}:5",
    }


def test_without_a_dockerfile_there_is_no_line(tmp_path: Path) -> None:
    tar = write_docker_archive(build(SPEC), tmp_path / "image.tar")
    got = _scan(f"docker-archive:{tar}")
    assert got["IMG003 private key in /root/.ssh/id_ed25519"] == "<redacted private key>"
    assert got["IMG008 apt lists left in /var/lib/apt/lists: 1 files"] is None


def test_pairing_by_oci_source_label(tmp_path: Path) -> None:
    (tmp_path / "svc-a").mkdir()
    (tmp_path / "svc-b").mkdir()
    (tmp_path / "svc-a" / "Dockerfile").write_text(DOCKERFILE.replace(
        "USER app", 'LABEL org.opencontainers.image.source="https://github.com/acme/a"\nUSER app'))
    (tmp_path / "svc-b" / "Dockerfile").write_text("FROM debian:12-slim\nRUN apt-get update\n"
                                                   "LABEL org.opencontainers.image.source=https://github.com/acme/b\n")
    spec = {**SPEC, "config": {"User": "app", "Labels": {"org.opencontainers.image.source": "https://github.com/acme/a"}}}
    tar = write_docker_archive(build(spec), tmp_path / "image.tar")  # in neither Dockerfile's directory
    got = _scan(str(tmp_path / "svc-a"), str(tmp_path / "svc-b"), f"docker-archive:{tar}")
    assert got["IMG008 apt lists left in /var/lib/apt/lists: 1 files"] == (
        f"introduced at {tmp_path / 'svc-a' / 'Dockerfile'}:5")

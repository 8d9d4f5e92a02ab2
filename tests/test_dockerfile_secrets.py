"""Secrets planted in Dockerfiles are found and never printed: JSON, console, verbose console, input errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.secrets import find_secret, find_secrets_in_text, secret_name

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The real CLI of this checkout, in a subprocess."""
    return subprocess.run([sys.executable, "-m", "auditor", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)

GH = "ghp_" + "Q7w8E9r0T1y2U3i4O5p6A7s8D9f0G1h2J3k4"
OPENAI = "sk-proj-" + "Lm3Nb4Vc5Xz6As7Df8Gh9Jk0Qw1Er2Ty3Ui4"
PASSWORD = "Tr0ub4dor-and-3"
URL_PW = "deployS3cretPw"
HF = "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
PLANTED = (GH, OPENAI, PASSWORD, URL_PW, HF)

DOCKERFILE = f"""\
FROM python:3.12-slim AS build
ARG GITHUB_TOKEN={GH}
RUN pip install --no-cache-dir --index-url https://deploy:{URL_PW}@pypi.example.com/simple app==1.0
FROM python:3.12-slim
ENV OPENAI_API_KEY={OPENAI} \\
    DB_PASSWORD="{PASSWORD}"
COPY <<EOF /app/.env
HF_TOKEN={HF}
EOF
"""


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    (tmp_path / "Dockerfile").write_text(DOCKERFILE, encoding="utf-8")
    # an unparseable file whose bad line is a token: the input error must not echo it
    (tmp_path / "broken.Dockerfile").write_text(f"FROM alpine:3.22\n{GH}\n", encoding="utf-8")
    return tmp_path


def _assert_clean(text: str) -> None:
    for value in PLANTED:
        assert value not in text
        assert value[:16] not in text  # not even a prefix of it


def test_json_report_masks_every_planted_secret(planted: Path) -> None:
    proc = run_cli("scan", str(planted), "--format", "json", "--select", "CONT-NO-SECRETS-IN-IMAGE")
    assert proc.returncode == 1, proc.stderr
    _assert_clean(proc.stdout + proc.stderr)
    report = json.loads(proc.stdout)
    found = sorted((f["rule"], f["location"]["line"], f["message"]) for f in report["findings"]
                   if f["status"] == "fail" and f["location"]["path"].endswith("/Dockerfile"))
    assert found == [
        ("DF012", 2, "ARG GITHUB_TOKEN holds a secret: <redacted GitHub token, 40 chars>"),
        ("DF012", 3, "RUN on line 3 contains a secret: <redacted URL with credentials, 46 chars>"),
        ("DF012", 5, "ENV DB_PASSWORD holds a secret: <redacted literal value of secret-named DB_PASSWORD, 15 chars>"),
        ("DF012", 5, "ENV OPENAI_API_KEY holds a secret: <redacted OpenAI API key, 44 chars>"),
        ("DF012", 7, "COPY on line 7 contains a secret: <redacted Hugging Face token, 39 chars>"),
    ]
    evidence = [f["evidence"] for f in report["findings"] if f.get("evidence")]
    assert evidence and all("<redacted" in e for e in evidence)
    errors = [e for e in report["errors"] if e["path"].endswith("broken.Dockerfile")]
    assert len(errors) == 1 and errors[0]["message"].startswith("invalid Dockerfile: line 2:")


@pytest.mark.parametrize("extra", [(), ("--verbose",)])
def test_console_output_masks_every_planted_secret(planted: Path, extra: tuple[str, ...]) -> None:
    proc = run_cli("scan", str(planted), "--format", "console", "--no-color", *extra)
    assert proc.returncode == 1, proc.stderr
    _assert_clean(proc.stdout + proc.stderr)
    flat = " ".join(proc.stdout.split())  # the console may wrap long messages
    assert "DF012" in flat and "<redacted GitHub token, 40 chars>" in flat


def test_secret_names_by_word() -> None:
    assert [n for n in ("DB_PASSWORD", "PGPASSWORD", "OPENAI_API_KEY", "hfToken", "DB_PASS", "SECRET_KEY_BASE",
                        "PASSENGER_APP_ENV", "COMPASS_HOME", "MONKEY", "TOKENIZERS_PARALLELISM", "PASSWORD_FILE",
                        "GPG_KEY", "PGP_KEY", "TOKEN_EXPIRY", "KEYCLOAK_VERSION", "MAX_TOKENS") if secret_name(n)] == [
        "DB_PASSWORD", "PGPASSWORD", "OPENAI_API_KEY", "hfToken", "DB_PASS", "SECRET_KEY_BASE"]


def test_find_secret_values() -> None:
    hit = find_secret("GITHUB_TOKEN", GH)
    assert hit is not None and (hit.kind, hit.length, hit.masked) == (
        "GitHub token", 40, "<redacted GitHub token, 40 chars>")
    assert find_secret("DB_PASSWORD", "changeme") is None
    assert find_secret("DB_PASSWORD", "${DB_PASSWORD}") is None
    assert find_secret("SSH_KEY", "/root/.ssh/id_ed25519") is None
    assert find_secret("PGDATA", "/var/lib/postgresql/18/docker") is None
    assert find_secret("PYTHON_SHA256", "639e43243c620a308f968213df9e00f2f8f62332f7adbaa7a7eeb9783057c690") is None
    assert find_secret("GIT_TAG", "v${GIT_VERSION}.windows.1") is None
    assert find_secret(None, "nR8xQ2vL5mK9pT3wZ7yB4cF6hJ1dG0sA") is not None  # high entropy, no name


def test_find_secrets_in_text_skips_placeholders_and_variables() -> None:
    assert find_secrets_in_text("mysql --password=changeme && git clone https://u:${TOKEN}@github.com/x") == []
    kinds = [h.kind for h in find_secrets_in_text(f"curl -H 'Authorization: token {GH}' https://u:{URL_PW}@h/x")]
    assert kinds == ["GitHub token", "URL with credentials"]

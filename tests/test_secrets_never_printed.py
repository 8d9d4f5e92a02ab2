"""A secret planted in scanned files appears in no output, in any format the build has."""

from __future__ import annotations

import json
from pathlib import Path

from auditor.reporters import available
from tests.conftest import run_cli

TOKENS = {
    "openai": "sk-proj-Zq8XvT3mN5kL2pR7sW9yB4cD6fG1hJ0a",
    "github": "ghp_4Xq9mZ2vL7kP3nR8sT1wY6bC5dF0gH2jK4lM",
    "password": "Tr0ub4dor&3-correct-horse-battery",
    "aws": "AKIAIOSFODNN7EXAMPLF",
}

MANIFEST = f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: leaky, namespace: ml}}
spec:
  template:
    spec:
      containers:
        - name: app
          image: myacr.azurecr.io/app:latest
          env:
            - {{name: OPENAI_API_KEY, value: "{TOKENS['openai']}"}}
            - {{name: DB_PASSWORD, value: "{TOKENS['password']}"}}
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: cfg}}
data:
  token: "{TOKENS['github']}"
"""

DOCKERFILE = f"""FROM python:3.8
ENV AWS_ACCESS_KEY_ID={TOKENS['aws']}
ARG GITHUB_TOKEN={TOKENS['github']}
RUN echo {TOKENS['openai']} > /root/.key
"""


def test_planted_secrets_never_printed(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "deploy.yaml").write_text(MANIFEST)
    (tree / "Dockerfile").write_text(DOCKERFILE)
    out = tmp_path / "out"
    args = ["scan", str(tree), "--fail-on", "none", "--verbose"]
    for fmt in available():
        args += ["--format", fmt, "--output", str(out / f"report.{fmt}")]
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr
    console = run_cli("scan", str(tree), "--fail-on", "none", "--verbose")
    texts = {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()}
    # the secrets were found (so their absence below means masked, not missed)
    report = json.loads(texts["report.json"])
    secret_rules = {f["rule"] for f in report["findings"] if f["status"] == "fail" and
                    {"SEC-NO-PLAINTEXT-SECRETS", "CONT-NO-SECRETS-IN-IMAGE"} & set(f["controls"])}
    assert {"K8S016", "K8S017", "DF012"} <= secret_rules, secret_rules
    texts["stdout"] = console.stdout + console.stderr + proc.stdout + proc.stderr
    assert len(texts) == len(available()) + 1
    for name, text in texts.items():
        for kind, token in TOKENS.items():
            assert token not in text, f"{kind} secret printed in {name}"

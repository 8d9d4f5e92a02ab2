"""Reports for the reporter tests: a real scan of the bundled example, plus synthetic live findings."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from auditor.report import Finding, FindingLocation, Report, SuppressionInfo
from auditor.scan import ScanOptions, run_scan

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 25)
AZURE_ID = "/subscriptions/0f8e6b4a-1111-2222-3333-444455556666/resourceGroups/rg-ml/providers/Microsoft.Storage/storageAccounts/mlsa01"
IMAGE_REF = "docker://myacr.azurecr.io/ml/scorer:1.4"


@contextmanager
def chdir(path: Path) -> Iterator[None]:
    old = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def example_report(*inputs: str) -> Report:
    with chdir(ROOT):
        return run_scan(ScanOptions(inputs=inputs or ("fixtures/example",), today=TODAY))


def finding(**kw: object) -> Finding:
    base: dict[str, object] = {
        "rule": "K8S001", "rule_name": "container-may-run-as-root", "controls": ("CONT-NON-ROOT",),
        "section": "container", "severity": "high", "status": "fail", "message": "container 'x' runs as root",
        "resource": "Deployment ml/x", "target": "kubernetes", "kind": "Deployment",
        "location": FindingLocation(path="deploy/x.yaml", line=3), "uid": "deploy/x.yaml#Deployment/ml/x",
        "fingerprint": "0" * 32,
    }
    base.update(kw)
    return Finding.model_validate(base)


def live_findings() -> list[Finding]:
    return [
        finding(rule="AZ901", rule_name="storage-allows-public-blob-access", controls=("SEC-ENCRYPTION-IN-TRANSIT",),
                section="secrets", severity="critical", target="azure", kind="Microsoft.Storage/storageAccounts",
                resource="Microsoft.Storage/storageAccounts mlsa01", message="storage account allows public blobs",
                location=FindingLocation(path=""), uid=AZURE_ID, fingerprint="a" * 32),
        finding(rule="AZ901", rule_name="storage-allows-public-blob-access", controls=("SEC-ENCRYPTION-IN-TRANSIT",),
                section="secrets", severity="critical", target="azure", kind="Microsoft.Storage/storageAccounts",
                resource="Microsoft.Storage/storageAccounts mlsa02", message="storage account allows public blobs",
                location=FindingLocation(path="azure:0f8e6b4a-1111-2222-3333-444455556666"),
                uid=AZURE_ID.replace("mlsa01", "mlsa02"), fingerprint="b" * 32, status="suppressed",
                suppression=SuppressionInfo(reason="public site assets", source="config", expires=dt.date(2027, 1, 31))),
        finding(rule="IMG901", rule_name="image-runs-as-root", controls=("CONT-NON-ROOT",), section="container",
                severity="high", target="image", kind="Image", resource="Image myacr.azurecr.io/ml/scorer:1.4",
                message="image config sets no USER", location=FindingLocation(path=IMAGE_REF),
                uid="myacr.azurecr.io/ml/scorer@sha256:" + "c" * 64, fingerprint="c" * 32),
        finding(rule="K8S001", resource="Deployment prod/api", message="container 'api' may run as root",
                location=FindingLocation(path="k8s:aks-prod", object_path="spec.template.spec.containers[0]"),
                uid="k8s:aks-prod/prod/Deployment/api", fingerprint="d" * 32),
    ]


def mixed_report() -> Report:
    """The example scan plus live Azure, image and cluster findings (no file behind them)."""
    rep = example_report()
    findings = tuple(live_findings()) + rep.findings
    targets = tuple(sorted(set(rep.scan.targets) | {"azure", "image"}))
    return rep.model_copy(update={"findings": findings, "scan": rep.scan.model_copy(update={"targets": targets})})

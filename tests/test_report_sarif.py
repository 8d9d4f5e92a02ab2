"""SARIF: validated by the shared validators on real scans, plus the behaviours no validator sees."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from auditor.reporters import RenderOptions, render
from auditor.reporters.common import anchor
from auditor.reporters.sarif import pascal
from tests.conftest import ROOT, SHARED, run_cli
from tests.report_samples import AZURE_ID, example_report, mixed_report

VALIDATOR = SHARED / "sarif" / "validate-sarif"
URI_OK = re.compile(r"^[a-z0-9._~%!$&'()*+,;=@-][A-Za-z0-9._~%!$&'()*+,;=@/-]*$")


def _validate(*files: Path, github: bool = True, multitool: bool = True) -> subprocess.CompletedProcess[str]:
    if not VALIDATOR.is_file():
        pytest.skip("../shared/sarif/validate-sarif is not beside this checkout (CI has it)")
    args = [str(VALIDATOR), "--strict"] + ([] if github else ["--no-github"])
    args += ["--require-multitool"] if multitool else ["--no-multitool"]
    return subprocess.run([*args, *map(str, files)], capture_output=True, text=True, timeout=600)


def _scan_sarif(cwd: Path, *targets: str) -> dict[str, Any]:
    proc = run_cli("scan", *targets, "--fail-on", "none", "--format", "sarif", "--output", "out.sarif", "-q", cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    doc: dict[str, Any] = json.loads((cwd / "out.sarif").read_text(encoding="utf-8"))
    return doc


def _mixed_tree(dest: Path) -> Path:
    """The bundled example plus every rule fixture of every family (found at test time)."""
    shutil.copytree(ROOT / "fixtures" / "example", dest / "example")
    for folder in sorted(p for p in (ROOT / "fixtures" / "rules").iterdir() if p.is_dir()):
        for item in sorted(folder.iterdir()):
            if item.name.startswith(("fail", "pass")):
                target = dest / "rules" / folder.name / item.name
                target.parent.mkdir(parents=True, exist_ok=True)
                (shutil.copytree if item.is_dir() else shutil.copy)(item, target)
    # bad input: becomes an input error, reported as a tool notification, never a result
    (dest / "broken").mkdir()
    (dest / "broken" / "deploy.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: [unclosed\n",
                                                 encoding="utf-8")
    return dest


def _identity(doc: dict[str, Any]) -> list[tuple[str, str, str, int, str]]:
    out = []
    for run in doc["runs"]:
        for r in run["results"]:
            loc = r["locations"][0]["physicalLocation"]
            out.append((run["automationDetails"]["id"], r["ruleId"], loc["artifactLocation"]["uri"],
                        loc["region"]["startLine"], json.dumps(r["partialFingerprints"], sort_keys=True)))
    return out


def test_example_and_mixed_tree_pass_the_validators(tmp_path: Path) -> None:
    ex = tmp_path / "ex"
    shutil.copytree(ROOT / "fixtures" / "example", ex)
    ex_doc = _scan_sarif(ex, ".")
    mixed = _mixed_tree(tmp_path / "mixed")
    mixed_doc = _scan_sarif(mixed, ".")
    report = json.loads(run_cli("scan", ".", "--fail-on", "none", "--format", "json", "-q", cwd=mixed).stdout)
    families = set(report["scan"]["targets"])
    assert {"dockerfile", "kubernetes"} <= families
    categories = {r["automationDetails"]["id"] for r in mixed_doc["runs"]}
    for fam in families:  # every family the scanner found has its own run (new families are covered as they land)
        assert any(c.startswith(f"auditor/{fam}/") for c in categories), (fam, categories)
    assert [e["path"] for e in report["errors"] if e["kind"] == "error"] == ["broken/deploy.yaml"]
    notes = [n["message"]["text"] for r in mixed_doc["runs"] for n in r["invocations"][0].get(
        "toolExecutionNotifications", [])]
    assert len(notes) == 1 and notes[0].startswith("broken/deploy.yaml: ")
    fails = sum(1 for f in report["findings"] if f["status"] == "fail")
    assert sum(len(r["results"]) for r in mixed_doc["runs"]) == fails > 0
    proc = _validate(ex / "out.sarif", mixed / "out.sarif")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PASS 2 file(s)" in proc.stdout.strip().splitlines()[-1]
    assert ex_doc["runs"][0]["tool"]["driver"]["name"] == "auditor"


def test_synthetic_live_azure_image_and_cluster_findings_validate(tmp_path: Path) -> None:
    out = tmp_path / "live.sarif"
    rep = mixed_report()
    out.write_text(render(rep, "sarif", RenderOptions()), encoding="utf-8")
    proc = _validate(out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    by_rule = {r["ruleId"]: r for run in doc["runs"] for r in run["results"]}
    az = [r for run in doc["runs"] for r in run["results"] if r["ruleId"] == "AZ901"]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in az] == [
        "azure/subscriptions/0f8e6b4a-1111-2222-3333-444455556666/resourcegroups/rg-ml/providers/"
        "microsoft.storage/storageaccounts/mlsa01",
        "azure/subscriptions/0f8e6b4a-1111-2222-3333-444455556666/resourcegroups/rg-ml/providers/"
        "microsoft.storage/storageaccounts/mlsa02",
    ]
    assert az[0]["locations"][0]["logicalLocations"] == [
        {"name": "mlsa01", "fullyQualifiedName": AZURE_ID, "kind": "resource"}]
    assert az[0]["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    assert set(az[0]["partialFingerprints"]) == {"auditor/v1", "primaryLocationLineHash"}
    assert re.fullmatch(r"[0-9a-f]{16}:1", az[0]["partialFingerprints"]["primaryLocationLineHash"])
    # the suppressed one is carried with its justification, not dropped
    assert az[1]["suppressions"] == [{"kind": "external", "status": "accepted", "justification": "public site assets",
                                      "properties": {"source": "config", "expires": "2027-01-31"}}]
    img = by_rule["IMG901"]["locations"][0]
    assert img["physicalLocation"]["artifactLocation"]["uri"] == "container-images/myacr.azurecr.io/ml/scorer"
    assert img["logicalLocations"][0]["fullyQualifiedName"] == "myacr.azurecr.io/ml/scorer:1.4"
    live_k8s = [r for run in doc["runs"] for r in run["results"] if r["ruleId"] == "K8S001"
                and "aks-prod" in r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]]
    assert live_k8s[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "kubernetes/aks-prod/prod/deployment/api"
    # one run per family, Azure split per subscription, categories unique
    cats = [r["automationDetails"]["id"] for r in doc["runs"]]
    expected = ["auditor/dockerfile/", "auditor/kubernetes/", "auditor/kubernetes/aks-prod/",
                "auditor/azure/0f8e6b4a-1111-2222-3333-444455556666/", "auditor/image/"]
    if any(f.target == "azure" and f.location.path.endswith(".json") for f in rep.findings):
        expected.insert(3, "auditor/azure/")  # the bundled example's ARM template: its own, file-based run
    if "pipeline" in rep.scan.targets:  # the bundled example carries a workflow
        expected.append("auditor/pipeline/")
    assert cats == expected
    for run in doc["runs"]:
        for r in run["results"]:
            uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            assert URI_OK.match(uri) and ":" not in uri.split("/")[0] and " " not in uri, uri
            assert len(r["locations"]) == 1 and r["kind"] == "fail" and r["level"] in ("error", "warning", "note")


def test_rules_taxonomy_and_levels() -> None:
    doc = json.loads(render(example_report(), "sarif", RenderOptions(docs_base_url="https://docs.example.org/rules/")))
    k8s = next(r for r in doc["runs"] if r["automationDetails"]["id"] == "auditor/kubernetes/")
    rules = k8s["tool"]["driver"]["rules"]
    index = next(i for i, r in enumerate(rules) if r["id"] == "K8S001")
    rule = rules[index]
    assert rule["name"] == "ContainerMayRunAsRoot"
    assert rule["helpUri"] == "https://docs.example.org/rules/K8S001.md"
    assert rule["properties"]["security-severity"] == "8.0"
    assert rule["properties"]["tags"] == ["security", "container", "CONT-NON-ROOT", "kubernetes"]
    assert "runAsNonRoot: true" in rule["help"]["markdown"] and "https://docs.example.org/rules/K8S001.md" in \
        rule["help"]["text"]
    assert rule["shortDescription"]["text"] == "Container may run as root."
    taxa = k8s["taxonomies"][0]["taxa"]
    rel = rule["relationships"][0]
    assert taxa[rel["target"]["index"]]["id"] == "CONT-NON-ROOT" == rel["target"]["id"]
    assert rel["target"]["toolComponent"] == {"name": "auditor-checklist", "index": 0}
    assert k8s["tool"]["driver"]["supportedTaxonomies"] == [{"name": "auditor-checklist", "index": 0}]
    assert len(taxa) == len(example_report().score.controls)
    (result,) = [r for r in k8s["results"] if r["ruleId"] == "K8S001"]
    assert (result["kind"], result["level"], result["ruleIndex"]) == ("fail", "error", index)
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 15}
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "fixtures/example/deploy/batch.yaml"
    assert "primaryLocationLineHash" not in result["partialFingerprints"]  # file in the checkout: upload computes it
    assert pascal("base-image-unpinned") == "BaseImageUnpinned"


def test_include_passed_and_leave_out_suppressed(tmp_path: Path) -> None:
    rep = mixed_report()
    doc = json.loads(render(rep, "sarif", RenderOptions(include_passed=True)))
    kinds = sorted((r["ruleId"], r["kind"], r["level"]) for run in doc["runs"] for r in run["results"])
    assert ("DF001", "pass", "none") in kinds and ("K8S001", "pass", "none") in kinds
    out = tmp_path / "all.sarif"
    out.write_text(json.dumps(doc), encoding="utf-8")
    proc = _validate(out, github=False)  # passes are for other consumers: GitHub would alert on them
    assert proc.returncode == 0, proc.stdout
    no_sup = json.loads(render(rep, "sarif", RenderOptions(include_suppressed=False)))
    results = [r for run in no_sup["runs"] for r in run["results"]]
    assert not any("suppressions" in r for r in results)
    assert len(results) == sum(1 for f in rep.findings if f.status == "fail")


def test_identity_is_byte_identical_across_copies(tmp_path: Path) -> None:
    docs = []
    for name in ("first", "second/nested/deeper"):
        copy = tmp_path / name
        shutil.copytree(ROOT / "fixtures" / "example", copy)
        shutil.copytree(ROOT / "fixtures" / "rules" / "K8S001", copy / "more")
        docs.append((_scan_sarif(copy, "."), (copy / "out.sarif").read_bytes()))
    (a, raw_a), (b, raw_b) = docs
    assert _identity(a) == _identity(b) and len(_identity(a)) >= 3
    assert raw_a == raw_b  # nothing volatile (times, temp dirs) anywhere in the file
    assert str(tmp_path) not in raw_a.decode()


def test_uris_are_repo_relative_for_odd_paths() -> None:
    from auditor.report import FindingLocation
    from tests.report_samples import finding

    odd = finding(location=FindingLocation(path="my dir/k8s:prod.yaml", line=7))
    assert anchor(odd).uri == "my%20dir/k8s%3Aprod.yaml"
    colon = finding(location=FindingLocation(path="nginx:1.27/deploy.yaml", line=2))
    assert anchor(colon).uri == "nginx%3A1.27/deploy.yaml"
    absolute = finding(location=FindingLocation(path="/home/ci/repo/deploy/x.yaml", line=3))
    assert anchor(absolute).uri == "deploy/x.yaml" and anchor(absolute).line == 3


@pytest.mark.parametrize("fmt", ["sarif", "html", "junit", "markdown"])
def test_render_subcommand_rerenders_without_rescanning(tmp_path: Path, fmt: str) -> None:
    report = tmp_path / "report.json"
    rep = mixed_report()
    report.write_text(rep.to_json(), encoding="utf-8")
    proc = run_cli("render", str(report), "--format", fmt, "--output", str(tmp_path / "again.out"))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "again.out").read_text(encoding="utf-8") == render(rep, fmt, RenderOptions())
    bad = run_cli("render", str(tmp_path / "missing.json"), "--format", fmt)
    assert bad.returncode == 2 and "cannot read" in bad.stderr


def test_huge_scan_keeps_the_worst_results_within_githubs_limits(tmp_path: Path) -> None:
    from auditor.report import FindingLocation
    from tests.report_samples import finding

    big = tuple(
        finding(message=f"container {i} may run as root", resource=f"Deployment ml/a{i}", uid=f"d/{i}.yaml#D",
                location=FindingLocation(path=f"d/{i}.yaml", line=3), fingerprint=f"{i:032x}",
                severity="low" if i % 2 else "high")
        for i in range(6000)
    )
    rep = mixed_report().model_copy(update={"findings": big})
    out = tmp_path / "big.sarif"
    out.write_text(render(rep, "sarif", RenderOptions()), encoding="utf-8")
    doc = json.loads(out.read_text(encoding="utf-8"))
    (k8s,) = [r for r in doc["runs"] if r["automationDetails"]["id"] == "auditor/kubernetes/"]
    assert len(k8s["results"]) == 5000 and k8s["properties"]["resultsOmitted"] == 1000
    assert sum(1 for r in k8s["results"] if r["level"] == "error") == 3000  # every high one kept
    proc = _validate(out, multitool=False)  # the multitool takes minutes on a file this size
    assert proc.returncode == 0, proc.stdout[-2000:]


def test_clean_scan_keeps_its_categories_so_fixed_alerts_close() -> None:
    """A clean re-scan of a subscription must upload the same category, or GitHub never closes old alerts."""
    rep = mixed_report()
    sub = "0f8e6b4a-1111-2222-3333-444455556666"
    passed = tuple(f.model_copy(update={"status": "pass", "suppression": None}) for f in rep.findings)
    clean = rep.model_copy(update={"findings": passed,
                                   "scan": rep.scan.model_copy(update={"inputs": (f"azure:{sub}", ".")})})
    doc = json.loads(render(clean, "sarif", RenderOptions()))
    expected = [("auditor/dockerfile/", []), ("auditor/kubernetes/", []), ("auditor/kubernetes/aks-prod/", []),
                (f"auditor/azure/{sub}/", []), ("auditor/image/", [])]
    if any(f.target == "azure" and f.location.path.endswith(".json") for f in rep.findings):
        expected.insert(3, ("auditor/azure/", []))
    if "pipeline" in rep.scan.targets:
        expected.append(("auditor/pipeline/", []))
    assert [(r["automationDetails"]["id"], r["results"]) for r in doc["runs"]] == expected


def test_image_and_live_anchors_without_tags_digests_or_dot_segments() -> None:
    from auditor.report import FindingLocation
    from tests.report_samples import finding

    def img(path: str, uid: str = "") -> str:
        f = finding(target="image", kind="Image", resource="Image x", location=FindingLocation(path=path), uid=uid)
        return anchor(f).uri

    assert img("myacr.azurecr.io/ml/scorer:1.4") == "container-images/myacr.azurecr.io/ml/scorer"
    assert img("docker://python:3.12-slim@sha256:" + "a" * 64) == "container-images/docker.io/library/python"
    assert img("oci:build/layout:v2") == "container-images/oci/build/layout"
    assert img("docker-archive:dist/app.tar") == "container-images/docker-archive/dist/app.tar"
    # an image finding anchored to the Dockerfile that builds it keeps the file and line
    built = finding(target="image", location=FindingLocation(path="svc/Dockerfile", line=4))
    assert (anchor(built).uri, anchor(built).line, anchor(built).synthetic) == ("svc/Dockerfile", 4, False)
    dots = finding(resource="Deployment ../..", location=FindingLocation(path="k8s:prod"), uid="k8s:prod/x")
    assert anchor(dots).uri == "kubernetes/prod/_../deployment/_.."


def test_live_estate_finding_joins_its_subscription_run() -> None:
    from auditor.report import FindingLocation
    from tests.report_samples import finding

    sub = "0f8e6b4a-1111-2222-3333-444455556666"
    estate = finding(rule="AZ902", rule_name="subscription-has-no-budget", controls=("COST-BUDGET",), section="scaling",
                     severity="medium", target="azure", kind="Estate", resource="Estate azure estate",
                     location=FindingLocation(path=f"azure:{sub}"), uid="estate:azure", fingerprint="e" * 32)
    rep = mixed_report()
    doc = json.loads(render(rep.model_copy(update={"findings": (*rep.findings, estate)}), "sarif", RenderOptions()))
    (run,) = [r for r in doc["runs"] if r["automationDetails"]["id"] == f"auditor/azure/{sub}/"]
    (res,) = [r for r in run["results"] if r["ruleId"] == "AZ902"]
    loc = res["locations"][0]
    assert loc["physicalLocation"]["artifactLocation"]["uri"] == f"azure/subscriptions/{sub}/estate/estate-azure"
    assert loc["logicalLocations"][0]["fullyQualifiedName"] == "estate:azure"
    # ... and not the file-based Azure run (the example's ARM template has its own)
    template_run = [r for r in doc["runs"] if r["automationDetails"]["id"] == "auditor/azure/"]
    assert all(r["ruleId"] != "AZ902" for run in template_run for r in run["results"])

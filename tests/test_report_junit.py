"""JUnit XML: validated against the published Jenkins xUnit junit-10.xsd, shaped for Azure DevOps and GitLab."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from auditor.report import FindingLocation
from auditor.reporters import RenderOptions, render
from tests.report_samples import finding, mixed_report

XSD = Path(__file__).parent / "data" / "junit-10.xsd"


def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


def test_junit_validates_and_has_a_suite_per_family() -> None:
    rep = mixed_report()
    xml = render(rep, "junit", RenderOptions())
    doc = etree.fromstring(xml.encode("utf-8"))
    schema = _schema()
    assert schema.validate(doc), schema.error_log
    suites = doc.findall("testsuite")
    order = ["dockerfile", "kubernetes", "azure", "image", "pipeline"]
    present = [t for t in order if any(f.target == t for f in rep.findings)]
    assert [s.get("name") for s in suites] == [f"auditor.{t}" for t in present]
    k8s = suites[present.index("kubernetes")]
    groups: dict[tuple[str, str], set[str]] = {}
    for f in rep.findings:
        if f.target == "kubernetes":
            groups.setdefault((f.rule, f.resource), set()).add(f.status)
    failures = sum(1 for st in groups.values() if "fail" in st)
    errors = sum(1 for st in groups.values() if "error" in st and "fail" not in st)
    skipped = sum(1 for st in groups.values() if st <= {"suppressed", "not_assessed"})
    assert (k8s.get("tests"), k8s.get("failures"), k8s.get("errors"), k8s.get("skipped")) == (
        str(len(groups)), str(failures), str(errors), str(skipped))
    case = k8s.find("testcase[@name='K8S001 container-may-run-as-root: CronJob ml/features']")
    assert case is not None
    assert (case.get("classname"), case.get("file"), case.get("line")) == (
        "auditor.kubernetes.K8S001", "fixtures/example/deploy/batch.yaml", "15")
    failure = case.find("failure")
    assert failure is not None and failure.get("type") == "high"
    assert failure.get("message") == ("container 'features' sets neither runAsNonRoot nor a non-zero runAsUser "
                                      "at fixtures/example/deploy/batch.yaml:15")
    assert "spec.jobTemplate.spec.template.spec.containers[0]" in (failure.text or "")
    # live resource: no file attribute (it is not a file), location in the message
    live = k8s.find("testcase[@name='K8S001 container-may-run-as-root: Deployment prod/api']")
    assert live is not None and live.get("file") is None
    azure = suites[present.index("azure")]
    skipped = [e.get("message") for e in azure.findall("testcase/skipped")]
    assert "suppressed: public site assets (expires 2027-01-31)" in skipped
    totals = [sum(int(x.get(k) or 0) for x in suites) for k in ("tests", "failures", "errors")]
    assert (doc.get("tests"), doc.get("failures"), doc.get("errors")) == tuple(str(n) for n in totals)
    assert totals[1] == len({(f.target, f.rule, f.resource) for f in rep.findings if f.status == "fail"})


def test_one_testcase_per_rule_and_resource_and_hostile_text() -> None:
    base = mixed_report()
    extra = (
        finding(message="first \x00\x1b bad <chars> & \"quotes\"", location=FindingLocation(path="deploy/x.yaml", line=3)),
        finding(message="second", status="fail"),
        finding(rule="K8S001", status="error", message="rule K8S001 failed: boom", resource="Deployment ml/y",
                uid="deploy/y.yaml#Deployment/ml/y"),
        finding(status="not_assessed", message="not assessed: no pod template", resource="Deployment ml/z",
                uid="deploy/z.yaml#Deployment/ml/z"),
    )
    rep = base.model_copy(update={"findings": extra})
    xml = render(rep, "junit", RenderOptions())
    doc = etree.fromstring(xml.encode("utf-8"))
    assert _schema().validate(doc)
    cases = doc.findall("testsuite[@name='auditor.kubernetes']/testcase")
    assert len(cases) == 3  # the two failures of Deployment ml/x share one testcase
    x = cases[0].find("failure")
    assert x is not None and x.get("message", "").endswith("(+1 more)")
    assert "\ufffd\ufffd bad <chars> & \"quotes\"" in (x.text or "")
    assert cases[1].find("error") is not None and cases[2].find("skipped") is not None

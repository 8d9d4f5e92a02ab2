"""Scoring arithmetic on hand-made findings: pass/assessed per control, severity weights, coverage,
and NOT_ASSESSED never counting as a pass."""

from __future__ import annotations

from auditor.checklist import load_checklist
from auditor.report import Finding, FindingLocation
from auditor.scoring import score


def _f(rule: str, control: str, status: str, severity: str = "high") -> Finding:
    cl = load_checklist()
    return Finding(rule=rule, rule_name="x", controls=(control,), section=cl.control(control).section,
                   severity=severity, status=status, message="m", resource="r", target="kubernetes", kind="Pod",
                   location=FindingLocation(path="p"))  # type: ignore[arg-type]


def test_control_section_and_overall_scores() -> None:
    cl = load_checklist()
    findings = [
        _f("K8S001", "CONT-NON-ROOT", "pass"), _f("K8S001", "CONT-NON-ROOT", "fail"),
        _f("K8S001", "CONT-NON-ROOT", "suppressed"), _f("K8S001", "CONT-NON-ROOT", "error"),
        _f("K8S009", "CONT-READONLY-ROOTFS", "pass"),
        _f("K8S020", "OPS-RESOURCES", "not_assessed"),
    ]
    sc = score(findings, cl, [], ["kubernetes"])
    ctl = {c.id: c for c in sc.controls}
    assert (ctl["CONT-NON-ROOT"].score, ctl["CONT-NON-ROOT"].status) == (66.7, "fail")
    assert (ctl["CONT-READONLY-ROOTFS"].score, ctl["CONT-READONLY-ROOTFS"].status) == (100.0, "pass")
    assert (ctl["OPS-RESOURCES"].score, ctl["OPS-RESOURCES"].status) == (None, "not_assessed")
    assert ctl["COST-BUDGET"].applicable is False
    container = {s.id: s for s in sc.sections}["container"]
    # high (6) x 66.7 + medium (3) x 100 over weights 9
    assert container.score == round((6 * 66.7 + 3 * 100) / 9, 1)
    assert container.controls_assessed == 2
    kube_controls = [c for c in cl.controls if "kubernetes" in c.targets]
    assert sc.controls_applicable == len(kube_controls)
    assert sc.controls_assessed == 2
    assert sc.coverage == round(2 / len(kube_controls), 3)
    assert sc.overall == container.score  # the only assessed controls


def test_nothing_assessed_has_no_score() -> None:
    sc = score([_f("K8S020", "OPS-RESOURCES", "not_assessed")], load_checklist(), [], ["kubernetes"])
    assert sc.overall is None and sc.coverage == 0.0
    assert all(s.score is None for s in sc.sections)


def test_no_targets_nothing_applicable() -> None:
    sc = score([], load_checklist(), [], [])
    assert sc.overall is None and sc.controls_applicable == 0

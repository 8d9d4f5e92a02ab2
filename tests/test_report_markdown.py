"""Markdown summary: contents, escaping, and the size cap on a synthetic huge scan."""

from __future__ import annotations

from auditor.report import ErrorEntry, FindingLocation
from auditor.reporters import RenderOptions, render
from tests.report_samples import finding, mixed_report


def test_summary_contents() -> None:
    rep = mixed_report()
    md = render(rep, "markdown", RenderOptions())
    sc = rep.score
    assert sc.overall is not None
    assert md.startswith(f"## auditor: score {sc.overall:.0f}/100, coverage {sc.coverage * 100:.0f}%\n")
    sec = next(s for s in sc.sections if s.id == "container")
    assert (f"| Container security | {sec.score:.0f}/100 | {sec.coverage * 100:.0f}% | "
            f"{sec.controls_assessed}/{sec.controls_applicable} | {sec.status} |") in md
    fails = sum(1 for f in rep.findings if f.status == "fail")
    assert f"### Top failures ({min(fails, 50)} of {fails})" in md
    assert ("| high | [K8S001](https://github.com/auditor-dev/auditor/blob/main/docs/rules/K8S001.md) | "
            "CronJob ml/features | fixtures/example/deploy/batch.yaml:15 | container 'features' sets neither "
            "runAsNonRoot nor a non-zero runAsUser |") in md
    # worst first: the critical Azure failure leads
    rows = [line for line in md.splitlines() if line.startswith("| critical") or line.startswith("| high")]
    assert rows[0].startswith("| critical | [AZ901]")


def test_size_cap_on_a_huge_scan_and_hostile_text() -> None:
    base = mixed_report()
    big = tuple(
        finding(message=f"<img src=x onerror=alert(1)> @admins | `{i}` " + "x" * 2000, resource=f"Deployment ml/app{i}",
                location=FindingLocation(path=f"deploy/{i}.yaml", line=i + 1), uid=f"deploy/{i}.yaml#D",
                fingerprint=f"{i:032x}")
        for i in range(20_000)
    )
    errors = tuple(ErrorEntry(path=f"bad/{i}.yaml", message="y" * 3000) for i in range(20_000))
    rep = base.model_copy(update={"findings": big, "errors": errors})
    md = render(rep, "markdown", RenderOptions())
    assert len(md.encode("utf-8")) < 1024 * 1024
    assert len(md) <= 65_536  # fits a pull-request comment too
    assert "### Top failures (50 of 20000)" in md
    assert "<img" not in md and "@admins" not in md and "&lt;img src=x onerror=alert\\(1\\)&gt;" not in md
    assert "&lt;img src=x onerror=alert(1)&gt; &#64;admins \\| \\`0\\`" in md
    assert "- and 19990 more" in md

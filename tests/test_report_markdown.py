"""Markdown summary: contents, escaping, and the size cap on a synthetic huge scan."""

from __future__ import annotations

from auditor.report import ErrorEntry, FindingLocation
from auditor.reporters import RenderOptions, render
from tests.report_samples import finding, mixed_report


def test_summary_contents() -> None:
    md = render(mixed_report(), "markdown", RenderOptions())
    assert md.startswith("## auditor: score 67/100, coverage 6%\n")
    assert "| Container security | 50/100 | 11% | 1/9 | fail |" in md
    assert "### Top failures (4 of 4)" in md
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

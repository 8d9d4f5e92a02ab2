"""The HTML report, opened in real headless Chromium (Debian's chromium driven by Playwright)."""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from auditor.reporters import RenderOptions, render
from tests.conftest import ROOT, run_cli
from tests.report_samples import mixed_report

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

XSS_MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: "evil<script>window.__pwned=1</script>"
  namespace: "ns<img src=x onerror=window.__pwned=2>"
  labels:
    app: "<script>alert('label')</script>"
  annotations:
    note: "<img src=x onerror=alert('annotation')>"
spec:
  template:
    spec:
      containers:
        - name: "c<img src=x onerror=alert(1)>"
          image: "nginx:1.27"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: "quiet</title><svg onload=alert(3)>"
  annotations:
    ignore.auditor.dev/K8S001: "<img src=x onerror=window.__pwned=4> accepted; expires=2099-01-01"
spec:
  template:
    spec:
      containers:
        - name: "d\\"><script>window.__pwned=5</script>"
          image: "nginx:1.27"
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), "headless Chromium missing: run .ci/setup.d/reports.sh (apt-get install chromium)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


def _open(browser: Browser, path: Path) -> tuple[Page, list[str], list[str]]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    dialogs: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: requests.append(r.url) if not r.url.startswith("file:") else None)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    assert requests == [], requests  # no network at view time
    return page, problems, dialogs


def _visible(page: Page) -> int:
    n: int = page.evaluate("document.querySelectorAll('.finding:not(.hidden)').length")
    return n


def test_page_loads_clean_filters_work_and_screenshot(browser: Browser, tmp_path: Path) -> None:
    rep = mixed_report()
    html_path = tmp_path / "report.html"
    html_path.write_text(render(rep, "html", RenderOptions()), encoding="utf-8")
    page, problems, dialogs = _open(browser, html_path)
    assert problems == [] and dialogs == []
    assert rep.score.overall is not None
    assert page.locator("#overall-score .big").inner_text().replace("\n", "") == f"{rep.score.overall:.0f}/100"
    bars = page.locator("svg.chart g.bar")
    assert bars.count() == sum(1 for s in rep.score.sections if s.controls_applicable)
    best = max(s.score for s in rep.score.sections if s.score is not None)
    widths = [float(w or 0) for w in page.locator("svg.chart rect.fill").evaluate_all(
        "els => els.map(e => e.getAttribute('width'))")]
    assert max(widths) == round(360.0 * best / 100, 1)  # bars are to scale: 360 px is 100/100
    total = sum(1 for f in rep.findings)
    not_passed = sum(1 for f in rep.findings if f.status != "pass")
    # passes are hidden until asked for
    assert _visible(page) == not_passed
    assert page.locator("#shown-count").inner_text() == f"{not_passed} of {total} findings shown"
    page.check("input[name=status][value=pass]")
    assert _visible(page) == total
    # severity: drop high -> only the critical Azure ones and the medium/low remain
    page.uncheck("input[name=severity][value=high]")
    assert _visible(page) == sum(1 for f in rep.findings if f.severity != "high")
    page.check("input[name=severity][value=high]")
    # target and section
    page.uncheck("input[name=target][value=kubernetes]")
    assert _visible(page) == sum(1 for f in rep.findings if f.target != "kubernetes")
    page.check("input[name=target][value=kubernetes]")
    page.select_option("#filter-section", "secrets")
    secrets = sum(1 for f in rep.findings if f.section == "secrets")
    assert secrets >= 2 and _visible(page) == secrets
    assert page.locator(".group-section[data-section=container]").is_hidden()
    page.select_option("#filter-section", "")
    # text search
    page.fill("#filter-q", "MLSA01")
    assert _visible(page) == 1
    assert page.locator(".finding:not(.hidden) .msg").inner_text() == "storage account allows public blobs"
    page.fill("#filter-q", "no such thing anywhere")
    assert _visible(page) == 0 and page.locator("#no-match").is_visible()
    page.fill("#filter-q", "")
    # a suppressed finding is collapsed, with its reason and expiry in the summary line
    sup = page.locator("details.finding.st-suppressed")
    assert sup.count() == sum(1 for f in rep.findings if f.status == "suppressed") == 1
    assert sup.get_attribute("open") is None
    assert "public site assets (expires 2027-01-31)" in sup.locator("summary").inner_text()
    assert page.locator("#control-matrix .cell.st-fail", has_text="CONT-NON-ROOT").count() == 1
    page.fill("#filter-q", "")
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=False)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 900)
    # score and chart are both in the screenshot's viewport
    for sel in ("#overall-score", "svg.chart"):
        box = page.locator(sel).bounding_box()
        assert box is not None and box["y"] + 20 < height, (sel, box)
    page.emulate_media(media="print")  # print-friendly: no filter bar on paper
    assert page.locator("#filters").is_hidden() and page.locator("#overall-score").is_visible()
    assert problems == [] and dialogs == []
    page.close()


def test_manifest_payloads_execute_nothing(browser: Browser, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "evil.yaml").write_text(XSS_MANIFEST, encoding="utf-8")
    shutil.copy(ROOT / "fixtures" / "example" / "Dockerfile", tree / "Dockerfile")
    proc = run_cli("scan", ".", "--fail-on", "none", "--format", "html", "--output", "report.html", "-q", cwd=tree)
    assert proc.returncode == 0, proc.stderr
    text = (tree / "report.html").read_text(encoding="utf-8")
    assert "<script>window.__pwned" not in text and "<img src=x" not in text
    page, problems, dialogs = _open(browser, tree / "report.html")
    page.check("input[name=status][value=pass]")
    page.evaluate("document.querySelectorAll('details').forEach(function (d) { d.open = true; })")
    page.wait_for_timeout(200)
    assert dialogs == []
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.evaluate("document.scripts.length") == 1  # only the page's own script
    assert page.evaluate("document.querySelectorAll('img, iframe, object, embed').length") == 0
    assert page.evaluate("document.querySelectorAll('svg').length") == 1  # only the chart
    body = page.locator("#findings").inner_text()
    assert "evil<script>window.__pwned=1</script>" in body  # shown as text, escaped
    assert "<img src=x onerror=window.__pwned=4> accepted" in body  # suppression reason, as text
    assert problems == [], problems
    page.close()


def test_csp_allows_only_the_pages_own_script_and_style() -> None:
    html = render(mixed_report(), "html", RenderOptions(docs_base_url="javascript:alert(1)//"))
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert csp is not None
    policy = csp.group(1).replace("&#39;", "'")
    script = re.search(r"<script>(.*?)</script>", html, re.S)
    style = re.search(r"<style>(.*?)</style>", html, re.S)
    assert script is not None and style is not None
    digest = base64.b64encode(hashlib.sha256(script.group(1).encode()).digest()).decode()
    sdigest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert policy == ("default-src 'none'; img-src data:; base-uri 'none'; form-action 'none'; "
                      f"style-src 'sha256-{sdigest}'; script-src 'sha256-{digest}'")
    assert "unsafe-inline" not in policy
    assert "<link" not in html and not re.search(r'\ssrc=', html)  # nothing loaded from anywhere
    assert "javascript:" not in html  # a hostile docs base URL never becomes a link
    assert html.count("<script") == 1 and " style=" not in html

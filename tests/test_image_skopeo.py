"""Interoperability with a real tool: skopeo (Debian) converts the test images between transports and
pushes them (as Docker v2 schema 2) to the loopback registry; the collector reads what skopeo wrote."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from auditor.collectors.image import collect
from auditor.scan import ScanOptions, run_scan
from tests.images.builder import build, write_oci_layout
from tests.images.registry import REGISTRY_BIN, start_registry

SKOPEO = shutil.which("skopeo")
pytestmark = [pytest.mark.network, pytest.mark.skipif(SKOPEO is None or REGISTRY_BIN is None,
                                                     reason="skopeo / docker-registry not installed (.ci/setup.d/images.sh)")]
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "rules"
TODAY = dt.date(2026, 11, 25)


def skopeo(*args: str) -> None:
    proc = subprocess.run([SKOPEO or "skopeo", "--insecure-policy", *args], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr


def findings(target: str, **live: object) -> list[tuple[str, str, str]]:
    report = run_scan(ScanOptions(inputs=(target,), select=("IMAGE",), today=TODAY, live=live))
    assert not report.errors, report.errors
    return sorted((f.rule, f.status, f.message) for f in report.findings)


def test_images_written_and_pushed_by_skopeo(tmp_path: Path) -> None:
    img = build(json.loads((FIXTURES / "IMG003" / "fail.json").read_text()))
    layout = write_oci_layout(img, tmp_path / "layout", "1.4")
    expected = findings(f"oci:{layout}:1.4")
    skopeo("copy", "-q", f"oci:{layout}:1.4", f"docker-archive:{tmp_path}/d.tar:registry.example/ml/scorer:1.4")
    skopeo("copy", "-q", f"oci:{layout}:1.4", f"oci-archive:{tmp_path}/o.tar:1.4")
    for target in (f"docker-archive:{tmp_path}/d.tar", f"oci-archive:{tmp_path}/o.tar:1.4"):
        assert findings(target) == expected, target
        scheme, _, ref = target.partition(":")
        assert collect(ref, {"scheme": scheme}).resources[0].extra["config_digest"] == img.config_digest
    reg = start_registry(tmp_path / "registry")
    try:
        skopeo("copy", "-q", "--format", "v2s2", "--dest-tls-verify=false", f"oci:{layout}:1.4",
               f"docker://{reg.host}/ml/scorer:1.4")
        got = collect(f"{reg.host}/ml/scorer:1.4", {"scheme": "docker", "insecure": True})
        assert got.errors == []
        res = got.resources[0]
        assert res.data["media_type"] == "application/vnd.docker.distribution.manifest.v2+json"
        assert {lay["media_type"] for lay in res.data["layers"]} == {
            "application/vnd.docker.image.rootfs.diff.tar.gzip"}
        assert res.extra["config_digest"] == img.config_digest
        assert findings(f"docker://{reg.host}/ml/scorer:1.4", insecure=True) == expected
    finally:
        reg.stop()

"""The built wheel carries the rule pack, the templates and the rule fixtures (for `explain`):
build it, install it into an empty target directory, and run it from there, away from the checkout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.registry import load_rules
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
                   check=True, timeout=600)
    (wheel,) = dist.glob("auditor-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, timeout=600)
    return target


def _run(target: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(target))
    return subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=300)


def test_wheel_carries_rules_templates_and_fixtures(installed: Path, tmp_path: Path) -> None:
    pkg = installed / "auditor"
    assert (pkg / "_builtin" / "rules").is_dir()
    assert (pkg / "_builtin" / "templates").is_dir()
    assert (pkg / "_builtin" / "fixtures").is_dir()
    assert (pkg / "data" / "checklist.yaml").is_file() and (pkg / "data" / "eol.yaml").is_file()
    where = _run(installed, "--version", cwd=tmp_path)
    assert where.returncode == 0
    probe = subprocess.run([sys.executable, "-c", "import auditor; print(auditor.__file__)"], capture_output=True,
                           text=True, env=dict(os.environ, PYTHONPATH=str(installed)), cwd=tmp_path)
    assert probe.stdout.strip().startswith(str(installed))
    rules = json.loads(_run(installed, "rules", "--format", "json", cwd=tmp_path).stdout)
    assert sorted(r["code"] for r in rules) == sorted(r.meta.code for r in load_rules().rules)
    explain = _run(installed, "explain", "K8S001", cwd=tmp_path)
    assert "## Failing example" in explain.stdout
    (tmp_path / "Dockerfile").write_text("FROM python\n")
    scan = _run(installed, "scan", ".", "--format", "json", "--select", "DF001", cwd=tmp_path)
    assert scan.returncode == 1, scan.stderr
    assert [f["status"] for f in json.loads(scan.stdout)["findings"]] == ["fail"]

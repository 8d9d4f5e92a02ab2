"""Shared test helpers: run the real CLI and the real scan on real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def run_cli(*args: str, cwd: Path | None = None, input: bytes | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auditor", *args],
        cwd=cwd or ROOT,
        input=input.decode() if input is not None else None,
        capture_output=True,
        text=True,
        timeout=300,
    )


def scan_json(*args: str, cwd: Path | None = None) -> tuple[int, dict[str, Any]]:
    proc = run_cli("scan", *args, "--format", "json", cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


@pytest.fixture
def root() -> Path:
    return ROOT

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


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Write {relative path: text} under `root` (folders created); returns `root`."""
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return root


def rule_results(root: Path, files: dict[str, str], code: str) -> tuple[list[tuple[str, int | None, str]], Any]:
    """Write a tree, scan it with one rule through the real loaders and engine: that rule's
    (status, line, message) results, and the report (for its errors)."""
    from auditor.scan import ScanOptions, run_scan

    report = run_scan(ScanOptions(inputs=(str(write_tree(root, files)),), select=(code,)))
    return [(f.status, f.location.line, f.message) for f in report.findings if f.rule == code], report


@pytest.fixture
def root() -> Path:
    return ROOT


# ---- the network: tests talk to loopback servers only ---------------------------------------------
# An audit hook sees every socket.connect made in this process (SDK clients, the kubernetes client,
# registry clients) before it happens: a connection to any other address (a cloud endpoint, IMDS at
# 169.254.169.254) is refused on the spot, never sent, and the test that tried it fails.
_OUTSIDE: list[str] = []


def _loopback(address: object) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX
        return True
    if isinstance(address, tuple) and address:
        host = str(address[0])
        return host.startswith("127.") or host in ("::1", "localhost", "0:0:0:0:0:0:0:1") or \
            host.startswith("::ffff:127.")
    return True


def _audit(event: str, args: tuple[object, ...]) -> None:
    if event == "socket.connect" and len(args) >= 2 and not _loopback(args[1]):
        _OUTSIDE.append(repr(args[1]))
        raise ConnectionRefusedError(f"tests may only connect to loopback, not {args[1]!r}")


sys.addaudithook(_audit)


@pytest.fixture(autouse=True)
def _only_loopback() -> object:
    before = len(_OUTSIDE)
    yield None
    reached = _OUTSIDE[before:]
    assert not reached, f"the test connected outside loopback: {reached}"

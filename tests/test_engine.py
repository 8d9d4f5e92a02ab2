"""Engine behaviour with a user's own rule folder: loaded like the built-in pack, a crashing rule is an
ERROR for that pair only, NotAssessed is never a pass, bad metadata is refused."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli

CUSTOM = '''
from auditor.api import NotAssessed, Params, Violation, rule


class Limits(Params):
    max_containers: int = 1


@rule(code="ORG001", name="too-many-containers", title="Too many containers", controls=["OPS-RESOURCES"],
      target="kubernetes", kinds=["Pod"], rationale="Keep pods small.", remediation="Split the pod.",
      params=Limits)
def too_many(res, ctx):
    """Counts containers."""
    n = len(res.data["spec"]["containers"])
    if n > ctx.params.max_containers:
        yield Violation(f"{n} containers", path=("spec", "containers"))


@rule(code="ORG002", name="always-crashes", title="Crashes", controls=["OPS-LIVENESS"], target="kubernetes",
      kinds=["Pod"], rationale="r", remediation="r")
def crashes(res, ctx):
    """Raises."""
    raise KeyError("boom")


@rule(code="ORG003", name="cannot-tell", title="Cannot tell", controls=["OPS-READINESS"], target="kubernetes",
      kinds=["Pod"], rationale="r", remediation="r")
def cannot_tell(res, ctx):
    """Missing evidence."""
    raise NotAssessed("the probe is defined in a ConfigMap this scan did not see")
'''

POD = """apiVersion: v1
kind: Pod
metadata: {name: two}
spec:
  securityContext: {runAsNonRoot: true}
  containers:
    - {name: a, image: "x:1"}
    - {name: b, image: "y:1"}
"""


def test_user_rules_folder_crash_and_not_assessed(tmp_path: Path) -> None:
    rules = tmp_path / "myrules"
    rules.mkdir()
    (rules / "org.py").write_text(CUSTOM)
    (tmp_path / "pod.yaml").write_text(POD)
    proc = run_cli("scan", str(tmp_path / "pod.yaml"), "--rules-dir", str(rules), "--format", "json",
                   "--select", "ORG001", "--select", "ORG002", "--select", "ORG003", "--select", "K8S001",
                   "--fail-on", "none")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    got = sorted((f["rule"], f["status"], f["location"]["line"]) for f in report["findings"])
    assert got == [("K8S001", "pass", 1), ("ORG001", "fail", 6), ("ORG002", "error", 1),
                   ("ORG003", "not_assessed", 1)]
    crash = next(f for f in report["findings"] if f["rule"] == "ORG002")
    assert "KeyError" in crash["message"]
    ctl = {c["id"]: c for c in report["score"]["controls"]}
    assert ctl["OPS-READINESS"]["status"] == "not_assessed" and ctl["OPS-READINESS"]["score"] is None
    assert ctl["OPS-LIVENESS"]["status"] == "error"


def test_rule_parameters_from_config(tmp_path: Path) -> None:
    rules = tmp_path / "myrules"
    rules.mkdir()
    (rules / "org.py").write_text(CUSTOM)
    (tmp_path / "pod.yaml").write_text(POD)
    (tmp_path / ".auditor.toml").write_text('select = ["ORG001"]\n[params.ORG001]\nmax_containers = 2\n')
    proc = run_cli("scan", ".", "--rules-dir", str(rules), "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert [f["status"] for f in json.loads(proc.stdout)["findings"]] == ["pass"]
    (tmp_path / ".auditor.toml").write_text('[params.ORG001]\nmax_containres = 2\n')
    proc = run_cli("scan", ".", "--rules-dir", str(rules), cwd=tmp_path)
    assert proc.returncode == 2 and "ORG001" in proc.stderr


def test_rule_with_unknown_control_is_refused(tmp_path: Path) -> None:
    rules = tmp_path / "bad"
    rules.mkdir()
    (rules / "bad.py").write_text(CUSTOM.replace('controls=["OPS-RESOURCES"]', 'controls=["OPS-NOPE"]'))
    proc = run_cli("scan", str(tmp_path), "--rules-dir", str(rules))
    assert proc.returncode == 2 and "unknown control OPS-NOPE" in proc.stderr
    (rules / "bad.py").write_text(CUSTOM.replace('target="kubernetes", kinds=["Pod"], rationale="Keep',
                                                 'target="azure", kinds=["Pod"], rationale="Keep'))
    proc = run_cli("scan", str(tmp_path), "--rules-dir", str(rules))
    assert proc.returncode == 2 and "targets azure" in proc.stderr


LEAKY = '''
from auditor.api import Violation, rule


@rule(code="ORG010", name="leaky-message", title="Leaky", controls=["SEC-NO-PLAINTEXT-SECRETS"],
      target="kubernetes", kinds=["Pod"], rationale="r", remediation="r")
def leaky(res, ctx):
    """A careless rule that puts a value in its message."""
    yield Violation("found ghp_abcdefghijklmnopqrstuvwxyz0123456789AB in env", evidence="AKIAABCDEFGHIJKLMNOP")
'''


def test_engine_redacts_known_tokens_even_from_careless_rules(tmp_path: Path) -> None:
    rules = tmp_path / "r"
    rules.mkdir()
    (rules / "leaky.py").write_text(LEAKY)
    (tmp_path / "pod.yaml").write_text(POD)
    proc = run_cli("scan", str(tmp_path / "pod.yaml"), "--rules-dir", str(rules), "--select", "ORG010",
                   "--format", "json", "--format", "console", "--fail-on", "none")
    assert proc.returncode == 0, proc.stderr
    assert "ghp_abcdefghijklmnopqrstuvwxyz0123456789AB" not in proc.stdout
    assert "AKIAABCDEFGHIJKLMNOP" not in proc.stdout
    assert "<redacted GitHub token>" in proc.stdout


def test_tests_cannot_reach_beyond_loopback() -> None:
    """The suite's guard (tests/conftest.py) refuses a non-loopback connect before any packet is sent."""
    import socket
    import sys

    from tests import conftest

    before = len(conftest._OUTSIDE)
    s = socket.socket()
    try:  # raise the audit event socket.connect raises, without any system call behind it
        sys.audit("socket.connect", s, ("192.0.2.1", 9))
    except ConnectionRefusedError as exc:
        assert "loopback" in str(exc)
    else:
        raise AssertionError("a non-loopback connect was not refused")
    finally:
        s.close()
    assert conftest._OUTSIDE[before:] == ["('192.0.2.1', 9)"]
    del conftest._OUTSIDE[before:]  # expected here: keep this test green

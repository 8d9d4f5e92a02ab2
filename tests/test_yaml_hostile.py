"""Hostile YAML is refused in bounded time and memory, with a clear error entry, and the rest of the
scan goes on. Each scan runs in a subprocess with a 1 GiB address-space limit and a time limit."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from auditor.yamlsafe import YamlRefused, compose_documents, load_all
from tests.conftest import ROOT

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(9)
) + "kind: Pod\napiVersion: v1\n"
GOOD = """apiVersion: v1
kind: Pod
metadata:
  name: fine
spec:
  containers:
    - name: app
      image: nginx:1.27
      securityContext:
        runAsUser: 0
"""


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def _scan(tree: Path, timeout: float = 60) -> tuple[dict, float]:  # type: ignore[type-arg]
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "scan", str(tree), "--format", "json", "--fail-on", "none"],
        capture_output=True, text=True, timeout=timeout, preexec_fn=_limited, cwd=ROOT,
    )
    elapsed = time.perf_counter() - start
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), elapsed


def test_hostile_yaml_refused_and_rest_scanned(tmp_path: Path) -> None:
    (tmp_path / "bomb.yaml").write_text(BOMB)
    (tmp_path / "self.yaml").write_text("apiVersion: v1\nkind: ConfigMap\ndata: &a\n  x: [*a]\n")
    (tmp_path / "deep-flow.yaml").write_text("apiVersion: v1\nkind: ConfigMap\ndata: " + "[" * 20000 + "]" * 20000)
    (tmp_path / "deep-block.yaml").write_text("apiVersion: v1\nkind: ConfigMap\ndata:\n" + "- " * 50000 + "x\n")
    (tmp_path / "huge.yaml").write_text("apiVersion: v1\nkind: ConfigMap\ndata:\n  k: '" + "x" * (40 << 20) + "'\n")
    (tmp_path / "broken.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: [unclosed\n")
    (tmp_path / "good.yaml").write_text(GOOD)
    report, elapsed = _scan(tmp_path)
    errors = {Path(e["path"]).name: e["message"] for e in report["errors"]}
    assert set(errors) == {"bomb.yaml", "self.yaml", "deep-flow.yaml", "deep-block.yaml", "huge.yaml", "broken.yaml"}
    assert "alias" in errors["bomb.yaml"] and errors["bomb.yaml"].startswith("refused")
    assert "recursive" in errors["self.yaml"]
    assert "nesting" in errors["deep-flow.yaml"] and "nesting" in errors["deep-block.yaml"]
    assert "limit" in errors["huge.yaml"]
    assert "line 3" in errors["broken.yaml"]
    # the good file next to them is still judged, at the exact line
    root_fail = [f for f in report["findings"] if f["rule"] == "K8S001" and f["status"] == "fail"]
    assert [(Path(f["location"]["path"]).name, f["location"]["line"]) for f in root_fail] == [("good.yaml", 10)]
    assert elapsed < 30


def test_alias_bomb_refused_without_expansion() -> None:
    start = time.perf_counter()
    try:
        list(compose_documents(BOMB))
    except YamlRefused as exc:
        assert "alias" in str(exc)
    else:
        raise AssertionError("alias bomb was accepted")
    assert time.perf_counter() - start < 2


def test_anchors_aliases_and_merge_keys_work() -> None:
    docs = load_all("base: &b {cpu: 1, memory: 2Gi}\nlimits:\n  <<: *b\n  cpu: 2\nlist: [*b]\nq: '<<'\n")
    d = docs[0]
    assert d == {"base": {"cpu": 1, "memory": "2Gi"}, "limits": {"cpu": 2, "memory": "2Gi"},
                 "list": [{"cpu": 1, "memory": "2Gi"}], "q": "<<"}
    assert d.key_lines == {"base": 1, "limits": 2, "list": 5, "q": 6}
    assert d["limits"].key_lines["cpu"] == 4


def test_scalar_types_and_odd_values() -> None:
    (d,) = load_all("a: 0x1F\nb: 1_000\nc: yes\nd: ~\ne: '010'\nf: =\ng: .inf\nh: 2026-01-01\non: push\ni: 1.5\n")
    assert d == {"a": 31, "b": 1000, "c": True, "d": None, "e": "010", "f": "=", "g": ".inf", "h": "2026-01-01",
                 "on": "push", "i": 1.5}

"""Discovery classifies files; loaders keep exact positions and report what they cannot read."""

from __future__ import annotations

from pathlib import Path

from auditor.scan import ScanOptions, build_inventory


def _inv(tmp_path: Path, **kw):  # type: ignore[no-untyped-def]
    return build_inventory(ScanOptions(inputs=(str(tmp_path),), **kw))


def test_dockerfile_names_and_skipped_dirs(tmp_path: Path) -> None:
    for name in ("Dockerfile", "Containerfile", "Dockerfile.gpu", "api.Dockerfile", "worker.dockerfile",
                 "node_modules/x/Dockerfile", ".git/Dockerfile", "venv/Dockerfile", "env2/Dockerfile",
                 "vendor/Dockerfile", "notes.txt"):
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("FROM alpine:3.20\n")
    (tmp_path / "env2" / "pyvenv.cfg").write_text("home = /usr\n")
    inv = _inv(tmp_path, excludes=("vendor",))
    names = sorted(Path(r.location.path).relative_to(tmp_path).as_posix() for r in inv.resources)
    assert names == ["Containerfile", "Dockerfile", "Dockerfile.gpu", "api.Dockerfile", "worker.dockerfile"]


def test_kubernetes_multidoc_list_json_and_lines(tmp_path: Path) -> None:
    (tmp_path / "multi.yaml").write_text(
        "\ufeff# leading comment\n---\napiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\n# only a comment\n---\n"
        "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: b}\n"
        "  - apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: c\n      namespace: ml\n"
    )
    (tmp_path / "pod.json").write_text('{\n  "apiVersion": "v1",\n  "kind": "Pod",\n  "metadata": {"name": "j"},\n'
                                       '  "spec": {"containers": [{"name": "x", "image": "y"}]}\n}\n')
    inv = _inv(tmp_path)
    got = sorted((r.kind, r.namespace, r.name, r.location.line) for r in inv.resources)
    assert got == [("ConfigMap", None, "b", 12), ("Deployment", "ml", "c", 15), ("Pod", None, "j", 1),
                   ("Service", None, "a", 3)]
    pod = next(r for r in inv.resources if r.kind == "Pod")
    assert pod.line_of(("spec", "containers", 0, "image")) == 5
    assert not inv.errors


def test_non_kubernetes_yaml_is_left_alone_silently(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text("services:\n  web:\n    image: nginx\n")
    (tmp_path / "values.yaml").write_text("replicaCount: 2\nimage: {repository: x}\n")
    (tmp_path / "data.json").write_text('{"a": 1}')
    (tmp_path / "bin.yaml").write_bytes(b"\xff\xfe\x00bad")
    inv = _inv(tmp_path)
    assert not inv.resources and not inv.errors


def test_unrendered_helm_templates_are_not_scanned_with_a_hint(tmp_path: Path) -> None:
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    (chart / "templates" / "deploy.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n"
        "  replicas: {{ .Values.replicas }}\n"
    )
    (tmp_path / "loose.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n{{- if .Values.extra }}\ndata: {}\n{{- end }}\n"
    )
    (tmp_path / "ok-template-in-string.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: alerts}\ndata:\n  tmpl: |\n    {{ define \"x\" }}hi{{ end }}\n"
        "  other: \"{{ .Labels.job }}\"\n"
    )
    inv = _inv(tmp_path)
    errs = {Path(e.path).name: (e.kind, e.message) for e in inv.errors}
    assert set(errs) == {"deploy.yaml", "loose.yaml"}
    assert all(kind == "not_scanned" and "helm template" in msg for kind, msg in errs.values())
    assert [r.name for r in inv.resources] == ["alerts"]
    assert inv.resources[0].data["data"]["other"] == "{{ .Labels.job }}"


def test_odd_real_world_yaml(tmp_path: Path) -> None:
    (tmp_path / "dup.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\ndata: {a: 1, a: 2}\n")
    (tmp_path / "enum.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: e}\ndata:\n  ops: [=, '!=']\n"
    )
    (tmp_path / "nometa.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\nspec: {}\n")
    inv = _inv(tmp_path)
    by = {r.name: r for r in inv.resources}
    assert by["d"].data["data"] == {"a": 2}
    assert by["e"].data["data"]["ops"] == ["=", "!="]
    assert by["<unnamed>"].kind == "Deployment"
    assert not inv.errors


def test_dockerfile_positions_survive_continuations_and_heredocs(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        "# syntax=docker/dockerfile:1\n# escape=`\nFROM alpine:3.20 AS base\nRUN apk add `\n  # comment inside\n"
        "  curl\nRUN <<EOF\nset -e\necho hi\nEOF\nfrom base\nCOPY --from=base /a /b\n"
    )
    (inv_res,) = _inv(tmp_path).resources
    model = inv_res.data
    assert model.directives == {"syntax": "docker/dockerfile:1", "escape": "`"}
    assert [(i.cmd, i.line, i.end_line) for i in model.instructions] == [
        ("FROM", 3, 3), ("RUN", 4, 6), ("RUN", 7, 10), ("FROM", 11, 11), ("COPY", 12, 12)]
    assert model.instructions[1].value == "apk add curl"
    assert model.instructions[2].heredocs == ("set -e\necho hi",)
    assert model.stages[1].from_stage == 0 and model.instructions[4].flags == {"from": "base"}


def test_unreadable_and_oversized_files_are_errors(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_bytes(b"FROM alpine\xff\xfe\n")
    (tmp_path / "big.yaml").write_text("apiVersion: v1\nkind: ConfigMap\n" + "#" * 5000 + "\n")
    from auditor.config import Config

    inv = _inv(tmp_path, config=Config(max_file_size=1000))
    msgs = sorted((Path(e.path).name, e.message.split(":")[0]) for e in inv.errors)
    assert msgs == [("Dockerfile", "cannot read"), ("big.yaml", "refused")]

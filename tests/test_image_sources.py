"""Local image sources and the layer reader on real images built by tests/images/builder.py:
every transport, stdin, zstd, whiteouts and opaque dirs, symlinks, and hostile inputs."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

from auditor.collectors.image import collect
from auditor.scan import ScanOptions, run_scan
from tests.images.builder import (
    LayerBuilder,
    add_files,
    assemble,
    build,
    make_layer,
    write_docker_archive,
    write_oci_archive,
    write_oci_layout,
)
from tests.images.sources import LOCAL_SOURCES, write_as

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "rules"
TODAY = dt.date(2026, 11, 25)


def spec(code: str = "IMG003", name: str = "fail.json") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / code / name).read_text())
    return data


def facts_of(target: str, **options: Any) -> dict[str, Any]:
    scheme, _, ref = target.partition(":")
    got = collect(ref, {"scheme": scheme, **options})
    assert got.errors == [], got.errors
    assert len(got.resources) == 1
    data: dict[str, Any] = got.resources[0].data
    return data


def errors_of(target: str, **options: Any) -> list[str]:
    scheme, _, ref = target.partition(":")
    got = collect(ref, {"scheme": scheme, **options})
    assert got.resources == []
    return [e.message for e in got.errors]


def all_findings(target: str, stdin: Any = None) -> list[tuple[str, str, str]]:
    live = {"stdin": stdin} if stdin is not None else {}
    report = run_scan(ScanOptions(inputs=(target,), select=("IMAGE",), today=TODAY, live=live))
    assert not report.errors, report.errors
    return sorted((f.rule, f.status, f.message) for f in report.findings)


def test_same_image_from_every_local_source_and_stdin(tmp_path: Path) -> None:
    img = build(spec())
    expected = None
    digests = set()
    for source in LOCAL_SOURCES:
        target = write_as(img, source, tmp_path / source)
        got = all_findings(target)
        expected = expected or got
        assert got == expected, source
        digests.add(facts_of(target)["config_digest"])
    assert digests == {img.config_digest}
    tar = write_docker_archive(img, tmp_path / "stdin.tar")
    assert all_findings("docker-archive:-", stdin=io.BytesIO(tar.read_bytes())) == expected
    assert [(r, s) for r, s, _ in expected] == [
        ("IMG001", "pass"), ("IMG002", "pass"), ("IMG003", "fail"), ("IMG003", "fail"), ("IMG003", "fail"),
        ("IMG003", "fail"), ("IMG004", "pass"), ("IMG005", "pass"), ("IMG006", "pass"), ("IMG007", "pass"), ("IMG008", "pass"),
        ("IMG009", "pass")]


def test_stdin_through_the_cli(tmp_path: Path) -> None:
    img = build(spec("IMG002", "fail.json"))
    tar = write_docker_archive(img, tmp_path / "app.tar")
    proc = subprocess.run([sys.executable, "-m", "auditor", "scan", "docker-archive:-", "--select", "IMG002",
                           "--format", "json"], input=tar.read_bytes(), capture_output=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert [(f["rule"], f["status"], f["message"], f["location"]["path"]) for f in report["findings"]] == [
        ("IMG002", "fail", "image config has no HEALTHCHECK", "-")]


def test_facts_of_a_debian_image(tmp_path: Path) -> None:
    facts = facts_of(write_as(build(spec("IMG008", "fail.json")), "oci", tmp_path))
    assert facts["os"] == {"id": "debian", "version_id": "12", "version_codename": "bookworm",
                           "pretty_name": "Debian GNU/Linux 12 (bookworm)"}
    assert facts["user"] == {"raw": "app", "name": "app", "uid": 10001, "source": "/etc/passwd"}
    assert facts["packages"] == {"manager": "dpkg", "count": 88}
    assert facts["shells"] == ["bin/sh", "bin/dash", "usr/bin/sh"]
    assert facts["package_managers"] == ["usr/bin/apt-get", "usr/bin/dpkg"]
    assert facts["classification"]["kind"] == "slim"
    assert facts["setuid_files"] == [{"path": "usr/bin/su", "mode": "4755", "layer": 0, "setuid": True,
                                      "setgid": False, "owner_uid": 0}]
    assert [(c["kind"], c["files"], c["bytes"], c["layers"]) for c in facts["caches"]] == [
        ("apt lists", 2, 2551000, [1]), ("pip cache", 1, 70000, [2])]
    assert [lay["created_by"] for lay in facts["layers"]][1:] == [
        "RUN apt-get update && apt-get install -y curl", "RUN pip install -r requirements.txt"]
    json.dumps(facts)  # JSON-serialisable as a whole


def test_whiteouts_opaque_dirs_shadowed_bytes_and_symlinks(tmp_path: Path) -> None:
    s = {"layers": [
        {"files": [{"path": "etc/passwd", "text": "root:x:0:0::/root:/bin/sh\nsvc:x:0:0::/:/bin/sh\n"},
                   {"path": "data/a.bin", "size": 1000}, {"path": "data/sub/b.bin", "size": 500},
                   {"path": "keep/c.bin", "size": 300}, {"path": "old.bin", "size": 700}]},
        {"files": [{"opaque": "data"}, {"path": "data/new.bin", "size": 10},
                   {"whiteout": "old.bin"}, {"path": "keep/c.bin", "size": 30},
                   {"path": "etc/passwd-link", "symlink": "/../../../etc/passwd"},
                   {"path": "usr/bin/tool", "size": 40, "mode": "4755"},
                   {"path": "usr/bin/tool-link", "hardlink": "usr/bin/tool", "mode": "4755"}]}],
        "config": {"User": "svc"}}
    facts = facts_of(write_as(build(s), "oci-archive", tmp_path))
    passwd = len("root:x:0:0::/root:/bin/sh\nsvc:x:0:0::/:/bin/sh\n")
    total = passwd + 1000 + 500 + 300 + 700 + 10 + 30 + 40
    assert facts["size"]["total_bytes"] == total
    assert facts["size"]["final_bytes"] == total - 2500 == passwd + 10 + 30 + 40  # a hardlink shares its data
    assert facts["size"]["shadowed_bytes"] == 2500
    assert facts["layers"][0]["shadowed_bytes"] == 2500 and facts["layers"][1]["shadowed_bytes"] == 0
    assert facts["user"] == {"raw": "svc", "name": "svc", "uid": 0, "source": "/etc/passwd"}
    assert [f["path"] for f in facts["setuid_files"]] == ["usr/bin/tool", "usr/bin/tool-link"]


def test_symlinked_passwd_is_read_inside_the_image(tmp_path: Path) -> None:
    s = {"layers": [{"files": [
        {"path": "usr/lib/real/passwd", "text": "root:x:0:0::/root:/bin/sh\nrunner:x:4242:4242::/:/bin/sh\n"},
        {"path": "etc", "symlink": "/usr/lib/real"}]}], "config": {"User": "runner"}}
    facts = facts_of(write_as(build(s), "oci", tmp_path))
    assert facts["user"]["uid"] == 4242


def test_zstd_layers(tmp_path: Path) -> None:
    img = build(spec("IMG004", "fail.json"), compression="zstd")
    target = write_as(img, "oci", tmp_path)
    facts = facts_of(target)
    assert {lay["compression"] for lay in facts["layers"]} == {"zstd"}
    assert [f["path"] for f in facts["setuid_files"]] == ["usr/local/bin/helper", "usr/local/bin/report"]
    # without the optional dependency: a clear error, not a crash
    code = ("import sys; sys.modules['zstandard'] = None\n"
            "from auditor.collectors.image import collect\n"
            f"r = collect({target.partition(':')[2]!r}, {{'scheme': 'oci'}})\n"
            "print(r.errors[0].message)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.stdout.strip() == ("registry.example/ml/scorer:1.4: this layer is zstd-compressed: install the "
                                   "optional `zstandard` package to read it"), proc.stdout + proc.stderr


def test_docker_archive_with_several_images_and_selection(tmp_path: Path) -> None:
    a = build(spec("IMG002", "pass.json"))
    b = build({**spec("IMG002", "fail.json"), "name": "registry.example/ml/other:2"})
    path = tmp_path / "two.tar"
    # two images in one archive, as `docker save a b` writes it
    write_docker_archive(a, tmp_path / "a.tar")
    write_docker_archive(b, tmp_path / "b.tar")
    files: dict[str, bytes] = {}
    manifest: list[Any] = []
    for part in ("a.tar", "b.tar"):
        with tarfile.open(tmp_path / part) as tf:
            for m in tf.getmembers():
                data = tf.extractfile(m).read()  # type: ignore[union-attr]
                if m.name == "manifest.json":
                    manifest += json.loads(data)
                else:
                    files[m.name] = data
    files["manifest.json"] = json.dumps(manifest).encode()
    with tarfile.open(path, "w") as tf:
        for name, data in files.items():
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))
    got = collect(str(path), {"scheme": "docker-archive"})
    assert [(r.name, r.uid, r.extra["tag"]) for r in got.resources] == [
        ("registry.example/ml/scorer", "image:registry.example/ml/scorer", "1.4"),
        ("registry.example/ml/other", "image:registry.example/ml/other", "2")]
    one = collect(f"{path}:registry.example/ml/other:2", {"scheme": "docker-archive"})
    assert [r.extra["config_digest"] for r in one.resources] == [b.config_digest]
    by_index = collect(f"{path}:@0", {"scheme": "docker-archive"})
    assert [r.extra["config_digest"] for r in by_index.resources] == [a.config_digest]


def test_identity_is_stable_across_tags_and_rebuilds(tmp_path: Path) -> None:
    one = collect(f"{write_oci_layout(build(spec()), tmp_path / 'l1', '1.4')}:1.4", {"scheme": "oci"}).resources[0]
    rebuilt = build({**spec(), "name": "registry.example/ml/scorer:1.5", "created": "2026-11-20T00:00:00Z"})
    two = collect(f"{write_oci_layout(rebuilt, tmp_path / 'l2', '1.5')}:1.5", {"scheme": "oci"}).resources[0]
    assert one.uid == two.uid == "image:registry.example/ml/scorer"
    assert (one.extra["tag"], two.extra["tag"]) == ("1.4", "1.5")
    assert one.extra["config_digest"] != two.extra["config_digest"]


# ---- hostile and broken inputs -------------------------------------------------------------------
def test_path_traversal_entries_are_ignored(tmp_path: Path) -> None:
    lb = LayerBuilder()
    lb.file("../../etc/evil", b"x")
    lb.file("/abs/ok", b"y")
    lb.file("a/../../escape", b"z")
    lb.hardlink("hl", "../../../etc/shadow")
    img = assemble({}, [make_layer(lb.finish())])
    target = write_as(img, "oci", tmp_path / "img")
    facts = facts_of(target)
    assert facts["layers"][0]["ignored_entries"] == ["../../etc/evil", "a/../../escape", "hl"]
    assert facts["layers"][0]["entries"] == 1  # only abs/ok
    assert not (tmp_path.parent / "etc" / "evil").exists() and not Path("/etc/evil").exists()


def test_decompression_bomb_is_cut_off(tmp_path: Path) -> None:
    lb = LayerBuilder()
    lb.stream_file("zeros", 64 * 1024 * 1024, io.BytesIO(bytes(64 * 1024 * 1024)))
    img = assemble({}, [make_layer(lb.finish())])
    assert len(img.layers[0].blob) < 200_000
    target = write_as(img, "oci", tmp_path)
    assert errors_of(target, limits={"max_layer_bytes": 8 * 1024 * 1024}) == [
        "layer 0 (decompressed) exceeds the limit of 8,388,608 bytes (decompression bomb or absurd size)"]
    assert errors_of(target, limits={"max_total_bytes": 1024 * 1024}) == [
        "layer 0 (decompressed) exceeds the limit of 1,048,576 bytes (decompression bomb or absurd size)"]


def test_too_many_entries(tmp_path: Path) -> None:
    lb = LayerBuilder()
    add_files(lb, [{"path": f"f{i}", "text": ""} for i in range(50)])
    target = write_as(assemble({}, [make_layer(lb.finish())]), "oci", tmp_path)
    assert errors_of(target, limits={"max_entries": 20}) == ["image has more than 20 tar entries"]


def test_tampered_blob_in_a_layout(tmp_path: Path) -> None:
    img = build(spec())
    root = write_oci_layout(img, tmp_path / "layout", "1.4")
    layer = img.layers[1]
    (root / "blobs" / "sha256" / layer.digest[7:]).write_bytes(gzip.compress(b"\0" * 1024, mtime=0))
    msgs = errors_of(f"oci:{root}:1.4")
    assert len(msgs) == 1 and msgs[0].startswith(
        f"registry.example/ml/scorer:1.4: layer 1: content does not match its digest {layer.digest}")


def test_config_lying_about_diff_ids(tmp_path: Path) -> None:
    img = build(spec("IMG002", "pass.json"))
    cfg = json.loads(img.config)
    cfg["rootfs"]["diff_ids"][0] = "sha256:" + "1" * 64
    img.config = json.dumps(cfg).encode()
    msgs = errors_of(f"oci:{write_oci_layout(img, tmp_path / 'l', '1.4')}:1.4")
    assert len(msgs) == 1 and msgs[0].startswith(
        "registry.example/ml/scorer:1.4: layer 0: uncompressed content does not match config diff_id sha256:111")


@pytest.mark.parametrize(("index", "message"), [
    (b"{not json", "index.json is not valid JSON"),
    (b'{"schemaVersion": 2}', "index.json has no manifests list"),
    (b'{"manifests": [{"digest": "md5:abc", "size": 3}]}', "index.json entry: unsupported or malformed digest"),
    (b'{"manifests": [{"digest": "sha256:' + b"a" * 64 + b'", "size": 99999999999}]}', "manifest sha256:aaaa"),
])
def test_malformed_layouts(tmp_path: Path, index: bytes, message: str) -> None:
    root = write_oci_layout(build(spec("IMG002", "pass.json")), tmp_path / "l", None)
    (root / "index.json").write_bytes(index)
    msgs = errors_of(f"oci:{root}")
    assert len(msgs) == 1 and message in msgs[0], msgs


def test_not_an_archive_and_missing_paths(tmp_path: Path) -> None:
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"this is not a tar file at all" * 100)
    assert errors_of(f"docker-archive:{junk}")[0].startswith(f"{junk}: not a readable tar archive")
    assert errors_of(f"oci-archive:{tmp_path}/missing.tar") == [f"no such file or directory: {tmp_path}/missing.tar"]
    empty = tmp_path / "empty.tar"
    with tarfile.open(empty, "w"):
        pass
    assert errors_of(f"docker-archive:{empty}") == [f"{empty}: manifest.json is missing"]


def test_bad_image_does_not_stop_the_scan(tmp_path: Path) -> None:
    good = write_as(build(spec("IMG009", "fail.json")), "oci-archive", tmp_path / "good")
    bad = tmp_path / "bad.tar"
    bad.write_bytes(b"\0" * 10)
    report = run_scan(ScanOptions(inputs=(f"docker-archive:{bad}", good), select=("IMG009",), today=TODAY))
    assert [(e.path, e.target) for e in report.errors] == [(str(bad), "image")]
    assert [(f.rule, f.status) for f in report.findings] == [("IMG009", "fail")]


def test_oci_archive_and_layout_with_several_tags(tmp_path: Path) -> None:
    img = build(spec("IMG002", "pass.json"))
    arch = write_oci_archive(img, tmp_path / "a.tar", "1.4")
    assert errors_of(f"oci-archive:{arch}:9.9") == [f"{arch}: no image tagged '9.9'"]
    assert facts_of(f"oci-archive:{arch}:1.4")["config_digest"] == img.config_digest


def test_recorded_inventory_replays_to_the_same_findings(tmp_path: Path) -> None:
    from auditor.inventory import Inventory
    from auditor.scan import build_inventory, judge

    target = write_as(build(spec("IMG008", "fail.json")), "docker-archive", tmp_path)
    opts = ScanOptions(inputs=(target,), select=("IMAGE",), today=TODAY)
    live = build_inventory(opts)
    replay = Inventory.from_json(json.loads(live.dumps()))
    assert [r.origin for r in replay.resources] == ["snapshot"]

    def key(inv: Inventory) -> list[tuple[str, str, str, str | None, str]]:
        return sorted((f.rule, f.status, f.message, f.location.path, f.uid) for f in judge(inv, opts).findings)

    assert key(replay) == key(live)
    assert ("IMG008", "fail", "apt lists left in /var/lib/apt/lists: 2 files, 2.4 MiB, from layer 1 (RUN apt-get "
            "update && apt-get install -y curl)", str(tmp_path / "image-docker.tar"),
            "image:registry.example/ml/scorer") in key(replay)


def test_gzip_compressed_docker_save(tmp_path: Path) -> None:
    img = build(spec("IMG009", "pass.json"))
    tar = write_docker_archive(img, tmp_path / "app.tar")
    gz = tmp_path / "app.tar.gz"
    gz.write_bytes(gzip.compress(tar.read_bytes(), mtime=0))
    assert facts_of(f"docker-archive:{gz}")["config_digest"] == img.config_digest
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(gz.read_bytes()[:300])
    msgs = errors_of(f"docker-archive:{broken}")
    assert len(msgs) == 1 and msgs[0].startswith(f"{broken} cannot be read: "), msgs


def test_oversized_tar_metadata_header_is_refused(tmp_path: Path) -> None:
    # a GNU longname header claiming 64 MiB of name: refused before tarfile reads it into memory
    lb = LayerBuilder()
    lb.file("ok", b"fine")
    ti = tarfile.TarInfo("././@LongLink")
    ti.type = tarfile.GNUTYPE_LONGNAME
    ti.size = 64 * 1024 * 1024
    lb.tar.addfile(ti, io.BytesIO(b"a" * ti.size))
    target = write_as(assemble({}, [make_layer(lb.finish())]), "oci", tmp_path)
    assert errors_of(target) == ["tar metadata header of 67,108,864 bytes (over 1,048,576)"]


KEY_PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n"


@pytest.mark.parametrize(("path", "content", "kind"), [
    ("etc/ssl/private/ssl-cert-snakeoil.key", KEY_PEM, "private key"),
    ("home/app/.ssh/id_rsa", KEY_PEM, "private key"),
    ("home/app/.ssh/id_rsa.pub", "ssh-rsa AAAAB3Nza app@host\n", None),
    ("app/tls/server.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", None),
    ("usr/lib/python3/dist-packages/urllib3/tests/server.key", KEY_PEM, None),
    ("opt/sdk/third_party/urllib3/dummyserver/certs/server.key", KEY_PEM, None),
    ("root/.npmrc", "//registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789\n", "npm token"),
    ("root/.docker/config.json", '{"auths": {"ghcr.io": {"auth": "dXNlcjpnaHBfc2VjcmV0dG9rZW4="}}}',
     "registry credentials"),
    ("root/.netrc", "machine api.example.com login bot password Zx9-long-password\n", "netrc password"),
    ("root/.aws/credentials", "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n", "AWS access key id"),
    ("app/.env.production", "DATABASE_URL=postgres://app:Sup3rS3cret@db:5432/app\n", "URL with credentials"),
    ("app/.env", "API_KEY=\nDEBUG=true\n", None),
    ("app/secrets.yaml", "openai_api_key: sk-proj-abcdefghijklmnopqrstuvwxyz012345\n", "OpenAI API key"),
    ("app/cert.p12", "\x30\x82\x0a\x00binary", "PKCS#12 key store"),
    ("usr/bin/python3", "ELF", None),
])
def test_secret_file_candidates(path: str, content: str, kind: str | None) -> None:
    from auditor.images.facts import inspect_secret, is_secret_candidate

    found = inspect_secret(path, content.encode("latin-1")) if is_secret_candidate(path) else None
    assert found == kind


def test_multi_member_gzip_layer(tmp_path: Path) -> None:
    # pigz and some build tools write several gzip members into one layer blob
    from tests.images.builder import Layer

    lb = LayerBuilder()
    add_files(lb, [{"path": f"data/f{i}", "size": 30000} for i in range(40)])
    tar = lb.finish()
    cut = len(tar) // 3
    blob = gzip.compress(tar[:cut], mtime=0) + gzip.compress(tar[cut:], mtime=0)
    img = assemble({}, [Layer(tar, blob, "application/vnd.oci.image.layer.v1.tar+gzip", "COPY data /data")])
    facts = facts_of(write_as(img, "oci", tmp_path))
    assert facts["layers"][0]["entries"] == 40 and facts["size"]["total_bytes"] == 40 * 30000

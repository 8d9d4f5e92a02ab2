"""Images read from a real registry (Debian's docker-registry on loopback): anonymous, token and basic
auth, docker-config credentials, platform selection from an index, and hostile registries."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from auditor.collectors.image import collect
from auditor.scan import ScanOptions, run_scan
from tests.images.builder import Image, build, index_for, push, sha
from tests.images.registry import REGISTRY_BIN, Registry, TokenServer, serve_fake, start_registry, with_token
from tests.images.sources import write_as

pytestmark = [pytest.mark.network,
              pytest.mark.skipif(REGISTRY_BIN is None, reason="docker-registry not installed (.ci/setup.d/images.sh)")]
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "rules"
TODAY = dt.date(2026, 11, 25)


def spec(code: str = "IMG003", name: str = "fail.json") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / code / name).read_text())
    return data


def findings(target: str, **live: Any) -> tuple[list[tuple[str, str, str]], Any]:
    report = run_scan(ScanOptions(inputs=(target,), select=("IMAGE",), today=TODAY, live=live))
    return sorted((f.rule, f.status, f.message) for f in report.findings), report


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    reg = start_registry(tmp_path_factory.mktemp("registry"))
    yield reg
    reg.stop()


@pytest.fixture(scope="module")
def token_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Registry, TokenServer]]:
    token = TokenServer()
    token.start()
    reg = start_registry(tmp_path_factory.mktemp("token-registry"), auth="token", token=token)
    yield reg, token
    reg.stop()
    token.stop()


@pytest.fixture(scope="module")
def basic_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    reg = start_registry(tmp_path_factory.mktemp("basic-registry"), auth="htpasswd", users={"ci": "pa55-word"})
    yield reg
    reg.stop()


def docker_config(tmp: Path, host: str, user: str, password: str) -> Path:
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    path = tmp / "docker-config.json"
    path.write_text(json.dumps({"auths": {f"https://{host}": {"auth": auth}}}))
    return path


def test_registry_image_same_as_every_local_source(registry: Registry, tmp_path: Path) -> None:
    img = build(spec())
    push(img, registry.base, "ml/scorer", "1.4")
    remote, report = findings(f"docker://{registry.host}/ml/scorer:1.4", insecure=True)
    res = [f for f in report.findings if f.rule == "IMG003"]
    assert {f.location.path for f in res} == {f"docker://{registry.host}/ml/scorer:1.4"}
    assert {f.uid for f in res} == {f"image:{registry.host}/ml/scorer"}
    assert {f.resource for f in res} == {f"Image {registry.host}/ml/scorer"}
    for source in ("oci", "oci-archive", "docker-archive", "docker-archive-25"):
        local, _ = findings(write_as(img, source, tmp_path / source))
        assert local == remote, source
    # the config digest is the same everywhere
    got = collect(f"{registry.host}/ml/scorer:1.4", {"scheme": "docker", "insecure": True})
    assert got.resources[0].extra["config_digest"] == img.config_digest
    assert got.resources[0].extra["manifest_digest"] == img.manifest_digest
    by_digest = collect(f"{registry.host}/ml/scorer@{img.manifest_digest}", {"scheme": "docker", "insecure": True})
    assert by_digest.resources[0].extra["config_digest"] == img.config_digest


def test_index_platform_selection(registry: Registry) -> None:
    amd = build({**spec("IMG009", "pass.json"), "architecture": "amd64"})
    arm = build({**spec("IMG009", "pass.json"), "architecture": "arm64"})
    push(arm, registry.base, "ml/multi", "tmp-arm")
    index = index_for([(amd, "linux/amd64"), (arm, "linux/arm64")])
    push(amd, registry.base, "ml/multi", "2.0", index=index)
    ref = f"{registry.host}/ml/multi:2.0"
    got = collect(ref, {"scheme": "docker", "insecure": True, "platform": "linux/arm64"})
    assert got.errors == [] and got.resources[0].extra["config_digest"] == arm.config_digest
    assert got.resources[0].extra["platform"] == "linux/arm64"
    got = collect(ref, {"scheme": "docker", "insecure": True, "platform": "linux/amd64"})
    assert got.resources[0].extra["config_digest"] == amd.config_digest
    got = collect(ref, {"scheme": "docker", "insecure": True, "platform": "linux/s390x"})
    assert [e.message for e in got.errors] == [
        "no image for platform linux/s390x in the index (it has: linux/amd64, linux/arm64); pick one with --platform"]


def test_insecure_only_for_loopback_and_https_by_default(registry: Registry) -> None:
    got = collect("registry.example.com/ml/scorer:1.4", {"scheme": "docker", "insecure": True})
    assert [e.message for e in got.errors] == [
        "--insecure allows plain HTTP only to a loopback registry, not registry.example.com"]
    got = collect(f"{registry.host}/ml/scorer:1.4", {"scheme": "docker"})
    assert len(got.errors) == 1 and got.errors[0].message.startswith(f"registry {registry.host} unreachable")
    assert got.errors[0].message.endswith("(plain-HTTP loopback registry? add --insecure)")
    assert got.errors[0].path == f"docker://{registry.host}/ml/scorer:1.4" and got.errors[0].target == "image"


def test_anonymous_bearer_token_challenge(token_registry: tuple[Registry, TokenServer]) -> None:
    reg, token = token_registry
    img = build(spec("IMG001", "pass.json"))
    push(img, reg.base, "ml/public", "1.0", auth=with_token(token, "ml/public"))
    token.requests.clear()
    got = collect(f"{reg.host}/ml/public:1.0", {"scheme": "docker", "insecure": True,
                                                "docker_config": "/nonexistent/config.json"})
    assert got.errors == [] and got.resources[0].extra["config_digest"] == img.config_digest
    assert token.requests == [{"path": "/token", "authorization": False,
                               "query": {"service": "test-registry", "scope": "repository:ml/public:pull"}}]


def test_private_repository_needs_docker_config_credentials(token_registry: tuple[Registry, TokenServer],
                                                            tmp_path: Path) -> None:
    reg, token = token_registry
    img = build(spec("IMG002", "fail.json"))
    push(img, reg.base, "private/scorer", "1.0", auth=with_token(token, "private/scorer"))
    ref = f"{reg.host}/private/scorer:1.0"
    got = collect(ref, {"scheme": "docker", "insecure": True, "docker_config": "/nonexistent/config.json"})
    assert len(got.errors) == 1
    assert got.errors[0].message.startswith(
        f"registry {reg.host}: /v2/private/scorer/manifests/1.0: unauthorized (no or wrong credentials)")
    cfg = docker_config(tmp_path, reg.host, token.user, token.password)
    got = collect(ref, {"scheme": "docker", "insecure": True, "docker_config": str(cfg)})
    assert got.errors == [] and got.resources[0].extra["config_digest"] == img.config_digest
    assert token.requests[-1]["authorization"] is True


def test_basic_auth_from_docker_config(basic_registry: Registry, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    img = build(spec("IMG008", "fail.json"))
    basic = "Basic " + base64.b64encode(b"ci:pa55-word").decode()
    push(img, basic_registry.base, "team/app", "3", auth=basic)
    ref = f"{basic_registry.host}/team/app:3"
    got = collect(ref, {"scheme": "docker", "insecure": True, "docker_config": "/nonexistent/config.json"})
    assert [e.message for e in got.errors] == [
        f"registry {basic_registry.host} asks for basic auth and no credentials were found in the docker config"]
    # DOCKER_CONFIG is how the docker CLI is pointed at another config directory
    (tmp_path / "wrong").mkdir()
    docker_config(tmp_path / "wrong", basic_registry.host, "ci", "nope").rename(tmp_path / "wrong" / "config.json")
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "wrong"))
    got = collect(ref, {"scheme": "docker", "insecure": True})
    assert len(got.errors) == 1 and "unauthorized (no or wrong credentials)" in got.errors[0].message
    (tmp_path / "right").mkdir()
    docker_config(tmp_path / "right", basic_registry.host, "ci", "pa55-word").rename(tmp_path / "right" / "config.json")
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "right"))
    got = collect(ref, {"scheme": "docker", "insecure": True})
    assert got.errors == [] and got.resources[0].extra["config_digest"] == img.config_digest


# ---- hostile registries ------------------------------------------------------------------------
def _fake_registry(img: Image, blobs: dict[str, bytes], manifest: bytes | None = None,
                   header_digest: str | None = None) -> Any:
    man = manifest if manifest is not None else img.manifest

    def handle(h: BaseHTTPRequestHandler) -> None:
        if h.path.startswith("/v2/ml/evil/manifests/"):
            h.send_response(200)
            h.send_header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
            h.send_header("Docker-Content-Digest", header_digest or sha(man))
            h.send_header("Content-Length", str(len(man)))
            h.end_headers()
            h.wfile.write(man)
            return
        digest = h.path.rsplit("/", 1)[-1]
        if digest in blobs:
            h.send_response(200)
            h.send_header("Content-Length", str(len(blobs[digest])))
            h.end_headers()
            h.wfile.write(blobs[digest])
            return
        h.send_response(404)
        h.end_headers()

    return serve_fake(handle)


def test_registry_serving_a_tampered_layer_is_an_error() -> None:
    img = build(spec())
    blobs = {img.config_digest: img.config}
    for lay in img.layers:
        blobs[lay.digest] = lay.blob
    first = img.layers[0]
    other = build({"layers": [{"files": [{"path": "etc/motd", "text": "not the layer you asked for"}]}]})
    blobs[first.digest] = other.layers[0].blob  # a valid gzip tar, but not the content the digest names
    host, stop = _fake_registry(img, blobs)
    try:
        got = collect(f"{host}/ml/evil:1.0", {"scheme": "docker", "insecure": True})
    finally:
        stop()
    assert got.resources == [] and len(got.errors) == 1
    assert got.errors[0].message == (f"{host}/ml/evil:1.0: layer 0: content does not match its digest {first.digest} "
                                     f"(got {other.layers[0].digest})")


def test_registry_lying_about_manifest_digest_is_an_error() -> None:
    img = build(spec())
    lie = "sha256:" + "0" * 64
    host, stop = _fake_registry(img, {}, header_digest=lie)
    try:
        got = collect(f"{host}/ml/evil:1.0", {"scheme": "docker", "insecure": True})
        by_digest = collect(f"{host}/ml/evil@{lie}", {"scheme": "docker", "insecure": True})
    finally:
        stop()
    assert [e.message for e in got.errors] == [
        f"manifest 1.0 from {host}: content does not match its digest {lie} (got {img.manifest_digest})"]
    assert [e.message for e in by_digest.errors] == [
        f"manifest {lie} from {host}: content does not match its digest {lie} (got {img.manifest_digest})"]


def test_registry_serving_a_malformed_manifest_is_an_error() -> None:
    img = build(spec())
    host, stop = _fake_registry(img, {}, manifest=b'{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.')
    try:
        got = collect(f"{host}/ml/evil:1.0", {"scheme": "docker", "insecure": True})
    finally:
        stop()
    assert len(got.errors) == 1 and got.errors[0].message.startswith("manifest 1.0 is not valid JSON")


def test_blob_redirect_to_storage_drops_credentials(tmp_path: Path) -> None:
    """Registries redirect blob downloads to object storage; the registry's credentials never follow."""
    img = build(spec("IMG009", "fail.json"))
    blobs = {img.config_digest: img.config, **{lay.digest: lay.blob for lay in img.layers}}
    basic = "Basic " + base64.b64encode(b"bot:t0ps3cret-pw").decode()
    seen_by_storage: list[str | None] = []

    def storage(h: BaseHTTPRequestHandler) -> None:
        seen_by_storage.append(h.headers.get("Authorization"))
        data = blobs.get(h.path.split("?")[0].rsplit("/", 1)[-1])
        if data is None or h.headers.get("Authorization"):
            h.send_response(400)  # as S3 does for a request with two kinds of authentication
            h.end_headers()
            return
        h.send_response(200)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    store_host, stop_store = serve_fake(storage)

    def registry_handler(h: BaseHTTPRequestHandler) -> None:
        if h.headers.get("Authorization") != basic:
            h.send_response(401)
            h.send_header("WWW-Authenticate", 'Basic realm="test"')
            h.end_headers()
            return
        if "/manifests/" in h.path:
            h.send_response(200)
            h.send_header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
            h.send_header("Content-Length", str(len(img.manifest)))
            h.end_headers()
            h.wfile.write(img.manifest)
            return
        h.send_response(307)
        h.send_header("Location", f"http://{store_host}/blobs/{h.path.rsplit('/', 1)[-1]}?sig=abc")
        h.end_headers()

    reg_host, stop_reg = serve_fake(registry_handler)
    try:
        cfg = docker_config(tmp_path, reg_host, "bot", "t0ps3cret-pw")
        got = collect(f"{reg_host}/ml/app:1", {"scheme": "docker", "insecure": True, "docker_config": str(cfg)})
    finally:
        stop_reg()
        stop_store()
    assert got.errors == [] and got.resources[0].extra["config_digest"] == img.config_digest
    assert seen_by_storage == [None] * (1 + len(img.layers))


def test_cli_platform_and_insecure_flags(registry: Registry) -> None:
    from tests.conftest import run_cli

    amd = build({**spec("IMG002", "pass.json"), "architecture": "amd64"})
    arm = build({**spec("IMG002", "fail.json"), "architecture": "arm64"})
    push(arm, registry.base, "ml/cli", "tmp-arm")
    push(amd, registry.base, "ml/cli", "3.0", index=index_for([(amd, "linux/amd64"), (arm, "linux/arm64")]))
    target = f"docker://{registry.host}/ml/cli:3.0"
    for platform, status in (("linux/amd64", "pass"), ("linux/arm64", "fail")):
        proc = run_cli("scan", target, "--insecure", "--platform", platform, "--select", "IMG002", "--format", "json")
        assert proc.returncode == (0 if status == "pass" else 1), proc.stderr
        report = json.loads(proc.stdout)
        assert [(f["rule"], f["status"], f["location"]["path"], f["uid"]) for f in report["findings"]] == [
            ("IMG002", status, target, f"image:{registry.host}/ml/cli")]
    proc = run_cli("scan", target, "--select", "IMG002", "--format", "json")  # no --insecure: https fails
    report = json.loads(proc.stdout)
    assert [(e["path"], e["target"]) for e in report["errors"]] == [(target, "image")]

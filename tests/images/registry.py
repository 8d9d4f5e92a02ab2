"""A real registry for tests: Debian's `docker-registry` on 127.0.0.1:<free port> with our own config
(never the packaged one, which listens on every interface and turns on auth), optionally behind
htpasswd basic auth or JWT token auth served by a small loopback token server (`TokenServer`).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REGISTRY_BIN = shutil.which("docker-registry")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class TokenServer:
    """Issues registry JWTs (RS256, x5c chain = a self-signed cert the registry trusts).

    Anonymous callers get `pull` on repositories not under `private/`; callers with the right basic
    credentials get pull and push everywhere. Records the requests it saw.
    """

    user: str = "ci"
    password: str = "s3cret-pass"
    service: str = "test-registry"
    issuer: str = "test-token-issuer"
    requests: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID

        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test token signer")])
        now = dt.datetime.now(dt.UTC)
        self.cert = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(self.key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self.cert_pem = self.cert.public_bytes(serialization.Encoding.PEM)
        self.cert_der = self.cert.public_bytes(serialization.Encoding.DER)
        self.port = free_port()
        self.realm = f"http://127.0.0.1:{self.port}/token"

    def token(self, scope: str, authed: bool) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        access = []
        for item in scope.split(" ") if scope else []:
            kind, _, rest = item.partition(":")
            repo, _, actions = rest.rpartition(":")
            wanted = actions.split(",")
            granted = wanted if authed else [a for a in wanted if a == "pull" and not repo.startswith("private/")]
            if granted:
                access.append({"type": kind, "name": repo, "actions": granted})
        now = int(time.time())
        header = {"alg": "RS256", "typ": "JWT", "x5c": [base64.b64encode(self.cert_der).decode()]}
        claims = {"iss": self.issuer, "sub": self.user if authed else "", "aud": self.service, "exp": now + 600,
                  "nbf": now - 60, "iat": now, "jti": f"{now}-{len(self.requests)}", "access": access}
        signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
        sig = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{b64url(sig)}"

    def basic(self) -> str:
        return "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()

    def start(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                q = dict(urllib.parse.parse_qsl(url.query))
                auth = self.headers.get("Authorization")
                authed = auth == server.basic()
                server.requests.append({"path": url.path, "query": q, "authorization": auth is not None})
                if url.path != "/token" or (auth is not None and not authed):
                    self.send_response(401)
                    self.end_headers()
                    return
                body = json.dumps({"token": server.token(q.get("scope", ""), authed), "expires_in": 600}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@dataclass
class Registry:
    base: str  # http://127.0.0.1:PORT
    proc: subprocess.Popen[bytes]
    host: str

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_registry(tmp: Path, auth: str | None = None, token: TokenServer | None = None,
                   users: dict[str, str] | None = None) -> Registry:
    """Start docker-registry with a config written here: loopback only, storage under `tmp`."""
    assert REGISTRY_BIN, "docker-registry is not installed (.ci/setup.d/images.sh)"
    tmp.mkdir(parents=True, exist_ok=True)
    port = free_port()
    lines = [
        "version: 0.1",
        "log:", "  level: error", "  accesslog:", "    disabled: true",
        "storage:", "  filesystem:", f"    rootdirectory: {tmp / 'data'}", "  delete:", "    enabled: true",
        "http:", f"  addr: 127.0.0.1:{port}", "  secret: test-only-secret",
    ]
    if auth == "htpasswd":
        import bcrypt

        entries = "".join(f"{u}:{bcrypt.hashpw(p.encode(), bcrypt.gensalt(rounds=4)).decode()}\n"
                          for u, p in (users or {}).items())
        (tmp / "htpasswd").write_text(entries)
        lines += ["auth:", "  htpasswd:", "    realm: test-realm", f"    path: {tmp / 'htpasswd'}"]
    elif auth == "token":
        assert token is not None
        (tmp / "token-ca.pem").write_bytes(token.cert_pem)
        lines += ["auth:", "  token:", f"    realm: {token.realm}", f"    service: {token.service}",
                  f"    issuer: {token.issuer}", f"    rootcertbundle: {tmp / 'token-ca.pem'}"]
    cfg = tmp / "config.yml"
    cfg.write_text("\n".join(lines) + "\n")
    log = (tmp / "registry.log").open("wb")
    proc = subprocess.Popen([REGISTRY_BIN, "serve", str(cfg)], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"docker-registry exited: {(tmp / 'registry.log').read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/v2/", timeout=2):
                break
        except urllib.error.HTTPError:
            break  # 401: up, with auth
        except OSError:
            time.sleep(0.05)
    else:
        proc.kill()
        raise RuntimeError("docker-registry did not start")
    return Registry(base, proc, f"127.0.0.1:{port}")


def with_token(token: TokenServer, repo: str) -> str:
    """A push-capable Authorization header for `repo` from the token server (as `docker login` would get)."""
    return "Bearer " + token.token(f"repository:{repo}:pull,push", authed=True)


FakeHandler = Callable[[BaseHTTPRequestHandler], None]


def serve_fake(handler: FakeHandler) -> tuple[str, Callable[[], None]]:
    """A loopback HTTP server answering every GET with `handler` (a hostile registry for tests)."""

    class H(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            handler(self)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()

    def stop() -> None:
        httpd.shutdown()
        httpd.server_close()

    return f"127.0.0.1:{httpd.server_address[1]}", stop

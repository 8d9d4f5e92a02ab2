"""Read images from a registry through the OCI distribution API (read-only: GET and HEAD only).

    docker://REGISTRY/REPOSITORY[:TAG][@DIGEST]   (docker.io when no registry is written)

Authentication follows the registry's challenge: an anonymous or credentialed bearer token from the
`realm` of `WWW-Authenticate: Bearer ...`, or basic auth. Credentials come from the user's docker
config (`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`, the `auths` entries; credential
helpers are not run). HTTPS always, except `--insecure` to a loopback registry. Every manifest and
blob is checked against its digest; a registry that serves other content is an error.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from auditor.imageref import ImageRef, parse_image
from auditor.images import ImageError, Limits
from auditor.images.sources import (
    INDEX_TYPES,
    MANIFEST_TYPES,
    Blob,
    Resolved,
    check_config,
    choose_platform,
    descriptor,
    layers_of,
    manifest_kind,
    parse_json,
    platform_of,
    verify,
)

ACCEPT = ", ".join(sorted(INDEX_TYPES | MANIFEST_TYPES))
TIMEOUT = 60
_CHALLENGE_RE = re.compile(r'(\w+)="([^"]*)"')
USER_AGENT = "auditor-image-collector"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect())


def is_loopback(host: str) -> bool:
    h = host.rsplit(":", 1)[0] if host.count(":") == 1 or host.startswith("[") else host
    h = h.strip("[]")
    if h == "localhost":
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def docker_config_credentials(registry: str, options: Mapping[str, Any]) -> tuple[str, str] | None:
    """(user, password) for `registry` from the docker config's `auths`, if any."""
    given = options.get("docker_config")
    if given:
        path = Path(given)
    elif os.environ.get("DOCKER_CONFIG"):
        path = Path(os.environ["DOCKER_CONFIG"]) / "config.json"
    else:
        path = Path.home() / ".docker" / "config.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    auths = doc.get("auths") if isinstance(doc, Mapping) else None
    if not isinstance(auths, Mapping):
        return None
    names = {registry}
    if registry == "docker.io":
        names |= {"index.docker.io", "registry-1.docker.io"}
    for key, entry in auths.items():
        host = re.sub(r"^[a-z]+://", "", str(key)).split("/", 1)[0]
        if host not in names or not isinstance(entry, Mapping):
            continue
        if isinstance(entry.get("auth"), str) and entry["auth"]:
            try:
                user, _, pw = base64.b64decode(entry["auth"]).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                continue
            return user, pw
        if isinstance(entry.get("username"), str) and isinstance(entry.get("password"), str):
            return entry["username"], entry["password"]
    return None


class RegistryClient:
    def __init__(self, ref: ImageRef, options: Mapping[str, Any], limits: Limits) -> None:
        self.ref = ref
        self.limits = limits
        host = "registry-1.docker.io" if ref.registry == "docker.io" else ref.registry
        self.host = host
        self.insecure = bool(options.get("insecure"))
        if self.insecure and not is_loopback(host):
            raise ImageError(f"--insecure allows plain HTTP only to a loopback registry, not {host}")
        self.base = f"{'http' if self.insecure else 'https'}://{host}"
        self.creds = docker_config_credentials(ref.registry, options)
        self.auth: str | None = None  # Authorization header value once a challenge was answered

    # ---- HTTP ------------------------------------------------------------------------------
    def _open(self, url: str, headers: Mapping[str, str], auth: str | None) -> Any:
        """GET with manual redirects: the Authorization header never follows to another host."""
        origin = urllib.parse.urlsplit(url).netloc
        for _ in range(6):
            h = dict(headers)
            h["User-Agent"] = USER_AGENT
            if auth and urllib.parse.urlsplit(url).netloc == origin:
                h["Authorization"] = auth
            req = urllib.request.Request(url, headers=h, method="GET")
            try:
                return _OPENER.open(req, timeout=TIMEOUT)
            except urllib.error.HTTPError as exc:
                if exc.code in (301, 302, 303, 307, 308) and exc.headers.get("Location"):
                    url = urllib.parse.urljoin(url, exc.headers["Location"])
                    exc.close()
                    continue
                raise
        raise ImageError(f"too many redirects fetching {url}")

    def _get(self, path: str, accept: str | None = None) -> Any:
        url = self.base + path
        headers = {"Accept": accept} if accept else {}
        try:
            try:
                return self._open(url, headers, self.auth)
            except urllib.error.HTTPError as exc:
                if exc.code != 401:
                    raise
                challenge = exc.headers.get("WWW-Authenticate", "")
                exc.close()
                self.auth = self._answer(challenge)
                return self._open(url, headers, self.auth)
        except urllib.error.HTTPError as exc:
            detail = exc.read(2000).decode("utf-8", "replace").strip()
            exc.close()
            what = {401: "unauthorized (no or wrong credentials)", 403: "forbidden", 404: "not found"}.get(
                exc.code, f"HTTP {exc.code}")
            raise ImageError(f"registry {self.host}: {path}: {what}" + (f": {detail[:300]}" if detail else "")) from None
        except urllib.error.URLError as exc:
            hint = " (plain-HTTP loopback registry? add --insecure)" if is_loopback(self.host) and not self.insecure else ""
            raise ImageError(f"registry {self.host} unreachable: {exc.reason}{hint}") from None
        except (OSError, ValueError) as exc:
            raise ImageError(f"registry {self.host}: {exc}") from None

    def _answer(self, challenge: str) -> str:
        scheme = challenge.split(" ", 1)[0].lower()
        params = dict(_CHALLENGE_RE.findall(challenge))
        basic = None
        if self.creds is not None:
            basic = "Basic " + base64.b64encode(f"{self.creds[0]}:{self.creds[1]}".encode()).decode()
        if scheme == "basic":
            if basic is None:
                raise ImageError(f"registry {self.host} asks for basic auth and no credentials were found "
                                 "in the docker config")
            return basic
        if scheme != "bearer" or not params.get("realm"):
            raise ImageError(f"registry {self.host}: unsupported authentication challenge {challenge[:120]!r}")
        realm = params["realm"]
        parts = urllib.parse.urlsplit(realm)
        if parts.scheme != "https" and not (parts.scheme == "http" and self.insecure and is_loopback(parts.netloc)):
            raise ImageError(f"registry {self.host}: refusing token realm {realm!r} (not https)")
        query = {"service": params.get("service", ""),
                 "scope": params.get("scope") or f"repository:{self.ref.repository}:pull"}
        url = realm + ("&" if "?" in realm else "?") + urllib.parse.urlencode({k: v for k, v in query.items() if v})
        try:
            with self._open(url, {}, basic) as resp:
                body = resp.read(self.limits.max_manifest_bytes + 1)
        except urllib.error.HTTPError as exc:
            exc.close()
            raise ImageError(f"token service {parts.netloc} refused: HTTP {exc.code}") from None
        except urllib.error.URLError as exc:
            raise ImageError(f"token service {parts.netloc} unreachable: {exc.reason}") from None
        doc = parse_json(body, "token response")
        token = doc.get("token") or doc.get("access_token") if isinstance(doc, Mapping) else None
        if not isinstance(token, str) or not token:
            raise ImageError(f"token service {parts.netloc} returned no token")
        return f"Bearer {token}"

    # ---- API -------------------------------------------------------------------------------
    def manifest(self, reference: str) -> tuple[Any, str, str]:
        """(document, media type, digest) of a manifest or index; its digest verified."""
        with self._get(f"/v2/{self.ref.repository}/manifests/{reference}", ACCEPT) as resp:
            body = resp.read(self.limits.max_manifest_bytes + 1)
            ctype = (resp.headers.get("Content-Type") or "").split(";")[0].strip()
            header_digest = resp.headers.get("Docker-Content-Digest")
        if len(body) > self.limits.max_manifest_bytes:
            raise ImageError(f"manifest {reference} is larger than {self.limits.max_manifest_bytes:,} bytes")
        expected = reference if reference.startswith("sha256:") else header_digest
        digest = verify(body, expected, f"manifest {reference} from {self.host}")
        doc = parse_json(body, f"manifest {reference}")
        return doc, ctype, digest

    def blob(self, digest: str) -> IO[bytes]:
        resp: IO[bytes] = self._get(f"/v2/{self.ref.repository}/blobs/{digest}")
        return resp

    def resolve(self, platform: str | None) -> Resolved:
        reference = self.ref.digest or self.ref.tag or "latest"
        doc, ctype, digest = self.manifest(reference)
        chosen_platform = None
        kind = manifest_kind(doc, ctype if ctype in INDEX_TYPES | MANIFEST_TYPES else None)
        if kind == "index":
            entry = choose_platform([m for m in doc["manifests"] if isinstance(m, Mapping)], platform)
            sub = descriptor(entry, "index entry")
            chosen_platform = platform_of(entry)
            doc, ctype, digest = self.manifest(sub.digest or "")
            if digest != sub.digest:
                raise ImageError(f"registry {self.host} served manifest {digest} for {sub.digest}")
            if manifest_kind(doc, ctype if ctype in INDEX_TYPES | MANIFEST_TYPES else None) != "manifest":
                raise ImageError("nested indexes are not supported from a registry")
        cfg_desc = descriptor(doc.get("config"), "config")
        if cfg_desc.size is not None and cfg_desc.size > self.limits.max_config_bytes:
            raise ImageError(f"config claims {cfg_desc.size:,} bytes, over the limit")
        with self.blob(cfg_desc.digest or "") as f:
            raw = f.read(self.limits.max_config_bytes + 1)
        if len(raw) > self.limits.max_config_bytes:
            raise ImageError(f"config is larger than {self.limits.max_config_bytes:,} bytes")
        verify(raw, cfg_desc.digest, f"config {cfg_desc.digest} from {self.host}")
        config = check_config(raw)
        tag = f":{self.ref.tag}" if self.ref.tag else ""
        name = f"{self.ref.registry}/{self.ref.repository}{tag}"

        def open_layer(b: Blob) -> IO[bytes]:
            return self.blob(b.digest or "")

        plat = chosen_platform or (f"{config.get('os')}/{config.get('architecture')}" if config.get("os") else None)
        return Resolved(config=config, config_digest=cfg_desc.digest or "", layers=layers_of(doc),
                        open_layer=open_layer, manifest_digest=digest, name=name,
                        media_type=str(doc.get("mediaType") or ctype), platform=plat)


def open_registry(ref: str, options: Mapping[str, Any], limits: Limits) -> list[Resolved]:
    parsed = parse_image(ref.lstrip("/"))
    if not parsed.repository:
        raise ImageError(f"not an image reference: {ref!r}")
    client = RegistryClient(parsed, options, limits)
    return [client.resolve(options.get("platform"))]

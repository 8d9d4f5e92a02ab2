"""A loopback HTTPS server that plays Azure: Entra ID token endpoints, Resource Graph, ARM lists, /batch.

Started by the tests with a certificate authority and a server certificate they generate. It serves
recorded responses in the REST shapes of Azure's API specs, pages lists with nextLink/$skipToken pointing
back at itself, injects faults (a 429 with Retry-After, a 403, a 500) and latency, and counts every call.
The real SDK clients and azure-identity talk to it over real TLS; nothing is patched.
"""

from __future__ import annotations

import json
import re
import ssl
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

TENANT = "72f988bf-0000-4000-8000-00000000beef"
CLIENT_ID = "0b1b2c3d-0000-4000-8000-00000000c11e"
CLIENT_SECRET = "loopback-test-client-secret"


@dataclass
class Fault:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1  # how many calls it answers (-1: every call)


@dataclass
class Recording:
    """What the server answers: Resource Graph rows and ARM lists keyed by lower-case path."""

    graph_rows: list[dict[str, Any]] = field(default_factory=list)
    lists: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    subscriptions: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 1000  # ARM list page size
    graph_page: int = 1000  # Resource Graph page size cap


class AzureServer:
    def __init__(self, recording: Recording, certs: tuple[Path, Path, Path], latency: float = 0.0) -> None:
        self.recording = recording
        self.latency = latency
        self.faults: dict[str, list[Fault]] = {}
        self.calls: list[tuple[str, str, int]] = []
        self.bodies: list[Any] = []
        self.inner_calls = 0
        self.tokens: set[str] = set()
        self._lock = threading.Lock()
        handler = _make_handler(self)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(certs[1]), str(certs[2]))
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.url = f"https://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> AzureServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def fault(self, path_regex: str, fault: Fault) -> None:
        self.faults.setdefault(path_regex, []).append(fault)

    def count(self, pattern: str = "") -> int:
        return sum(1 for _m, p, _s in self.calls if re.search(pattern, p, re.IGNORECASE))

    def take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for rx, faults in self.faults.items():
                if re.search(rx, path, re.IGNORECASE) and faults:
                    f = faults[0]
                    if f.times > 0:
                        f.times -= 1
                        if f.times == 0:
                            faults.pop(0)
                    return f
        return None

    # ---- answers ---------------------------------------------------------------------------------
    def answer(self, method: str, url: str, body: Any, auth: str | None) -> tuple[int, Any, dict[str, str]]:
        parts = urlsplit(url)
        path = parts.path
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        low = path.lower().rstrip("/")
        if low.endswith("/.well-known/openid-configuration"):
            return 200, self._openid(path.split("/")[1]), {}
        if low.endswith("/oauth2/v2.0/token") and method == "POST":
            return self._token(body)
        if low.endswith("/common/discovery/instance"):
            return 200, {"tenant_discovery_endpoint": f"{self.url}/{TENANT}/v2.0/.well-known/openid-configuration",
                         "metadata": []}, {}
        if not auth or auth.split(" ", 1)[-1] not in self.tokens:
            return 401, {"error": {"code": "InvalidAuthenticationToken", "message": "missing or bad token"}}, {}
        fault = self.take_fault(path)
        if fault is not None:
            return fault.status, fault.body, fault.headers
        if low == "/batch" and method == "POST":
            return 200, self._batch(body, auth), {}
        if low == "/providers/microsoft.resourcegraph/resources" and method == "POST":
            return 200, self._graph(body), {}
        if method != "GET":
            return 405, {"error": {"code": "MethodNotAllowed", "message": "read-only server"}}, {}
        if low == "/subscriptions":
            return 200, self._page(self.recording.subscriptions, url, query), {}
        items = self.recording.lists.get(low)
        if items is None:
            return 404, {"error": {"code": "ResourceNotFound", "message": f"{path} not recorded"}}, {}
        if low.endswith(UNPAGED):
            return 200, {"value": items}, {}
        return 200, self._page(items, url, query), {}

    def _page(self, items: list[dict[str, Any]], url: str, query: Mapping[str, str]) -> dict[str, Any]:
        start = int(query.get("$skiptoken", "0") or 0)
        size = self.recording.page_size
        out: dict[str, Any] = {"value": items[start:start + size]}
        if start + size < len(items):
            parts = urlsplit(url)
            q = {k: v for k, v in query.items() if k != "$skiptoken"}
            q["$skiptoken"] = str(start + size)
            out["nextLink"] = f"{self.url}{parts.path}?" + "&".join(f"{k}={v}" for k, v in q.items())
        return out

    def _graph(self, body: Any) -> dict[str, Any]:
        subs = {s.lower() for s in body.get("subscriptions", [])}
        opts = body.get("options") or {}
        start = int(opts.get("$skipToken") or 0)
        top = min(int(opts.get("$top") or 100), self.recording.graph_page)
        rows = [r for r in self.recording.graph_rows if str(r.get("subscriptionId", "")).lower() in subs]
        page = rows[start:start + top]
        out: dict[str, Any] = {"totalRecords": len(rows), "count": len(page), "data": page,
                               "resultTruncated": "false", "facets": []}
        if start + top < len(rows):
            out["$skipToken"] = str(start + top)
        return out

    def _batch(self, body: Any, auth: str) -> dict[str, Any]:
        responses = []
        for req in body.get("requests", []):
            with self._lock:
                self.inner_calls += 1
            status, content, headers = self.answer(req.get("httpMethod", "GET"), req["url"], None, auth)
            responses.append({"name": req.get("name"), "httpStatusCode": status, "headers": headers,
                              "content": content, "contentLength": len(json.dumps(content))})
        return {"responses": responses}

    def _openid(self, tenant: str) -> dict[str, Any]:
        base = f"{self.url}/{tenant}"
        return {"token_endpoint": f"{base}/oauth2/v2.0/token", "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "issuer": f"{base}/v2.0", "jwks_uri": f"{base}/discovery/v2.0/keys",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                "response_types_supported": ["code", "id_token", "token"], "token_endpoint_auth_methods_supported":
                    ["client_secret_post", "private_key_jwt", "client_secret_basic"], "tenant_region_scope": "EU"}

    def _token(self, body: Any) -> tuple[int, Any, dict[str, str]]:
        form = {k: v[0] for k, v in parse_qs(body or "").items()} if isinstance(body, str) else {}
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return 401, {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret"}, {}
        token = "tok-" + uuid.uuid4().hex
        with self._lock:
            self.tokens.add(token)
        return 200, {"token_type": "Bearer", "expires_in": 3600, "ext_expires_in": 3600, "access_token": token}, {}


def _make_handler(server: AzureServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

        def _handle(self, method: str) -> None:
            if server.latency:
                time.sleep(server.latency)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            body: Any = raw
            if raw and "json" in (self.headers.get("Content-Type") or ""):
                body = json.loads(raw)
            server.bodies.append(body)
            status, content, headers = server.answer(method, f"{server.url}{self.path}", body,
                                                     self.headers.get("Authorization"))
            with server._lock:
                server.calls.append((method, urlsplit(self.path).path, status))
            data = json.dumps(content).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-ms-request-id", str(uuid.uuid4()))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802
            self._handle("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._handle("POST")

    return Handler


# ---- the recorded subscription ---------------------------------------------------------------------------
UNPAGED = ("/providers/microsoft.security/pricings",)  # PricingList has no nextLink in the API
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "azure"


def load_recording(sub: str, filler: int = 0, page_size: int = 1000, graph_page: int = 1000) -> Recording:
    """fixtures/azure/recorded-subscription.json (REST shapes), with its subscription id replaced by `sub`,
    plus `filler` extra tagged virtual networks so the subscription reaches the wanted size."""
    text = (FIXTURES / "recorded-subscription.json").read_text(encoding="utf-8")
    doc = json.loads(text.replace("{subscriptionId}", sub))
    rows = doc["graph"]
    for i in range(filler):
        rows.append({"id": f"/subscriptions/{sub}/resourceGroups/ml-net/providers/Microsoft.Network/virtualNetworks/vnet-{i:04d}",
                     "name": f"vnet-{i:04d}", "type": "microsoft.network/virtualnetworks", "location": "westeurope",
                     "resourceGroup": "ml-net", "subscriptionId": sub, "kind": "", "managedBy": "",
                     "tags": {"owner": "net-team", "environment": "prod"} if i % 10 else {"owner": "net-team"},
                     "sku": None, "identity": None,
                     "properties": {"provisioningState": "Succeeded", "addressSpace": {"addressPrefixes": [f"10.{i // 250}.{i % 250}.0/24"]}}})
    lists = {k.lower(): v for k, v in doc["lists"].items()}
    subs = [{"id": f"/subscriptions/{sub}", "subscriptionId": sub, "displayName": "ml-prod", "state": "Enabled",
             "tenantId": TENANT}]
    return Recording(graph_rows=rows, lists=lists, subscriptions=subs, page_size=page_size, graph_page=graph_page)


def add_estate(rec: Recording, sub: str, total: int, vaults: int = 40, storage: int = 40, clusters: int = 10) -> None:
    """Grow the recording to `total` Resource Graph rows with a realistic mix: key vaults, storage accounts
    and clusters (each answering its diagnostic settings list, empty) among tagged virtual networks."""
    rows = rec.graph_rows
    base = f"/subscriptions/{sub}/resourceGroups/ml-bulk/providers"
    kinds = [("Microsoft.KeyVault/vaults", "kv", vaults), ("Microsoft.Storage/storageAccounts", "st", storage),
             ("Microsoft.ContainerService/managedClusters", "aks", clusters)]
    for rtype, prefix, n in kinds:
        for i in range(n):
            rid = f"{base}/{rtype}/{prefix}{i:04d}"
            rows.append({"id": rid, "name": f"{prefix}{i:04d}", "type": rtype.lower(), "location": "westeurope",
                         "resourceGroup": "ml-bulk", "subscriptionId": sub, "tags": {"owner": "ml", "environment": "dev"},
                         "properties": {"provisioningState": "Succeeded"}})
            rec.lists[f"{rid}/providers/microsoft.insights/diagnosticsettings".lower()] = []
            if prefix == "st":
                rec.lists[f"{rid}/blobServices/default/providers/microsoft.insights/diagnosticsettings".lower()] = []
    i = 0
    while len(rows) < total:
        rows.append({"id": f"{base}/Microsoft.Network/virtualNetworks/vnet-{i:05d}", "name": f"vnet-{i:05d}",
                     "type": "microsoft.network/virtualnetworks", "location": "westeurope", "resourceGroup": "ml-bulk",
                     "subscriptionId": sub, "tags": {"owner": "net", "environment": "prod"},
                     "properties": {"provisioningState": "Succeeded"}})
        i += 1

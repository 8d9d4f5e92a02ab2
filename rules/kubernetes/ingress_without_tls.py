"""K8S019 ingress-without-tls."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.k8s import as_list, get, str_list


def _covered(host: str, patterns: list[str]) -> bool:
    return any(host == p or (p.startswith("*.") and fnmatch.fnmatchcase(host, p) and host.count(".") == p.count("."))
               for p in patterns)


def _applies(res: Resource) -> bool:
    api = str(get(res.data, "apiVersion") or "")
    if res.kind == "Route":
        return api.startswith("route.openshift.io") or api == "v1"
    if res.kind == "Gateway":
        return api.startswith(("networking.istio.io/", "gateway.networking.k8s.io/"))
    return True


_TLS_PROTOCOLS = ("HTTPS", "TLS")


def _istio_gateway(res: Resource) -> Iterator[Violation]:
    for i, server in enumerate(as_list(get(res.data, "spec", "servers"))):
        proto = str(get(server, "port", "protocol") or "").upper()
        if proto in ("HTTP", "HTTP2") and get(server, "tls", "httpsRedirect") is not True:
            hosts = ", ".join(str_list(get(server, "hosts"))) or "*"
            yield Violation(f"server for {hosts} serves plain {proto} without tls.httpsRedirect",
                            path=("spec", "servers", i, "port", "protocol"))


def _gateway_api(res: Resource) -> Iterator[Violation]:
    listeners = as_list(get(res.data, "spec", "listeners"))
    protos = [str(get(li, "protocol") or "").upper() for li in listeners]
    if any(p in _TLS_PROTOCOLS for p in protos):
        return  # an HTTP listener beside an HTTPS one is the usual redirect
    for i, p in enumerate(protos):
        if p == "HTTP":
            yield Violation("Gateway has only plain HTTP listeners", path=("spec", "listeners", i, "protocol"))
            return


@rule(
    code="K8S019",
    name="ingress-without-tls",
    title="Ingress or gateway serves plain HTTP",
    controls=["SEC-ENCRYPTION-IN-TRANSIT"],
    target="kubernetes",
    kinds=("Ingress", "Route", "Gateway"),
    applies=_applies,
    rationale=(
        "Without TLS, prompts, predictions, tokens and cookies cross the network in clear text and can be read or "
        "altered by anyone on the path."
    ),
    remediation=(
        "Declare TLS for every host (cert-manager can issue the certificate):\n\n"
        "```yaml\nspec:\n  tls:\n    - hosts: [scorer.example.com]\n      secretName: scorer-tls\n"
        "  rules:\n    - host: scorer.example.com\n```"
    ),
    references=("https://kubernetes.io/docs/concepts/services-networking/ingress/#tls",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """An Ingress declares spec.tls, and every rule host is listed in (or matched by a wildcard of) some tls
    entry's hosts when the entries name hosts. An OpenShift Route declares spec.tls and does not allow
    insecure edge traffic. An Istio Gateway's HTTP servers set tls.httpsRedirect; a Gateway API Gateway has
    an HTTPS or TLS listener when it has HTTP ones."""
    if res.kind == "Gateway":
        if str(get(res.data, "apiVersion")).startswith("networking.istio.io/"):
            yield from _istio_gateway(res)
        else:
            yield from _gateway_api(res)
        return
    spec = get(res.data, "spec")
    if res.kind == "Route":
        tls = get(spec, "tls")
        if not tls:
            yield Violation("Route has no tls section: traffic is plain HTTP",
                            path=("spec",) if spec is not None else ())
        elif str(get(tls, "insecureEdgeTerminationPolicy")) == "Allow":
            yield Violation("Route allows insecure edge traffic (insecureEdgeTerminationPolicy: Allow)",
                            path=("spec", "tls", "insecureEdgeTerminationPolicy"))
        return
    tls_entries = as_list(get(spec, "tls"))
    if not tls_entries:
        yield Violation("Ingress declares no tls: it serves plain HTTP",
                        path=("spec", "tls") if get(spec, "tls") is not None else ("spec",))
        return
    tls_hosts = [h for t in tls_entries for h in str_list(get(t, "hosts"))]
    if not tls_hosts:
        return  # tls without hosts applies to all hosts served
    for i, r in enumerate(as_list(get(spec, "rules"))):
        host = get(r, "host")
        if isinstance(host, str) and host and not _covered(host, tls_hosts):
            yield Violation(f"host {host} is not covered by any tls entry",
                            path=("spec", "rules", i, "host"), evidence=host)

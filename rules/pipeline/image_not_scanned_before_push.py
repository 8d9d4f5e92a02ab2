"""PIPE003 image-not-scanned-before-push."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, NotAssessed, Passed, Resource, Violation, rule
from auditor.inventory import Inventory
from auditor.pipelines import ENTRY_KINDS, Action, ancestors, job_actions, jobs, unresolved_in


def _first_unscanned(res: Resource, kinds: tuple[str, ...]) -> tuple[Action | None, int, list[str], Action | None]:
    """(first push/deploy not preceded by a scan, number of deliveries, unreadable templates, a later scan)."""
    data = res.data
    per_job = {str(j.get("id")): job_actions(j) for j in jobs(data)}
    deliveries = 0
    hidden: list[str] = []
    for job in jobs(data):
        acts = [a for _, a in per_job[str(job.get("id"))]]
        before = ancestors(data, str(job.get("id")))
        upstream = any(a.kind == "scan" for j in before for _, a in per_job.get(str(j.get("id")), []))
        for i, a in enumerate(acts):
            if a.kind not in kinds or (a.kind == "deploy" and not a.container):
                continue
            deliveries += 1
            if upstream or any(x.kind == "scan" for x in acts[:i]):
                continue
            why = unresolved_in([job, *before])
            if why:
                hidden += why
                continue
            return a, deliveries, hidden, next((x for x in acts[i:] if x.kind == "scan"), None)
    return None, deliveries, hidden, None


@rule(
    code="PIPE003",
    name="image-not-scanned-before-push",
    title="Pipeline pushes or deploys images without a vulnerability scan first",
    controls=["CONT-VULN-SCANNING"],
    target="pipeline",
    scope="estate",
    rationale=(
        "Base images and Python wheels carry known CVEs (OpenSSL, glibc, pillow, torch...). A scanner in the "
        "pipeline stops a critical vulnerability before the image reaches the registry or the cluster; scanning "
        "after the push leaves a window in which the vulnerable image can be pulled and run."
    ),
    remediation=(
        "Scan the built image before pushing it, and fail on high/critical findings:\n\n"
        "```yaml\n- uses: docker/build-push-action@v6\n  with: {load: true, tags: 'scorer:${{ github.sha }}'}\n"
        "- uses: aquasecurity/trivy-action@0.28.0\n  with:\n    image-ref: scorer:${{ github.sha }}\n"
        "    severity: CRITICAL,HIGH\n    exit-code: '1'\n- run: docker push myacr.azurecr.io/ml/scorer:${{ github.sha }}\n```\n\n"
        "Other scanners count too: grype / anchore/scan-action, `snyk container test`, docker/scout-action, "
        "Microsoft Defender for DevOps (microsoft/security-devops-action, `MicrosoftSecurityDevOps@1`)."
    ),
    references=("https://learn.microsoft.com/azure/defender-for-cloud/azure-devops-extension",),
)
def check(inv: Inventory, ctx: Context) -> Iterator[Violation | Passed]:
    """Every pipeline that pushes an image (or deploys containers) must run an image scanner before it: trivy
    (aquasecurity/trivy-action, `trivy image`), grype/anchore (anchore/scan-action), snyk (snyk/actions/docker,
    `snyk container test`), Docker Scout, Microsoft Defender for DevOps (microsoft/security-devops-action,
    MicrosoftSecurityDevOps@1) in an earlier step of the same job or in a job it depends on. A scan after the
    push does not count. A pipeline that only deploys passes when it scans, or when every pipeline of the estate
    that pushes images scans them first. Not assessed when no pipeline pushes or deploys images."""
    pipelines = list(inv.of_kind("pipeline", *ENTRY_KINDS))
    if not pipelines:
        raise NotAssessed("only templates and reusable workflows were found: they are judged through the "
                          "pipelines that use them")
    pushers: list[tuple[Resource, Action | None, Action | None]] = []
    deployers: list[tuple[Resource, Action | None, Action | None]] = []
    hidden: list[str] = []
    undecided: list[str] = []  # unscanned deliveries whose scan may sit in a template that could not be read
    for res in pipelines:
        bad, n_push, why, late = _first_unscanned(res, ("push",))
        hidden += why
        if n_push:
            if bad is None and why:
                undecided += why
            else:
                pushers.append((res, bad, late))
            continue
        bad, n_dep, why, late = _first_unscanned(res, ("deploy",))
        hidden += why
        if n_dep:
            if bad is None and why:
                undecided += why
            else:
                deployers.append((res, bad, late))
    if undecided and not any(bad is not None for _, bad, _ in pushers + deployers):
        raise NotAssessed("images are pushed or deployed after steps from templates that could not be read (a scan "
                          "may run there): " + ", ".join(sorted(set(undecided))))
    if not pushers and not deployers and not undecided:
        raise NotAssessed(f"none of the {len(pipelines)} pipeline(s) pushes or deploys a container image"
                          + (f" (unreadable templates: {', '.join(sorted(set(hidden)))})" if hidden else ""))
    all_pushers_scan = bool(pushers) and all(bad is None for _, bad, _ in pushers)
    for res, bad, late in pushers:
        if bad is None:
            yield Passed(res, "images are scanned before they are pushed")
        else:
            after = f" (the scan on line {late.line} runs after the push)" if late is not None else ""
            yield Violation(f"{bad.what} pushes an image that no earlier step or job scanned for vulnerabilities"
                            + after, line=bad.line, resource=res, evidence=bad.what)
    for res, bad, _ in deployers:
        if bad is None:
            yield Passed(res, "images are scanned before they are deployed")
        elif all_pushers_scan:
            yield Passed(res, "deploys images that the estate's pipelines scan before pushing")
        else:
            yield Violation(f"{bad.what} deploys images that no pipeline step scanned for vulnerabilities",
                            line=bad.line, resource=res, evidence=bad.what)

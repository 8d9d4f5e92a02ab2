"""PIPE002 image-pushed-without-version-tag."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from auditor.api import Context, NotApplicable, NotAssessed, Resource, Violation, rule
from auditor.pipelines import (
    DYNAMIC_RE,
    ENTRY_KINDS,
    action_name,
    classify_tag,
    env_of,
    expand,
    jobs,
    metadata_versioned,
    script_assignments,
    step_actions,
    step_outputs,
    tag_of,
    unresolved,
)
from auditor.secrets import redact_text


def _verdict(tag: str, bare: bool, env: Mapping[str, str], steps: list[Mapping[str, Any]], tag_push: bool) -> str:
    if ".outputs." in tag and "steps." in tag:
        sid = tag.split("steps.", 1)[1].split(".", 1)[0]
        for s in steps:
            if s.get("id") == sid and action_name(s.get("uses")) == "docker/metadata-action":
                return metadata_versioned(s, tag_push)
    return classify_tag(tag, env, bare=bare)


def _show(ref: str, bare: bool) -> str:
    if not ref.strip():
        return "(no tag: latest)"
    if not bare and tag_of(ref) is None and not DYNAMIC_RE.search(ref):
        return redact_text(ref) + " (no tag: latest)"
    return redact_text(ref)


@rule(
    code="PIPE002",
    name="image-pushed-without-version-tag",
    title="Pipeline pushes images tagged only `latest` (or another moving tag)",
    controls=["CICD-IMAGE-VERSIONED"],
    target="pipeline",
    kinds=ENTRY_KINDS,
    rationale=(
        "An image pushed only as `latest` (or `prod`, `main`) is overwritten by the next build: nobody can tell "
        "which commit is running, reproduce it, or roll back to the previous image. A tag with the commit SHA, the "
        "run number or a release version makes every build addressable."
    ),
    remediation=(
        "Tag every pushed image with something unique per build (and optionally `latest` as well):\n\n"
        "```yaml\n- uses: docker/build-push-action@v6\n  with:\n    push: true\n    tags: |\n"
        "      myacr.azurecr.io/ml/scorer:${{ github.sha }}\n      myacr.azurecr.io/ml/scorer:latest\n```\n\n"
        "Azure Pipelines: `Docker@2` with `tags: $(Build.BuildId)` (the default) or `$(Build.SourceVersion)`."
    ),
    references=("https://docs.docker.com/build/ci/github-actions/manage-tags-labels/",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """Every image push (`docker push`, `docker buildx build --push`, `az acr build`, docker/build-push-action with
    `push: true`, `Docker@2` buildAndPush/push) must include at least one tag that is unique per build: a commit SHA,
    run/build number, semantic version, date or digest (`${{ github.sha }}`, `$(Build.BuildId)`, `$GITHUB_SHA`,
    docker/metadata-action `type=sha`/`type=semver`, `1.4.2`). Variables defined in the workflow, job, step or an
    earlier script (`TAG=...`, `$GITHUB_ENV`, `##vso[task.setvariable]`) are followed. A push whose tags are all
    `latest` or fixed words fails on its line; one whose tags cannot be resolved is not assessed."""
    data = res.data
    tag_push = bool((data.get("triggers") or {}).get("tag_push"))
    pushes = 0
    unknown: list[str] = []
    for job in jobs(data):
        steps = [s for s in job.get("steps") or [] if isinstance(s, Mapping)]
        carried: dict[str, str] = dict(job.get("inputs") or {})
        built: list[str] = []
        for step in steps:
            own = script_assignments(step.get("script") or "")
            env = {**env_of(data, job, step), **carried, **own}
            for a in step_actions(step, built):
                if a.kind != "push":
                    continue
                pushes += 1
                bare = a.what.lower().startswith("docker@2")
                verdicts = [_verdict(t, bare, env, steps, tag_push) for t in a.tags]
                if "versioned" in verdicts:
                    continue
                shown = ", ".join(_show(expand(t, env), bare) for t in a.tags)
                if "unknown" in verdicts:
                    unknown.append(f"{a.what} line {a.line}: {shown}")
                    continue
                yield Violation(f"{a.what} pushes {shown} only: no commit SHA, run number or version tag",
                                line=a.line, evidence=shown)
            carried.update(own)
            carried.update(step_outputs(step))
    if pushes == 0:
        if unresolved(data):
            raise NotAssessed("pushes may happen in templates that could not be read: " + "; ".join(unresolved(data)))
        raise NotApplicable()
    if unknown and len(unknown) == pushes:
        raise NotAssessed("image tags come from values that cannot be resolved here: " + "; ".join(unknown))

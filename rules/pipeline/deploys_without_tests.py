"""PIPE001 deploys-without-tests."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, NotApplicable, NotAssessed, Resource, Violation, rule
from auditor.pipelines import ENTRY_KINDS, Action, ancestors, job_actions, jobs, unresolved, unresolved_in


@rule(
    code="PIPE001",
    name="deploys-without-tests",
    title="Pipeline builds or deploys without running tests first",
    controls=["CICD-TESTS"],
    target="pipeline",
    kinds=ENTRY_KINDS,
    rationale=(
        "A pipeline that pushes an image or deploys without running the test suite first ships whatever the "
        "last commit contains: a broken model loader or API change reaches production before anyone notices. "
        "Tests must gate delivery: in the same job before the push/deploy step, or in a job it depends on."
    ),
    remediation=(
        "Run the tests before the delivery step, or make the delivery job depend on the test job:\n\n"
        "```yaml\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
        "      - run: pip install -r requirements.txt && pytest\n  deploy:\n    needs: test\n"
        "    runs-on: ubuntu-latest\n    steps:\n      - run: docker push myacr.azurecr.io/ml/scorer:${{ github.sha }}\n```\n\n"
        "Azure Pipelines: put the test step (`DotNetCoreCLI@2` with `command: test`, `script: pytest`, ...) in a "
        "stage that the deploy stage `dependsOn`."
    ),
    references=("https://docs.github.com/en/actions/using-jobs/using-jobs-in-a-workflow#defining-prerequisite-jobs",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """Each job that pushes an image or deploys must run tests (pytest, tox, npm test, go test, dotnet test,
    mvn verify, DotNetCoreCLI test, VSTest, Maven goals with tests, a test-results publisher after a script...)
    in an earlier step of the same job or in a job it depends on, directly or transitively (`needs`,
    `dependsOn`, Azure stage order). Azure deployment jobs and GitHub jobs with an `environment` are deploys even
    when their steps are unknown. A job that only builds passes when the pipeline runs tests anywhere.
    The finding is on the first push/deploy (or build) command of the job. Steps hidden in remote templates
    make the result not assessed rather than failed."""
    data = res.data
    all_jobs = jobs(data)
    per_job = {str(j.get("id")): job_actions(j) for j in all_jobs}
    tests_anywhere = any(a.kind == "test" for acts in per_job.values() for _, a in acts)
    relevant = False
    found = False
    hidden: list[str] = []
    for job in all_jobs:
        acts = [a for _, a in per_job[str(job.get("id"))]]
        if job.get("deployment") and not any(a.kind == "deploy" for a in acts):
            acts.append(Action("deploy", job.get("line"), f"deployment job to {job.get('environment') or 'an environment'}"))
        delivery = [i for i, a in enumerate(acts) if a.kind in ("push", "deploy")]
        builds = [i for i, a in enumerate(acts) if a.kind == "build"]
        if not delivery and not builds:
            continue
        relevant = True
        before = ancestors(data, str(job.get("id")))
        upstream_tests = any(a.kind == "test" for j in before for _, a in per_job.get(str(j.get("id")), []))
        name = job.get("name") or job.get("id")
        if delivery:
            first = acts[delivery[0]]
            if upstream_tests or any(a.kind == "test" for a in acts[: delivery[0]]):
                continue
            why = unresolved_in([job, *before])
            if why:
                hidden += why
                continue
            found = True
            later = next((a for a in acts[delivery[0]:] if a.kind == "test"), None)
            why_not = (f"its tests (line {later.line}) only run after it" if later is not None else
                       "no test step earlier in the job and none in the jobs it depends on")
            yield Violation(f"job '{name}' runs {first.what} without tests before it: {why_not}", line=first.line,
                            evidence=first.what)
        elif not tests_anywhere:
            first = acts[builds[0]]
            why = unresolved_in(all_jobs)
            if why:
                hidden += why
                continue
            found = True
            yield Violation(f"job '{name}' builds ({first.what}) but the pipeline runs no tests", line=first.line,
                            evidence=first.what)
    if not relevant:
        if unresolved(data):
            raise NotAssessed("steps come from templates that could not be read: " + "; ".join(unresolved(data)))
        raise NotApplicable()
    if hidden and not found:
        raise NotAssessed("tests may run in templates or reusable workflows that could not be read: "
                          + ", ".join(sorted(set(hidden))))

"""The pipeline loader on real files: what it claims, the normalised view, templates and cycles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auditor.discovery import load_file, walk
from auditor.loaders import LoadOptions, LoadResult
from auditor.pipelines import ancestors, commands, job_actions, jobs
from auditor.scan import ScanOptions, build_inventory, run_scan
from tests.conftest import write_tree


def _write(root: Path, files: dict[str, str]) -> None:
    write_tree(root, files)


def _load(root: Path) -> LoadResult:
    out = LoadResult()
    for f in walk([str(root)]):
        r = load_file(f, LoadOptions())
        out.resources += r.resources
        out.errors += r.errors
    return out


def _only(root: Path) -> Any:
    res = [r for r in _load(root).resources if r.target == "pipeline"]
    assert len(res) == 1, res
    return res[0]


def test_claims_pipelines_and_leaves_kubernetes_compose_and_gitlab_alone(tmp_path: Path) -> None:
    _write(tmp_path, {
        ".github/workflows/ci.yml": "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n",
        "azure-pipelines.yml": "steps:\n  - script: echo hi\n",
        "ci/build.yaml": "trigger: [main]\npool: {vmImage: ubuntu-latest}\nsteps:\n  - task: Docker@2\n",
        "ci/steps-template.yml": "parameters:\n  - name: x\nsteps:\n  - bash: echo ${{ parameters.x }}\n",
        "deploy/job.yaml": "apiVersion: batch/v1\nkind: Job\nmetadata: {name: steps}\nspec:\n  template:\n    spec:\n"
                           "      containers: [{name: a, image: busybox:1.36}]\n",
        "docker-compose.yml": "version: '3'\nservices:\n  web: {image: nginx:1.27}\n",
        ".gitlab-ci.yml": "stages: [build, test]\nbuild:\n  stage: build\n  script: [make]\n",
        ".circleci/config.yml": "version: 2.1\njobs:\n  build:\n    docker: [{image: cimg/base:2024.01}]\n    steps: [checkout]\n",
    })
    res = _load(tmp_path)
    got = sorted((r.location.path.split(str(tmp_path.name) + "/")[-1], r.target, r.kind) for r in res.resources)
    assert got == [
        (".github/workflows/ci.yml", "pipeline", "GitHubWorkflow"),
        ("azure-pipelines.yml", "pipeline", "AzurePipeline"),
        ("ci/build.yaml", "pipeline", "AzurePipeline"),
        ("ci/steps-template.yml", "pipeline", "AzurePipelineTemplate"),
        ("deploy/job.yaml", "kubernetes", "Job"),
    ]
    assert res.errors == []


def test_github_normalised_view_with_lines_needs_and_schedule(tmp_path: Path) -> None:
    _write(tmp_path, {".github/workflows/ci.yml": (
        "name: CI\n"                                   # 1
        "on:\n"                                        # 2
        "  schedule:\n"                                # 3
        "    - cron: '0 3 * * *'\n"                    # 4
        "jobs:\n"                                      # 5
        "  test:\n"                                    # 6
        "    runs-on: ubuntu-latest\n"                 # 7
        "    steps:\n"                                 # 8
        "      - uses: actions/checkout@v4\n"          # 9
        "      - run: |\n"                             # 10
        "          pip install .\n"                    # 11
        "          pytest -q \\\n"                     # 12
        "            tests/\n"                         # 13
        "  push:\n"                                    # 14
        "    needs: [test]\n"                          # 15
        "    runs-on: ubuntu-latest\n"                 # 16
        "    steps:\n"                                 # 17
        "      - run: docker push r.io/a:${{ github.sha }}\n"  # 18
        "  deploy:\n"                                  # 19
        "    needs: push\n"                            # 20
        "    runs-on: ubuntu-latest\n"                 # 21
        "    steps: [{run: kubectl apply -f k8s/}]\n"  # 22
    )})
    r = _only(tmp_path)
    d = r.data
    assert r.kind == "GitHubWorkflow" and r.name == ".github/workflows/ci.yml" and r.extra["title"] == "CI"
    assert d["triggers"]["schedules"] == [{"cron": "0 3 * * *", "line": 4}]
    assert d["triggers"]["line"] == 2 and d["triggers"]["events"] == ["schedule"]
    assert [(j["id"], j["needs"], j["line"]) for j in jobs(d)] == [
        ("test", [], 6), ("push", ["test"], 14), ("deploy", ["push"], 19)]
    test = jobs(d)[0]
    assert [(c.words, c.line) for c in commands(test["steps"][1])] == [
        (("pip", "install", "."), 11), (("pytest", "-q", "tests/"), 12)]
    assert [(a.kind, a.line, a.what) for _, a in job_actions(test)] == [("test", 12, "pytest")]
    assert [j["id"] for j in ancestors(d, "deploy")] == ["push", "test"]
    assert [(a.kind, a.line, a.tags) for _, a in job_actions(jobs(d)[1])] == [
        ("push", 18, ("r.io/a:${{ github.sha }}",))]
    assert [(a.kind, a.line, a.what) for _, a in job_actions(jobs(d)[2])] == [("deploy", 22, "kubectl apply")]


def test_reusable_workflow_and_composite_action_are_inlined_at_the_calling_line(tmp_path: Path) -> None:
    _write(tmp_path, {
        ".github/workflows/main.yml": (
            "on: push\n"
            "jobs:\n"
            "  checks:\n"
            "    uses: ./.github/workflows/checks.yml\n"
            "  ship:\n"
            "    needs: checks\n"
            "    runs-on: ubuntu-latest\n"
            "    steps:\n"
            "      - uses: ./.github/actions/publish\n"
            "  remote:\n"
            "    uses: acme/shared/.github/workflows/lint.yml@v1\n"
        ),
        ".github/workflows/checks.yml": (
            "on: {workflow_call: {}}\njobs:\n  unit:\n    runs-on: ubuntu-latest\n    steps:\n      - run: go test ./...\n"
        ),
        ".github/actions/publish/action.yml": (
            "name: publish\nruns:\n  using: composite\n  steps:\n    - shell: bash\n      run: docker push r.io/a:latest\n"
        ),
    })
    res = _load(tmp_path)
    kinds = sorted((r.name, r.kind) for r in res.resources)
    assert kinds == [(".github/workflows/checks.yml", "GitHubReusableWorkflow"),
                     (".github/workflows/main.yml", "GitHubWorkflow")]
    main = next(r for r in res.resources if r.kind == "GitHubWorkflow").data
    assert [(j["id"], j["needs"], j["calls"], j["line"], j["template"]) for j in jobs(main)] == [
        ("checks", [], ["checks/unit"], 3, None),
        ("checks/unit", [], [], 3, ".github/workflows/checks.yml"),
        ("ship", ["checks"], [], 5, None),
        ("remote", [], [], 10, None),
    ]
    assert [j["id"] for j in ancestors(main, "ship")] == ["checks", "checks/unit"]
    ship = jobs(main)[2]
    assert [(a.kind, a.line) for _, a in job_actions(ship)] == [("push", 9)]
    assert ship["steps"][1]["template"] == ".github/actions/publish/action.yml"
    assert [(t["ref"], t["resolved"], t["reason"]) for t in main["templates"]] == [
        ("./.github/workflows/checks.yml", True, None),
        ("./.github/actions/publish", True, None),
        ("acme/shared/.github/workflows/lint.yml@v1", False, "remote reusable workflow"),
    ]


def test_azure_stages_templates_default_stage_order_and_cycles(tmp_path: Path) -> None:
    _write(tmp_path, {
        "azure-pipelines.yml": (
            "trigger: none\n"                              # 1
            "schedules:\n"                                 # 2
            "  - cron: '0 4 * * 0'\n"                      # 3
            "    branches: {include: [main]}\n"            # 4
            "stages:\n"                                    # 5
            "  - stage: Test\n"                            # 6
            "    jobs:\n"                                  # 7
            "      - template: ci/jobs.yml\n"              # 8
            "  - stage: Ship\n"                            # 9
            "    jobs:\n"                                  # 10
            "      - job: Push\n"                          # 11
            "        steps:\n"                             # 12
            "          - ${{ if eq(variables.push, true) }}:\n"  # 13
            "            - task: Docker@2\n"               # 14
            "              inputs: {command: push, tags: latest}\n"  # 15
            "          - template: steps/loop.yml\n"       # 16
            "          - template: common.yml@templates\n"  # 17
        ),
        "ci/jobs.yml": "jobs:\n  - job: Unit\n    steps:\n      - template: ../steps/test.yml\n",
        "steps/test.yml": "steps:\n  - script: python -m pytest\n",
        "steps/loop.yml": "steps:\n  - template: loop.yml\n",
    })
    res = _load(tmp_path)
    r = next(x for x in res.resources if x.name == "azure-pipelines.yml")
    d = r.data
    assert d["triggers"]["events"] == ["pull_request", "schedule"] and d["triggers"]["schedules"][0]["line"] == 3
    assert [(j["id"], j["needs"], j["line"]) for j in jobs(d)] == [
        ("Test.Unit", [], 8), ("Ship.Push", ["Test.Unit"], 11)]
    assert [(a.kind, a.line) for _, a in job_actions(jobs(d)[0])] == [("test", 8)]
    push = jobs(d)[1]
    assert [(s["task"], s["line"], s["unresolved"]) for s in push["steps"]] == [
        ("Docker@2", 14, None), (None, 16, "loop.yml"), (None, 17, "common.yml@templates")]
    reasons = {t["ref"]: (t["resolved"], t["reason"]) for t in d["templates"]}
    assert reasons["ci/jobs.yml"] == (True, None)
    assert reasons["../steps/test.yml"] == (True, None)
    assert reasons["common.yml@templates"] == (False, "remote template (another repository)")
    assert reasons["loop.yml"][0] is False and reasons["loop.yml"][1].startswith("template cycle: ")
    # the template files themselves are templates, not pipelines of their own
    assert sorted(x.kind for x in res.resources) == ["AzurePipeline", "AzurePipelineTemplate",
                                                       "AzurePipelineTemplate", "AzurePipelineTemplate"]


def test_broken_workflow_is_an_input_error_and_the_scan_goes_on(tmp_path: Path) -> None:
    _write(tmp_path, {
        ".github/workflows/bad.yml": "on: push\njobs: [\n",
        ".github/workflows/empty.yml": "name: nothing here\n",
        ".github/workflows/ok.yml": "on: push\njobs:\n  a:\n    runs-on: x\n    steps: [{run: docker build -t a .}]\n",
    })
    inv = build_inventory(ScanOptions(inputs=(str(tmp_path),)))
    assert [r.name for r in inv.resources] == [".github/workflows/ok.yml"]
    msgs = sorted((Path(e.path).name, e.message.split(" (")[0]) for e in inv.errors)
    assert msgs == [("bad.yml", "invalid YAML: did not find expected node content"),
                    ("empty.yml", "not a GitHub Actions workflow: no jobs, stages or steps found")]


def test_pipeline_rules_on_the_bundled_example() -> None:
    root = Path(__file__).resolve().parent.parent
    report = run_scan(ScanOptions(inputs=(str(root / "fixtures/example"),), select=("pipeline",)))
    got = sorted((f.rule, f.status, f.location.line) for f in report.findings)
    assert got == [("PIPE001", "pass", 3), ("PIPE002", "fail", 42), ("PIPE002", "fail", 43),
                   ("PIPE003", "fail", 42), ("PIPE004", "pass", 3)]

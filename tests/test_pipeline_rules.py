"""Pipeline rules on real-world spellings, through the real loader and engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.pipelines import classify_tag, is_test_command, step_actions
from auditor.scan import ScanOptions, run_scan
from tests.conftest import rule_results


def _scan(tmp_path: Path, files: dict[str, str], code: str) -> list[tuple[str, int | None, str]]:
    results, report = rule_results(tmp_path, files, code)
    assert not report.errors
    return results


@pytest.mark.parametrize(("tag", "verdict"), [
    ("myacr.azurecr.io/ml/scorer:${{ github.sha }}", "versioned"),
    ("ghcr.io/a/b:${{ github.run_number }}", "versioned"),
    ("$(Build.BuildId)", "versioned"),
    ("r.io/a:1.4.2", "versioned"),
    ("r.io/a:v2.0.0-rc.1", "versioned"),
    ("r.io/a@sha256:" + "a" * 64, "versioned"),
    ("r.io/a:latest", "mutable"),
    ("r.io/a", "mutable"),
    ("r.io/a:prod", "mutable"),
    ("r.io/a:$TAG", "unknown"),
    ("r.io/a:${{ secrets.X }}", "unknown"),
])
def test_classify_tag(tag: str, verdict: str) -> None:
    assert classify_tag(tag, {}) == verdict


def test_classify_tag_follows_variables() -> None:
    assert classify_tag("r.io/a:$TAG", {"TAG": "latest"}) == "mutable"
    assert classify_tag("r.io/a:${TAG}", {"TAG": "${{ github.sha }}"}) == "versioned"
    assert classify_tag("$(tag)", {"tag": "$(Build.SourceVersion)"}, bare=True) == "versioned"


@pytest.mark.parametrize(("cmd", "is_test"), [
    ("python -m pytest -q", True), ("uv run pytest", True), ("npm run test:unit", True), ("yarn test", True),
    ("go test ./...", True), ("dotnet test --no-build", True), ("./mvnw -B verify", True),
    ("mvn -B package -DskipTests", False), ("./gradlew build", True), ("cargo test", True), ("make test", True),
    ("npm run build", False), ("pip install pytest", False), ("echo testing", False),
])
def test_test_commands(cmd: str, is_test: bool) -> None:
    assert is_test_command(cmd) is is_test


def test_tests_hidden_in_remote_template_are_not_assessed_not_failed(tmp_path: Path) -> None:
    got = _scan(tmp_path, {"azure-pipelines.yml": (
        "trigger: [main]\n"
        "stages:\n"
        "  - template: stages/test.yml@shared\n"
        "  - stage: Ship\n"
        "    jobs:\n"
        "      - job: Push\n"
        "        steps:\n"
        "          - task: Docker@2\n"
    )}, "PIPE001")
    assert got == [("not_assessed", 1, "not assessed: tests may run in templates or reusable workflows that could not "
                                       "be read: stages/test.yml@shared")]


def test_lint_only_workflow_is_outside_the_tests_rule(tmp_path: Path) -> None:
    got = _scan(tmp_path, {".github/workflows/lint.yml": (
        "on: [pull_request]\njobs:\n  lint:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ruff check .\n"
    )}, "PIPE001")
    assert got == []


def test_pushing_from_powershell_and_docker_task_default_tag(tmp_path: Path) -> None:
    got = _scan(tmp_path, {"build.yml": (
        "trigger: [main]\n"
        "pool: {vmImage: windows-latest}\n"
        "steps:\n"
        "  - pwsh: |\n"
        "      $tag = 'latest'\n"
        "      docker build -t myacr.azurecr.io/win/app:$tag .\n"
        "      docker push myacr.azurecr.io/win/app:$tag\n"
        "  - task: Docker@2\n"
        "    inputs: {repository: ml/app, containerRegistry: acr}\n"
    )}, "PIPE002")
    assert got == [("fail", 7, "docker push pushes myacr.azurecr.io/win/app:latest only: no commit SHA, run number or "
                                "version tag")]


def test_inline_suppression_above_a_step_or_a_command(tmp_path: Path) -> None:
    wf = tmp_path / ".github/workflows/publish.yml"
    wf.parent.mkdir(parents=True)
    wf.write_text(
        "on: push\n"                                                      # 1
        "jobs:\n"                                                         # 2
        "  publish:\n"                                                    # 3
        "    runs-on: ubuntu-latest\n"                                    # 4
        "    steps:\n"                                                    # 5
        "      - run: pytest\n"                                           # 6
        "      # auditor:ignore PIPE002 -- nightly channel, overwritten on purpose\n"  # 7
        "      - name: nightly\n"                                         # 8
        "        uses: docker/build-push-action@v6\n"                     # 9
        "        with: {push: true, tags: 'r.io/a:nightly'}\n"            # 10
        "      - run: |\n"                                                # 11
        "          docker build -t r.io/b:latest .\n"                     # 12
        "          # auditor:ignore CICD-IMAGE-VERSIONED expires=2000-01-01 -- old\n"  # 13
        "          docker push r.io/b:latest\n",                          # 14
        encoding="utf-8")
    report = run_scan(ScanOptions(inputs=(str(tmp_path),), select=("PIPE002",)))
    got = sorted((f.status, f.location.line) for f in report.findings)
    assert got == [("fail", 14), ("suppressed", 8)]
    assert sorted((r.line, r.status) for r in report.suppressions) == [(8, "used"), (14, "expired")]


def test_template_parameters_and_workflow_call_inputs_reach_the_tags(tmp_path: Path) -> None:
    got = _scan(tmp_path, {
        "azure-pipelines.yml": (
            "trigger: [main]\n"                                   # 1
            "pool: {vmImage: ubuntu-latest}\n"                    # 2
            "jobs:\n"                                             # 3
            "  - job: Release\n"                                  # 4
            "    steps:\n"                                        # 5
            "      - template: templates/push.yml\n"              # 6
            "        parameters: {tag: $(Build.SourceVersion)}\n"  # 7
            "  - job: Nightly\n"                                  # 8
            "    steps:\n"                                        # 9
            "      - template: templates/push.yml\n"              # 10
        ),
        "templates/push.yml": (
            "parameters:\n  - name: tag\n    type: string\n    default: latest\n"
            "steps:\n  - task: Docker@2\n    inputs:\n      repository: ml/scorer\n      tags: ${{ parameters.tag }}\n"
        ),
        ".github/workflows/release.yml": (
            "on: push\n"                                          # 1
            "jobs:\n"                                             # 2
            "  a:\n"                                              # 3
            "    uses: ./.github/workflows/publish.yml\n"         # 4
            "    with: {version: '${{ github.ref_name }}'}\n"     # 5
            "  b:\n"                                              # 6
            "    uses: ./.github/workflows/publish.yml\n"
        ),
        ".github/workflows/publish.yml": (
            "on:\n  workflow_call:\n    inputs:\n      version: {type: string, default: edge}\n"
            "jobs:\n  push:\n    runs-on: ubuntu-latest\n    steps:\n"
            "      - run: docker push ghcr.io/acme/app:${{ inputs.version }}\n"
        ),
    }, "PIPE002")
    # the failing GitHub call is job `b` (line 6), which leaves `version` at its default
    assert sorted(got) == [
        ("fail", 6, "docker push pushes ghcr.io/acme/app:edge only: no commit SHA, run number or version tag"),
        ("fail", 10, "Docker@2 buildAndPush pushes latest only: no commit SHA, run number or version tag"),
    ]


def test_templates_alone_are_not_judged_as_pipelines(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates/build.yml").write_text(
        "parameters:\n  - name: tag\nsteps:\n  - task: Docker@2\n    inputs: {tags: latest}\n", encoding="utf-8")
    report = run_scan(ScanOptions(inputs=(str(tmp_path),), select=("pipeline",)))
    assert sorted((f.rule, f.status, f.message) for f in report.findings) == [
        ("PIPE003", "not_assessed", "not assessed: only templates and reusable workflows were found: they are judged "
                                    "through the pipelines that use them"),
        ("PIPE004", "not_assessed", "not assessed: only templates and reusable workflows were found: they are judged "
                                    "through the pipelines that use them"),
    ]


@pytest.mark.parametrize(("script", "kinds"), [
    ("python src/train.py --epochs 3", ["train"]),
    ("python -m churn.train", ["train"]),
    ("python3 scripts/model_training.py", ["train"]),
    ("python constraints.py", []),
    ("az ml job create -f job.yml --stream", ["train"]),
    ("helm plugin install https://github.com/databus23/helm-diff", []),
    ("helm upgrade --install scorer charts/scorer", ["deploy"]),
    ("docker buildx bake --push", ["build", "push"]),
    ("docker run --rm aquasec/trivy:0.50.1 image --exit-code 1 app:1", ["scan"]),
    ("snyk test --all-projects", []),
    ("twine upload dist/*", ["deploy"]),
    ("docker run app:1 pytest -q", ["test"]),
    ("./scripts/deploy.sh production", ["deploy"]),
    ("az deployment group what-if -g rg -f main.bicep", ["test"]),
])
def test_what_a_command_does(script: str, kinds: list[str]) -> None:
    step = {"script": script, "line": 4, "script_line": 5}
    assert [(a.kind, a.line) for a in step_actions(step)] == [(k, 5) for k in kinds]


@pytest.mark.parametrize(("task", "inputs", "kinds"), [
    ("PythonScript@0", {"scriptSource": "filePath", "scriptPath": "src/train.py"}, ["train"]),
    ("Bash@3", {"targetType": "filePath", "filePath": "scripts/run-tests.sh"}, ["test"]),
    ("AzureCLI@2", {"scriptLocation": "scriptPath", "scriptPath": "ops/deploy.sh"}, ["deploy"]),
    ("AzureCLI@2", {"scriptLocation": "scriptPath", "scriptPath": "ops/cleanup.sh"}, []),
    ("DotNetCoreCLI@2", {"command": "test", "arguments": "--collect 'XPlat Code Coverage'"}, ["test"]),
    ("DotNetCoreCLI@2", {"command": "publish", "arguments": "-c Release"}, ["build"]),
    ("Maven@4", {"goals": "package", "options": "-DskipTests"}, ["build"]),
    ("KubernetesManifest@1", {"action": "bake"}, []),
    ("HelmDeploy@0", {"command": "upgrade", "chartType": "FilePath"}, ["deploy"]),
    ("MicrosoftSecurityDevOps@1", {"categories": "containers"}, ["scan"]),
])
def test_what_a_task_does(task: str, inputs: dict[str, str], kinds: list[str]) -> None:
    assert [a.kind for a in step_actions({"task": task, "inputs": inputs, "line": 7})] == kinds


def test_an_azure_ml_schedule_created_by_a_pipeline_counts_as_scheduled_retraining(tmp_path: Path) -> None:
    got = _scan(tmp_path, {".github/workflows/mlops.yml": (
        "on: {push: {branches: [main]}}\n"
        "jobs:\n"
        "  schedule:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: azure/login@v2\n"
        "        with: {creds: '${{ secrets.AZURE_CREDENTIALS }}'}\n"
        "      - run: az ml schedule create --file schedules/weekly-retrain.yml -g ml-rg -w ml-ws\n"
    )}, "PIPE004")
    assert got == [("pass", 1, "Azure ML schedule created by az ml schedule create (line 8)")]


def test_step_outputs_and_github_env_are_followed_into_tags(tmp_path: Path) -> None:
    got = _scan(tmp_path, {".github/workflows/p.yml": (
        "on: push\n"                                                            # 1
        "jobs:\n"                                                               # 2
        "  p:\n"                                                                # 3
        "    runs-on: ubuntu-latest\n"                                          # 4
        "    steps:\n"                                                          # 5
        "      - run: pytest\n"                                                 # 6
        "      - id: vars\n"                                                    # 7
        "        run: |\n"                                                      # 8
        "          echo \"tag=latest\" >> \"$GITHUB_OUTPUT\"\n"                 # 9
        "          echo \"SHA_TAG=$(git rev-parse --short HEAD)\" >> $GITHUB_ENV\n"  # 10
        "      - uses: docker/build-push-action@v6\n"                           # 11
        "        with: {push: true, tags: 'r.io/a:${{ steps.vars.outputs.tag }}'}\n"  # 12
        "      - run: docker push r.io/b:$SHA_TAG\n"                            # 13
    )}, "PIPE002")
    assert got == [("fail", 11, "docker/build-push-action pushes r.io/a:latest only: no commit SHA, run number or "
                                "version tag")]


def test_commands_in_messages_leave_out_options_that_may_hold_secrets() -> None:
    step = {"script": "kubectl --token s3cr3t-t0ken-value --server=https://aks apply -f deploy/", "line": 3}
    assert [(a.kind, a.what) for a in step_actions(step)] == [("deploy", "kubectl apply")]

"""Regressions found by scanning public workflows and Azure Pipelines: small synthetic inputs only."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.pipelines import is_test_command
from auditor.scan import ScanOptions
from tests.conftest import rule_results


def _scan(tmp_path: Path, files: dict[str, str], code: str) -> list[tuple[str, int | None, str]]:
    return rule_results(tmp_path, files, code)[0]


@pytest.mark.parametrize(("cmd", "is_test"), [
    ("docker-compose --file docker-compose.test.yml run sut", True),
    ("docker compose -f docker-compose.test.yml up --exit-code-from sut", True),
    ("docker compose -f tests/compose.yml run app", True),
    ("docker compose -f docker-compose.yml up -d", False),
    ("docker-compose --file docker-compose.test.yml build", False),
])
def test_compose_test_convention(cmd: str, is_test: bool) -> None:
    assert is_test_command(cmd) is is_test


PUBLISH = """\
name: publish
on:
  push:
    branches: [main]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Run tests
        run: |
          docker compose --file docker-compose.test.yml build
          docker compose --file docker-compose.test.yml run sut
  push:
    needs: test
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: ./.github/actions/prepare
      - uses: docker/build-push-action@v6
        with:
          push: true
          tags: acme/api:${{ github.sha }}
"""


def test_compose_sut_job_gates_the_push(tmp_path: Path) -> None:
    got = _scan(tmp_path, {".github/workflows/publish.yml": PUBLISH}, "PIPE001")
    assert [s for s, _, _ in got] == ["pass"]


def test_push_after_an_unreadable_local_action_is_not_called_scanned(tmp_path: Path) -> None:
    """The local action is missing: a scan may run there, so the push is neither passed nor failed."""
    got = _scan(tmp_path, {".github/workflows/publish.yml": PUBLISH}, "PIPE003")
    assert got == [("not_assessed", None, "not assessed: images are pushed or deployed after steps from templates "
                    "that could not be read (a scan may run there): ./.github/actions/prepare")]


def test_push_after_a_readable_local_action_without_scanner_fails(tmp_path: Path) -> None:
    got = _scan(tmp_path, {".github/workflows/publish.yml": PUBLISH, ".github/actions/prepare/action.yml": (
        "name: prepare\nruns:\n  using: composite\n  steps:\n    - run: df -h\n      shell: bash\n")}, "PIPE003")
    assert got == [("fail", 20, "docker/build-push-action pushes an image that no earlier step or job scanned for "
                    "vulnerabilities")]


def test_command_inside_an_assignment_substitution_is_read() -> None:
    from auditor.pipelines import commands
    got = [c.words for c in commands({"script": "run_id=$(az ml job create -f job.yml --query name -o tsv)\n"
                                                "TAG=$(git rev-parse --short HEAD)\n", "script_line": 5})]
    assert got == [("az", "ml", "job", "create", "-f", "job.yml", "--query", "name", "-o", "tsv"),
                   ("git", "rev-parse", "--short", "HEAD")]


def test_training_submitted_through_a_substitution_counts(tmp_path: Path) -> None:
    got = _scan(tmp_path, {"azure-pipelines.yml": (
        "trigger: [main]\n"
        "pool: {vmImage: ubuntu-latest}\n"
        "steps:\n"
        "  - task: AzureCLI@2\n"
        "    inputs:\n"
        "      azureSubscription: ml\n"
        "      scriptType: bash\n"
        "      scriptLocation: inlineScript\n"
        "      inlineScript: |\n"
        "        run_id=$(az ml job create -f pipeline.yml --query name -o tsv)\n")}, "PIPE004")
    assert got == [("fail", 1, "pipeline trains a model (az ml job create, line 10) but has no schedule trigger")]


WEBAPP = """\
name: deploy
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install -r requirements.txt
      - name: Run tests
        run: python tests/test_runner.py
      - uses: azure/webapps-deploy@v3
        with:
          app-name: api
          publish-profile: ${{ secrets.PROFILE }}
"""


@pytest.mark.parametrize(("cmd", "is_test"), [
    ("python tests/test_runner.py", True), ("python3 -u test_model.py", True),
    ("python src/tests/integration/run.py", True), ("python train.py", False), ("python setup.py sdist", False),
])
def test_test_scripts_by_path(cmd: str, is_test: bool) -> None:
    assert is_test_command(cmd) is is_test


def test_code_package_webapp_deploy_after_a_test_script(tmp_path: Path) -> None:
    assert [s for s, _, _ in _scan(tmp_path, {".github/workflows/deploy.yml": WEBAPP}, "PIPE001")] == ["pass"]


def test_code_package_webapp_deploy_is_not_a_container_deploy(tmp_path: Path) -> None:
    got = _scan(tmp_path, {".github/workflows/deploy.yml": WEBAPP}, "PIPE003")
    assert got == [("not_assessed", None, "not assessed: none of the 1 pipeline(s) pushes or deploys a container image")]


def test_webapp_deploy_with_images_is_a_container_deploy(tmp_path: Path) -> None:
    text = WEBAPP + "          images: acr.azurecr.io/api:${{ github.sha }}\n"
    got = _scan(tmp_path, {".github/workflows/deploy.yml": text}, "PIPE003")
    assert got == [("fail", 13, "azure/webapps-deploy deploys images that no pipeline step scanned for vulnerabilities")]


def test_azure_rm_webapp_deployment_container_kind(tmp_path: Path) -> None:
    from auditor.pipelines import step_actions
    code = step_actions({"task": "AzureRmWebAppDeployment@4", "line": 3,
                         "inputs": {"appType": "webAppLinux", "packageForLinux": "drop/app.zip"}})
    image = step_actions({"task": "AzureRmWebAppDeployment@4", "line": 3,
                          "inputs": {"appType": "webAppContainer", "DockerRepository": "api"}})
    assert [(a.kind, a.container) for a in code] == [("deploy", False)]
    assert [(a.kind, a.container) for a in image] == [("deploy", True)]


@pytest.mark.parametrize(("cmd", "want"), [
    ("ko build ./cmd/app", [("build", ()), ("push", ("$KO_DOCKER_REPO:latest",))]),
    ("ko build --tags v1.2,latest ./cmd/app", [("build", ()), ("push", ("$KO_DOCKER_REPO:v1.2", "$KO_DOCKER_REPO:latest"))]),
    ("ko build --local ./cmd/app", []),
    ("/kaniko/executor --context . --destination ghcr.io/a/b:1.0",
     [("build", ("ghcr.io/a/b:1.0",)), ("push", ("ghcr.io/a/b:1.0",))]),
    ("/kaniko/executor --context . --destination ghcr.io/a/b:1.0 --no-push", [("build", ("ghcr.io/a/b:1.0",))]),
    ("gcloud builds submit --tag gcr.io/p/a:1", [("build", ("gcr.io/p/a:1",)), ("push", ("gcr.io/p/a:1",))]),
    ("make docker-push IMG=x", [("push", ("",))]),
    ("make push", []),
    ("make test-unit", [("test", ())]),
    ("make integration-tests", [("test", ())]),
    ("make latest", []),
    ("conda run -n env pytest -q", [("test", ())]),
    ("conda install -y pytest", []),
    ("pnpm -r test", [("test", ())]),
    ("yarn workspaces run test", [("test", ())]),
    ("python scripts/fine_tune.py --epochs 1", [("train", ())]),
    ("papermill notebooks/train.ipynb out.ipynb", [("train", ())]),
])
def test_more_real_spellings(cmd: str, want: list[tuple[str, tuple[str, ...]]]) -> None:
    from auditor.pipelines import step_actions
    assert [(a.kind, a.tags) for a in step_actions({"script": cmd, "script_line": 1, "line": 1})] == want


KIND_E2E = """\
name: chart
on: [pull_request]
jobs:
  e2e:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: helm/kind-action@v1
      - run: docker build -t app:ci . && kind load docker-image app:ci
      - run: |
          docker tag app:ci localhost:5001/app:ci
          docker push localhost:5001/app:ci
      - run: helm install app charts/ --set image.tag=ci --wait
"""


def test_deploy_into_a_kind_cluster_is_an_end_to_end_test(tmp_path: Path) -> None:
    from auditor.pipelines import job_actions
    from auditor.scan import build_inventory
    p = tmp_path / ".github/workflows/chart.yml"
    p.parent.mkdir(parents=True)
    p.write_text(KIND_E2E, encoding="utf-8")
    inv = build_inventory(ScanOptions(inputs=(str(tmp_path),)))
    wf = next(r for r in inv.resources if r.kind == "GitHubWorkflow")
    got = [(a.kind, a.what, a.line) for _, a in job_actions(wf.data["jobs"][0])]
    assert got == [("build", "docker build", 9),
                   ("test", "helm install app into a throwaway cluster (end-to-end test)", 13)]
    assert [s for s, _, _ in _scan(tmp_path, {}, "PIPE001")] == ["pass"]
    assert [s for s, _, _ in _scan(tmp_path, {}, "PIPE003")] == ["not_assessed"]


def test_deploy_before_the_kind_cluster_is_still_a_delivery(tmp_path: Path) -> None:
    text = KIND_E2E.replace("      - uses: helm/kind-action@v1\n", "").replace(
        "--wait\n", "--wait\n      - uses: helm/kind-action@v1\n")
    got = _scan(tmp_path, {".github/workflows/chart.yml": text}, "PIPE003")
    assert [s for s, _, _ in got] == ["fail"]


def test_canary_strategy_action_variable_is_a_deploy() -> None:
    from auditor.pipelines import step_actions
    got = step_actions({"task": "KubernetesManifest@1", "line": 7,
                        "inputs": {"action": "$(strategy.action)", "manifests": "m.yml", "percentage": "25"}})
    secret = step_actions({"task": "KubernetesManifest@1", "line": 7, "inputs": {"action": "createSecret"}})
    assert [(a.kind, a.line, a.container) for a in got] == [("deploy", 7, True)]
    assert secret == []

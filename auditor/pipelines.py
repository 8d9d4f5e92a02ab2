"""Pipeline helpers for rules: what each step does (test, build, push, deploy, scan, train), image
tags it pushes, and the job graph. Pure functions over the normalised view the pipeline loader
builds (auditor.loaders.pipeline): `data["jobs"][i]["steps"][j]`.

Recognised spellings are listed here once, so every pipeline rule agrees on them: shell commands
in `run:`/`script:`/`bash:`/`pwsh:` steps and inline-script task inputs, GitHub actions by name
(any version or SHA), Azure tasks by name (any version).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from auditor.imageref import parse_image
from auditor.secrets import redact_text

ENTRY_KINDS: tuple[str, ...] = ("GitHubWorkflow", "AzurePipeline")


@dataclass(frozen=True, slots=True)
class Action:
    """Something a step does: kind is test | build | push | deploy | scan | train | schedule (an Azure ML
    schedule created or updated)."""

    kind: str
    line: int | None
    what: str  # short description for messages: "docker push", "Docker@2 buildAndPush", ...
    tags: tuple[str, ...] = ()  # push: the image references (or bare tags) pushed
    container: bool = True  # deploy: deploys containers (kubectl, helm, container apps, web app for containers)
    detail: Mapping[str, str] = field(default_factory=dict)


# ---- small accessors ----------------------------------------------------------------------------
def jobs(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    js = data.get("jobs") if isinstance(data, Mapping) else None
    return [j for j in js if isinstance(j, Mapping)] if isinstance(js, list) else []


def action_name(uses: str | None) -> str:
    """`actions/checkout@v4` -> `actions/checkout`; `docker://aquasec/trivy:0.50` -> `docker://aquasec/trivy`."""
    if not uses:
        return ""
    u = uses.strip()
    if u.startswith("docker://"):
        return "docker://" + parse_image(u[len("docker://"):]).name.lower()
    return u.split("@", 1)[0].lower().rstrip("/")


def task_name(task: str | None) -> tuple[str, str]:
    """`Docker@2` -> ("docker", "2"); `ms-devlabs.custom-terraform-tasks.TerraformTaskV4@4` -> ("terraformtaskv4", "4")."""
    if not task:
        return "", ""
    name, _, ver = task.strip().partition("@")
    return name.rsplit(".", 1)[-1].lower(), ver


def ancestors(data: Mapping[str, Any], job_id: str) -> list[Mapping[str, Any]]:
    """Jobs that must finish before `job_id` starts (transitive needs/dependsOn; called workflows included)."""
    by_id = {str(j.get("id")): j for j in jobs(data)}
    seen: set[str] = set()
    order: list[Mapping[str, Any]] = []
    todo = list(by_id.get(job_id, {}).get("needs") or [])
    while todo:
        jid = str(todo.pop())
        if jid in seen or jid == job_id:
            continue
        seen.add(jid)
        j = by_id.get(jid)
        if j is None:
            continue
        order.append(j)
        todo += list(j.get("needs") or []) + list(j.get("calls") or [])
    return order


def unresolved(data: Mapping[str, Any]) -> list[str]:
    return [f"{t.get('ref')} ({t.get('reason')})" for t in data.get("templates") or [] if not t.get("resolved")]


def unresolved_in(job_list: Sequence[Mapping[str, Any]]) -> list[str]:
    out = [str(j["unresolved"]) for j in job_list if j.get("unresolved")]
    out += [str(s["unresolved"]) for j in job_list for s in j.get("steps") or [] if s.get("unresolved")]
    return out


# ---- scripts --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Command:
    words: tuple[str, ...]
    text: str
    line: int | None


_SPLIT_RE = re.compile(r"\s*(?:&&|\|\||;|\|)\s*")
_EXPR_RE = re.compile(r"\$\{\{.*?\}\}")
_PROTECT = str.maketrans({" ": "\x01", "|": "\x02", "&": "\x03", ";": "\x04", "'": "\x05", '"': "\x06"})
_RESTORE = str.maketrans({"\x01": " ", "\x02": "|", "\x03": "&", "\x04": ";", "\x05": "'", "\x06": '"'})


def _protect(text: str) -> str:
    """Keep `${{ expressions }}` whole through shell splitting."""
    return _EXPR_RE.sub(lambda m: m.group(0).translate(_PROTECT), text)


def commands(step: Mapping[str, Any]) -> Iterator[Command]:
    """Shell commands of a step's script, with their line in the pipeline file (backslash and
    PowerShell backtick continuations joined; `a && b; c | d` split; comments dropped)."""
    text = step.get("script")
    if not isinstance(text, str) or not text.strip():
        return
    base = step.get("script_line")
    anchor = step.get("line")
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        start = i
        logical = lines[i]
        while logical.rstrip().endswith(("\\", "`")) and i + 1 < len(lines):
            i += 1
            logical = logical.rstrip()[:-1] + " " + lines[i]
        i += 1
        stripped = _protect(logical.strip())
        if not stripped or stripped.startswith("#"):
            continue
        line = (base + start) if isinstance(base, int) else anchor
        for part in _SPLIT_RE.split(stripped):
            if not part or part.startswith("#"):
                continue
            try:
                words = tuple(shlex.split(part, comments=True))
            except ValueError:
                words = tuple(part.split())
            sub = re.match(r"^[A-Za-z_][A-Za-z0-9_]*=\$\((.+)$", words[0]) if words else None
            if sub is not None:  # run_id=$(az ml job create ...): the command inside the substitution
                words = (sub.group(1), *words[1:])
                if words[-1].endswith(")"):
                    words = (*words[:-1], words[-1][:-1]) if len(words[-1]) > 1 else words[:-1]
            while words and (re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]) and len(words) > 1
                             or words[0] in ("sudo", "time", "exec", "env", "-", "&", "then", "do", "else", "{", "(")):
                words = words[1:]
            if words:
                yield Command(tuple(x.translate(_RESTORE) for x in words), part.translate(_RESTORE), line)


# ---- tests ----------------------------------------------------------------------------------------
_TEST_RES: tuple[re.Pattern[str], ...] = tuple(re.compile(p) for p in (
    r"(?:^|[\s/])(?:py\.test|pytest)(?:\s|$)", r"\bpython[0-9.]*\s+-m\s+(?:pytest|unittest|nose2?)\b",
    r"(?:^|\s)(?:tox|nox)(?:\s|$)", r"\b(?:uv|poetry|pipenv|hatch|pdm)\s+run\s+(?:python\s+-m\s+)?(?:pytest|tox|nox)\b",
    r"\bhatch\s+(?:run\s+)?test\b", r"\b(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?(?:test|t)(?::[\w:-]+)?(?:\s|$)",
    r"\bnpm\s+(?:run\s+)?(?:test|cit|install-test)\b", r"\bnpx\s+(?:jest|vitest|mocha|playwright\s+test|cypress\s+run)\b",
    r"(?:^|\s)(?:jest|vitest|mocha)(?:\s|$)", r"\bgo\s+test\b", r"\bdotnet\s+test\b", r"\bcargo\s+(?:test|nextest)\b",
    r"\bmake\s+(?:[\w-]+\s+)*(?:tests?(?:[-_][\w-]+)?|[\w-]+[-_]tests?|check|unittest)(?:\s|$)",
    r"\b(?:conda|mamba|micromamba)\s+run\s+(?:-\S+\s+(?:\S+\s+)?)*(?:python\s+-m\s+)?(?:pytest|tox|nox)\b",
    r"\b(?:pnpm|yarn|npm)\s+(?:-\S+\s+)*(?:workspaces\s+run\s+|-r\s+|--recursive\s+)?(?:run\s+)?test(?::[\w:-]+)?(?:\s|$)", r"(?:^|\s)ctest(?:\s|$)",
    r"\b(?:bundle\s+exec\s+)?rspec\b", r"\bphpunit\b", r"\b(?:run[-_])?tests?\.(?:sh|ps1|py)\b", r"\brun[-_]tests?\b",
    r"\bpython[0-9.]*\s+(?:-\S+\s+)*\S*\btests?/\S*\.py\b", r"\bpython[0-9.]*\s+(?:-\S+\s+)*\S*\btest_\w+\.py\b",
    r"\bbehave\b", r"\brake\s+(?:test|spec)\b", r"\bswift\s+test\b", r"\bflutter\s+test\b", r"\bbazel\s+test\b",
    r"\bsbt\s+(?:[\w:]+\s+)*test\b", r"\bterraform\s+test\b", r"\bInvoke-Pester\b",
    r"\baz\s+deployment\s+(?:group|sub|mg|tenant)\s+(?:validate|what-if)\b",
    # Docker Hub's automated-test convention: a docker-compose.test.yml whose `sut` service runs the tests
    r"\bdocker[- ]compose\s+(?:\S+\s+)*?(?:-f|--file)[\s=]+\S*\btests?\b\S*\s+(?:\S+\s+)*?(?:run|up)\b",
))
_MVN_RE = re.compile(r"\b(?:mvn|mvnw|\./mvnw|maven)\b.*\b(?:test|verify|package|install|deploy)\b")
_GRADLE_RE = re.compile(r"\b(?:gradle|gradlew|\./gradlew)\b.*\b(?:test|check|build)\b")
_SKIP_TESTS_RE = re.compile(r"-DskipTests|-Dmaven\.test\.skip=true|-x\s+test\b")
TEST_ACTIONS = ("pavelzw/pytest-action", "paambaati/codeclimate-action", "cypress-io/github-action",
                "microsoft/playwright-github-action", "gradle/gradle-build-action")
REPORT_ACTIONS = ("dorny/test-reporter", "enricomi/publish-unit-test-result-action", "mikepenz/action-junit-report",
                  "publishtestresults")


_INSTALL_RE = re.compile(r"^\s*(?:python[0-9.]*\s+-m\s+)?(?:pip[0-9.]*|uv\s+pip|uv\s+add|poetry\s+add|pipx|(?:conda|mamba|micromamba)\s+(?:install|create|env|update)"
                         r"|apt(?:-get)?|apk|yum|dnf|brew|choco|npm\s+(?:i|install|ci|add)|yarn\s+add|pnpm\s+add"
                         r"|go\s+install|dotnet\s+tool)\b")


def is_test_command(text: str) -> bool:
    if _INSTALL_RE.match(text):
        return False
    if any(r.search(text) for r in _TEST_RES):
        return True
    return bool((_MVN_RE.search(text) or _GRADLE_RE.search(text)) and not _SKIP_TESTS_RE.search(text))


def _test_task(name: str, inputs: Mapping[str, str]) -> str | None:
    cmd = (inputs.get("command") or "").lower()
    if name == "dotnetcorecli" and cmd == "test":
        return "DotNetCoreCLI test"
    if name in ("vstest", "visualstudiotestplatforminstaller") and name == "vstest":
        return "VSTest"
    if name == "maven":
        goals = inputs.get("goals", "package")
        if is_test_command("mvn " + goals + " " + inputs.get("options", "")):
            return f"Maven {goals}"
    if name == "gradle":
        tasks = inputs.get("tasks", "build")
        if is_test_command("gradle " + tasks + " " + inputs.get("options", "")):
            return f"Gradle {tasks}"
    if name == "npm" and cmd == "custom" and is_test_command("npm " + inputs.get("customCommand", "")):
        return "npm " + inputs.get("customCommand", "")
    if name in ("pythonscript",) and is_test_command(inputs.get("script", "") + " " + inputs.get("arguments", "")):
        return "PythonScript pytest"
    return None


# ---- build / push / deploy / scan / train ------------------------------------------------------
_BUILD_RES = tuple(re.compile(p) for p in (
    r"\bdotnet\s+(?:build|publish|pack)\b", r"\b(?:npm|pnpm|yarn)\s+(?:run\s+)?build\b", r"\bgo\s+build\b",
    r"\bpython[0-9.]*\s+-m\s+build\b", r"\bcargo\s+build\b", r"\b(?:mvn|gradle|gradlew|mvnw)\b.*\b(?:package|build|assemble|install)\b",
    r"\bpoetry\s+build\b", r"\buv\s+build\b", r"\bmsbuild\b",
))
_DEPLOY_RES: tuple[tuple[re.Pattern[str], bool], ...] = tuple((re.compile(p), c) for p, c in (
    (r"\bkubectl\s+(?:\S+\s+)*(?:apply|create|replace|set\s+image|rollout\s+restart|patch)\b", True),
    (r"\bhelm\s+(?!plugin\b)(?:\S+\s+)*(?:upgrade|install)\b", True), (r"\bhelmfile\s+(?:\S+\s+)*(?:apply|sync)\b", True),
    (r"\bkustomize\s+build\b.*\|\s*kubectl", True), (r"\bskaffold\s+(?:run|deploy)\b", True),
    (r"\bargocd\s+app\s+(?:sync|set|create)\b", True), (r"\bflux\s+reconcile\b", True),
    (r"\baz\s+webapp\s+(?:deploy|up|create|config\s+container\s+set|deployment)\b", True),
    (r"\baz\s+containerapp\s+(?:up|update|create)\b", True), (r"\baz\s+container\s+create\b", True),
    (r"\baz\s+functionapp\s+(?:deployment|deploy|config\s+container)\b", False),
    (r"\baz\s+ml\s+online-deployment\s+(?:create|update)\b", True), (r"\baz\s+ml\s+batch-deployment\s+(?:create|update)\b", True),
    (r"\baz\s+deployment\s+(?:group|sub|mg|tenant)\s+create\b", False), (r"\baz\s+aks\s+command\s+invoke\b", True),
    (r"\bterraform\s+apply\b", False), (r"\bpulumi\s+up\b", False), (r"\bgcloud\s+run\s+deploy\b", True),
    (r"\baws\s+ecs\s+(?:update-service|deploy)\b", True), (r"\bfunc\s+azure\s+functionapp\s+publish\b", False),
    (r"\bserverless\s+deploy\b|\bsls\s+deploy\b", False), (r"\bdocker\s+(?:stack|service)\s+(?:deploy|update)\b", True),
    (r"\btwine\s+upload\b|\b(?:npm|pnpm|yarn)\s+publish\b|\bdotnet\s+nuget\s+push\b|\b(?:poetry|uv|cargo|hatch|flit)\s+publish\b"
     r"|\bgem\s+push\b", False),
    (r"(?:^|[\s/])deploy[\w\-]*\.(?:sh|ps1|py)\b|\bmake\s+(?:[\w-]+\s+)*deploy\b", False),
))
_DEPLOY_ACTIONS: dict[str, bool] = {
    "azure/webapps-deploy": True, "azure/k8s-deploy": True, "azure/container-apps-deploy-action": True,
    "azure/aci-deploy": True, "azure/arm-deploy": False, "azure/functions-action": False,
    "azure/k8s-bake": True, "azure/helm-deploy": True, "azure/aml-deploy": True,
    "google-github-actions/deploy-cloudrun": True, "aws-actions/amazon-ecs-deploy-task-definition": True,
    "deliverybot/helm": True, "wahyd4/kubectl-helm-action": True, "actions-hub/kubectl": True,
    "azure/static-web-apps-deploy": False, "pypa/gh-action-pypi-publish": False, "js-devtools/npm-publish": False,
}
_DEPLOY_TASKS: dict[str, bool] = {
    "kubernetesmanifest": True, "kubernetes": True, "helmdeploy": True, "azurewebapp": False,
    "azurewebappcontainer": True, "azurermwebappdeployment": False, "azurefunctionapp": False,
    "azurefunctionappcontainer": True, "azurecontainerapps": True, "azureresourcemanagertemplatedeployment": False,
    "azureresourcegroupdeployment": False, "terraformtaskv4": False, "terraformtaskv3": False,
    "terraformtask": False, "azurecloudpowershelldeployment": False, "amlmodeldeploy": True,
    "azurecontainerinstance": True,
}
_PUSH_TOOLS = ("docker", "podman", "buildah", "nerdctl")
SCAN_ACTIONS = ("aquasecurity/trivy-action", "anchore/scan-action", "docker/scout-action",
                "microsoft/security-devops-action", "azure/container-scan", "crazy-max/ghaction-container-scan",
                "sysdiglabs/scan-action", "lacework/lw-scanner-action", "neuvector/scan-action",
                "paloaltonetworks/prisma-cloud-scan", "docker://aquasec/trivy", "docker://anchore/grype",
                "wiz-sec/wizcli-action", "aquasecurity/setup-trivy")
SCAN_TASK_RE = re.compile(r"^(?:microsoftsecuritydevops|trivy|snyksecurityscan|aquasecscanner|anchore\w*|grype\w*"
                          r"|prismacloudcompute\w*|twistlock\w*|containerscan\w*|wizcli\w*)$")
_SCAN_RES = tuple(re.compile(p) for p in (
    r"(?:^|[\s/])trivy(?::\S+)?\s+(?:--?\S+\s+)*(?:image|i|sbom|rootfs)\b", r"(?:^|[\s/])grype(?::\S+)?\s+\S+",
    r"\bsnyk\s+container\s+(?:test|monitor)\b", r"\bdocker\s+scout\s+(?:cves|quickview|qv|recommendations|compare)\b",
    r"\btwistcli\s+images\s+scan\b", r"\bwizcli\s+docker\s+scan\b", r"\bdocker\s+scan\b",
    r"\bclair-scanner\b|\bclairctl\b", r"\bneuvector\b.*\bscan\b", r"\bsysdig-cli-scanner\b", r"\bxray\b.*\bscan\b",
    r"\bjf\s+docker\s+scan\b", r"\bguarddog\b",
))
_TRAIN_RES = tuple(re.compile(p) for p in (
    r"\bpython[0-9.]*\s+(?:-\S+\s+)*(?:\S*[/_\-.])?(?:re|pre|fine[_-]?)?train[\w\-]*\.py\b",
    r"\bpython[0-9.]*\s+(?:-\S+\s+)*(?:\S*[/_\-.])?fine[_-]?tun(?:e|ing)[\w\-]*\.py\b",
    r"\bpapermill\s+(?:-\S+\s+)*\S*(?:train|fine[_-]?tun)\S*\.ipynb\b",
    r"\bpython[0-9.]*\s+-m\s+(?:[\w.]*[._])?(?:re|pre)?train\w*\b",
    r"(?:^|[\s/])(?:re|pre)?train[\w\-]*\.(?:py|sh)\b", r"\baz\s+ml\s+(?:job|pipeline)\s+create\b", r"\baz\s+ml\s+run\s+submit",
    r"\bmlflow\s+run\b", r"\bdvc\s+(?:repro|exp\s+run)\b", r"\bmake\s+(?:[\w-]+\s+)*(?:train|retrain)\b",
    r"\b(?:torchrun|deepspeed|accelerate\s+launch)\b", r"\bkedro\s+run\b", r"\bgcloud\s+ai\s+custom-jobs\s+create\b",
    r"\baws\s+sagemaker\s+create-training-job\b",
    r"\b(?:uv|poetry|pipenv|hatch)\s+run\s+(?:python\s+)?(?:-m\s+)?(?:\S*[/_\-.])?(?:re|pre)?train",
    r"\bgh\s+workflow\s+run\s+\S*train", r"\baz\s+pipelines\s+run\b.*train",
))
_AML_SCHEDULE_RE = re.compile(r"\baz\s+ml\s+schedule\s+(?:create|update)\b")
TRAIN_ACTIONS = ("azure/aml-run", "azure/aml-training", "azure/aml-compute", "iterative/setup-cml")
TRAIN_TASK_RE = re.compile(r"^(?:azureml\w*|amlpipeline\w*|azuremachinelearning\w*|machinelearning\w*"
                           r"|mlpublishedpipeline\w*|amlrun\w*)$")


def _opt_values(words: Sequence[str], *names: str) -> list[str]:
    out = []
    for i, w in enumerate(words):
        for n in names:
            if w == n and i + 1 < len(words):
                out.append(words[i + 1])
            elif w.startswith(n + "=") and n.startswith("--"):
                out.append(w[len(n) + 1:])
            elif len(n) == 2 and w.startswith(n) and len(w) > 2 and not w.startswith("--"):
                out.append(w[2:])
    return out


def _positional(words: Sequence[str], start: int, takes_value: Sequence[str] = ()) -> list[str]:
    out = []
    i = start
    while i < len(words):
        w = words[i]
        if w.startswith("-"):
            if w in takes_value:
                i += 1
        else:
            out.append(w)
        i += 1
    return out


_BUILD_VALUE_OPTS = ("-t", "--tag", "-f", "--file", "--build-arg", "--platform", "--target", "--label", "--cache-from",
                     "--cache-to", "--secret", "--ssh", "--output", "-o", "--network", "--progress", "--builder",
                     "--iidfile", "--metadata-file", "--annotation", "--build-context", "--provenance", "--sbom")


def _summary(words: Sequence[str], n: int) -> str:
    """The first `n` words of a command without its options or assignments (which may carry secrets)."""
    kept: list[str] = []
    skip = False
    for w in words:
        if w.startswith("-"):
            skip = "=" not in w and w != "-m"  # its value may follow (a secret?): leave it out too
            continue
        if not skip and "=" not in w and "$" not in w:
            kept.append(w)
        skip = False
    return redact_text(" ".join(kept[:n]))


_MAKE_PUSH_RE = re.compile(r"(?:docker|image|images|container|oci)[-_]push(?:[-_][\w-]+)?|push[-_](?:docker|images?|container)"
                           r"(?:[-_][\w-]+)?")


def _command_actions(cmd: Command, built_tags: list[str]) -> list[Action]:
    w = cmd.words
    text = cmd.text
    out: list[Action] = []
    tool = w[0].rsplit("/", 1)[-1]
    if is_test_command(text):
        out.append(Action("test", cmd.line, w[0]))
    if tool in _PUSH_TOOLS and len(w) > 1:
        sub = list(w[1:])
        if sub[0] in ("buildx", "image"):
            sub = sub[1:]
        if sub and sub[0] == "bake" and ("--push" in sub or any("push=true" in x for x in sub)):
            out.append(Action("build", cmd.line, f"{tool} buildx bake"))
            out.append(Action("push", cmd.line, f"{tool} buildx bake --push", ("<bake file>",)))
        elif sub and sub[0] in ("build", "bud"):
            built = _opt_values(sub, "-t", "--tag")
            built_tags += built
            tags: tuple[str, ...] = tuple(built)
            push = "--push" in sub or any("push=true" in o or o.startswith("type=registry")
                                          for o in _opt_values(sub, "--output", "-o"))
            out.append(Action("build", cmd.line, f"{tool} build", tags))
            if push:
                out.append(Action("push", cmd.line, f"{tool} build --push", tags or ("",)))
        elif sub and sub[0] == "tag" and len(sub) >= 3:
            built_tags.append(sub[-1])
        elif sub and sub[0] == "push":
            args = _positional(sub, 1)
            if "-a" in sub or "--all-tags" in sub:
                repo = parse_image(args[0]).identity if args else ""
                tags = tuple(t for t in built_tags if parse_image(t).identity == repo) or tuple(args)
            else:
                tags = tuple(args[:1])
            out.append(Action("push", cmd.line, f"{tool} push", tags or ("",)))
        elif sub and sub[0] == "compose" and "push" in sub:
            out.append(Action("push", cmd.line, "docker compose push", ("<compose file>",)))
        elif sub and sub[0] == "compose" and "build" in sub:
            out.append(Action("build", cmd.line, "docker compose build"))
    if tool == "az" and len(w) > 2 and w[1] == "acr" and w[2] == "build":
        acr = tuple(_opt_values(w, "-t", "--image"))
        out.append(Action("build", cmd.line, "az acr build", acr))
        if "--no-push" not in w:
            out.append(Action("push", cmd.line, "az acr build", acr or ("",)))
    if tool == "executor" and "kaniko" in w[0]:  # kaniko pushes every --destination unless --no-push
        dests = tuple(_opt_values(w, "--destination", "-d"))
        out.append(Action("build", cmd.line, "kaniko executor", dests))
        if dests and "--no-push" not in w:
            out.append(Action("push", cmd.line, "kaniko executor", dests))
    if tool == "ko" and len(w) > 1 and w[1] in ("build", "publish", "resolve", "apply") and not any(
            x in ("--push=false", "--local", "-L") for x in w):  # ko pushes to $KO_DOCKER_REPO by default
        tags = tuple(t for v in _opt_values(w, "--tags", "-t") for t in v.split(",") if t) or ("latest",)
        out.append(Action("build", cmd.line, f"ko {w[1]}"))
        out.append(Action("push", cmd.line, f"ko {w[1]}", tuple(f"$KO_DOCKER_REPO:{t}" for t in tags)))
    if tool == "gcloud" and len(w) > 2 and w[1:3] == ("builds", "submit") and _opt_values(w, "--tag", "-t"):
        tags = tuple(_opt_values(w, "--tag", "-t"))
        out.append(Action("build", cmd.line, "gcloud builds submit", tags))
        out.append(Action("push", cmd.line, "gcloud builds submit", tags))
    if tool == "make" and any(_MAKE_PUSH_RE.fullmatch(x) for x in w[1:]):
        out.append(Action("push", cmd.line, _summary(w, 2), ("",)))
    if tool in ("crane", "skopeo") and len(w) > 2 and w[1] in ("push", "copy", "cp"):
        dest = w[-1].removeprefix("docker://")
        out.append(Action("push", cmd.line, f"{tool} {w[1]}", (dest,)))
    for rx, container in _DEPLOY_RES:
        if rx.search(text):
            out.append(Action("deploy", cmd.line, _summary(w, 3), container=container))
            break
    if any(r.search(text) for r in _BUILD_RES):
        out.append(Action("build", cmd.line, _summary(w, 2)))
    if any(r.search(text) for r in _SCAN_RES):
        out.append(Action("scan", cmd.line, _summary(w, 3)))
    if any(r.search(text) for r in _TRAIN_RES):
        out.append(Action("train", cmd.line, _summary(w, 4)))
    if _AML_SCHEDULE_RE.search(text):
        out.append(Action("schedule", cmd.line, _summary(w, 4)))
    return out


def _truthy(v: str | None) -> bool:
    return v is not None and v.strip().lower() not in ("", "false", "no", "0", "off")


def split_tags(text: str) -> list[str]:
    return [t.strip() for t in re.split(r"[\n,]", text) if t.strip()]


def step_actions(step: Mapping[str, Any], built_tags: list[str] | None = None) -> list[Action]:
    """Everything a step does, with the line of the command (scripts) or of the step."""
    built_tags = built_tags if built_tags is not None else []
    out: list[Action] = []
    line = step.get("line")
    inputs: Mapping[str, str] = step.get("inputs") or {}
    uses = action_name(step.get("uses"))
    if uses:
        if uses in TEST_ACTIONS:
            out.append(Action("test", line, uses))
        if uses == "docker/build-push-action":
            tags = split_tags(inputs.get("tags", ""))
            out.append(Action("build", line, uses, tuple(tags)))
            if _truthy(inputs.get("push")) or "type=registry" in inputs.get("outputs", ""):
                out.append(Action("push", line, uses, tuple(tags) or ("",)))
        if uses in _DEPLOY_ACTIONS:
            container = _DEPLOY_ACTIONS[uses]
            if uses == "azure/webapps-deploy":  # a code package unless `images:` names a container image
                container = bool((inputs.get("images") or "").strip())
            out.append(Action("deploy", line, uses, container=container))
        if uses in SCAN_ACTIONS or uses.startswith("snyk/actions/docker") or uses.startswith("anchore/scan-action"):
            scan_type = inputs.get("scan-type", inputs.get("scanType", "image")).lower()
            if uses != "aquasecurity/trivy-action" or scan_type in ("image", ""):
                out.append(Action("scan", line, uses))
        if uses in TRAIN_ACTIONS:
            out.append(Action("train", line, uses))
        if uses == "azure/cli" and inputs.get("inlineScript"):
            out += _script_actions({**step, "script": inputs["inlineScript"], "script_line": None}, built_tags)
    name, ver = task_name(step.get("task"))
    if name:
        what = str(step.get("task")).rsplit(".", 1)[-1] if "." in str(step.get("task")).split("@")[0] else str(step.get("task"))
        t = _test_task(name, inputs)
        if t:
            out.append(Action("test", line, t))
        if name == "docker" and ver in ("0", "1"):
            legacy = (inputs.get("command") or "Build an image").lower()
            image = (inputs.get("imageName") or "$(Build.Repository.Name):$(Build.BuildId)",)
            if "build" in legacy:
                out.append(Action("build", line, f"{what} {inputs.get('command') or 'Build an image'}", image))
            if "push" in legacy:
                out.append(Action("push", line, f"{what} {inputs.get('command')}", image))
        elif name == "docker":
            shown = inputs.get("command") or "buildAndPush"
            cmd = shown.lower()
            dtags = tuple(split_tags(inputs.get("tags", "$(Build.BuildId)")))
            if cmd in ("build", "buildandpush"):
                out.append(Action("build", line, f"{what} {shown}", dtags))
            if cmd in ("push", "buildandpush"):
                out.append(Action("push", line, f"{what} {shown}", dtags))
        if name in ("dotnetcorecli",) and (inputs.get("command") or "build").lower() in ("build", "publish", "pack"):
            out.append(Action("build", line, f"{what} {inputs.get('command', 'build')}"))
        if name in ("vsbuild", "msbuild", "maven", "gradle", "xcode"):
            out.append(Action("build", line, what))
        if name in _DEPLOY_TASKS:
            cmd = (inputs.get("action") or inputs.get("command") or "deploy").lower()
            if name not in ("kubernetes", "kubernetesmanifest", "helmdeploy") or cmd in (
                    "deploy", "apply", "create", "set", "upgrade", "install", "promote", "patch", "scale") \
                    or cmd.startswith(("$(", "${{", "$[")):  # canary jobs: action: $(strategy.action)
                container = _DEPLOY_TASKS[name]
                if name == "azurermwebappdeployment":  # webAppContainer / DockerRepository: a container image
                    container = "container" in (inputs.get("appType") or inputs.get("WebAppKind") or "").lower() \
                        or bool(inputs.get("DockerRepository") or inputs.get("DockerNamespace"))
                out.append(Action("deploy", line, what, container=container))
        if SCAN_TASK_RE.match(name):
            out.append(Action("scan", line, what))
        if TRAIN_TASK_RE.match(name):
            out.append(Action("train", line, what))
        if name in ("azurecli", "azurepowershell", "bash", "cmdline", "powershell", "shellscript", "pythonscript"):
            path = inputs.get("scriptPath") or inputs.get("filePath") or inputs.get("ScriptPath")
            if path:
                runner = "python " if name == "pythonscript" else ""
                text = f"{runner}{path} {inputs.get('arguments') or inputs.get('scriptArguments') or ''}".strip()
                out += _script_actions({**step, "script": text, "script_line": None}, built_tags)
    if step.get("script"):
        out += _script_actions(step, built_tags)
    return out


def _script_actions(step: Mapping[str, Any], built_tags: list[str]) -> list[Action]:
    out: list[Action] = []
    for cmd in commands(step):
        out += _command_actions(cmd, built_tags)
    return out


def is_test_report(step: Mapping[str, Any]) -> bool:
    name, _ = task_name(step.get("task"))
    return action_name(step.get("uses")) in REPORT_ACTIONS or name == "publishtestresults"


def job_actions(job: Mapping[str, Any]) -> list[tuple[Mapping[str, Any], Action]]:
    """(step, action) pairs of a job in step order. A test-results publisher after a script step
    counts as a test (the script produced the results). After the job starts a kind/minikube/k3d cluster, its
    container deploys go to that throwaway cluster: end-to-end tests, not deliveries. Pushes to a registry on
    the runner (localhost:5000) are not deliveries either."""
    out: list[tuple[Mapping[str, Any], Action]] = []
    built: list[str] = []
    ran_script = False
    local_cluster = False  # kind/minikube/k3d started by this job: its deploys go to a throwaway test cluster
    for step in job.get("steps") or []:
        if not isinstance(step, Mapping):
            continue
        if is_test_report(step) and ran_script:
            out.append((step, Action("test", step.get("line"), "test results published after a script step")))
        for a in step_actions(step, built):
            if local_cluster and a.kind == "deploy" and a.container:  # an end-to-end test, not a delivery
                out.append((step, Action("test", a.line, f"{a.what} into a throwaway cluster (end-to-end test)")))
                continue
            if a.kind == "push" and a.tags and all(_LOCAL_REGISTRY_RE.match(t) for t in a.tags):
                continue  # a registry on the runner (kind's local registry), not a delivery
            out.append((step, a))
        if _starts_local_cluster(step):
            local_cluster = True
        if step.get("script") or step.get("task"):
            ran_script = True
    return out


LOCAL_CLUSTER_ACTIONS = ("helm/kind-action", "engineerd/setup-kind", "container-tools/kind-action",
                         "medyagh/setup-minikube", "manusa/actions-setup-minikube", "absaoss/k3d-action",
                         "nolar/setup-k3d-k3s", "debianmaster/actions-k3s", "jupyterhub/action-k3s-helm")
_LOCAL_CLUSTER_RE = re.compile(r"\bkind\s+create\s+cluster\b|\bminikube\s+start\b|\bk3d\s+cluster\s+create\b"
                               r"|\bctlptl\s+create\s+cluster\b|get\.k3s\.io")
_LOCAL_REGISTRY_RE = re.compile(r"^(?:localhost|127\.0\.0\.1|kind-registry|registry\.local)(?::\d+)?/")


def _starts_local_cluster(step: Mapping[str, Any]) -> bool:
    if action_name(step.get("uses")) in LOCAL_CLUSTER_ACTIONS:
        return True
    return any(_LOCAL_CLUSTER_RE.search(c.text) for c in commands(step))


def pipeline_actions(data: Mapping[str, Any]) -> list[tuple[Mapping[str, Any], Mapping[str, Any], Action]]:
    return [(j, s, a) for j in jobs(data) for s, a in job_actions(j)]


def delivery_kinds() -> tuple[str, ...]:
    return ("push", "deploy")


# ---- tags ------------------------------------------------------------------------------------------
_VERSION_MARKERS = re.compile(
    r"(?i)github\.sha|github_sha|github\.run_(?:number|id)|github_run_(?:number|id)|github\.ref_name|github_ref_name"
    r"|github\.event\.release\.tag_name|build\.build(?:id|number)|build_build(?:id|number)|build\.sourceversion"
    r"|build_sourceversion|\{\{\s*\.run\.id\s*\}\}|git\s+rev-parse|git\s+describe|git\s+log\b|\bdate\s+[+-]"
    r"|version|semver|\bsha\b|_sha\b|\.sha\b|commit|revision|\brun_number\b|\bbuild_?id\b|\bbuild_?number\b"
    r"|tag_name|\.outputs\.(?:tag|tags|version|sha)\b|ci_commit|short_sha|git_hash|githash")
_SEMVER_RE = re.compile(r"^v?\d+(?:\.\d+){1,3}(?:[-+][0-9A-Za-z.\-]+)?$")
_HEX_RE = re.compile(r"^[0-9a-f]{7,64}$")
_VAR_RE = re.compile(r"\$\{\{\s*(steps\.[\w-]+\.outputs\.[\w-]+)\s*\}\}|\$\{\{\s*(?:env|vars|inputs)\.([A-Za-z_][\w-]*)\s*\}\}|\$\(([A-Za-z_][\w.]*)\)|\$\{([A-Za-z_]\w*)\}"
                     r"|\$([A-Za-z_]\w*)|\$env:([A-Za-z_]\w*)")
DYNAMIC_RE = re.compile(r"\$|\{\{")


def expand(text: str, variables: Mapping[str, str]) -> str:
    """Substitute known variables (`${{ env.X }}`, `$(X)`, `${X}`, `$X`, `$env:X`) a few rounds deep."""
    for _ in range(5):
        def sub(m: re.Match[str]) -> str:
            name = next(g for g in m.groups() if g)
            for cand in (name, name.upper(), name.replace(".", "_").upper()):
                if cand in variables:
                    return variables[cand]
            return m.group(0)

        new = _VAR_RE.sub(sub, text)
        if new == text:
            break
        text = new
    return text


def tag_of(ref: str) -> str | None:
    """The tag part of an image reference (None when none is written: that pushes `latest`)."""
    r = ref.strip()
    if "@sha256:" in r:
        return r.split("@", 1)[1]
    if "/" not in r and ":" not in r and not DYNAMIC_RE.search(r):
        # a bare word in a `tags:` list is a tag on its own (Docker@2, build-push-action short form)
        return r
    return parse_image(r).tag


def classify_tag(ref: str, variables: Mapping[str, str], bare: bool = False) -> str:
    """`versioned` (commit SHA, run/build number, semantic version, date, digest), `mutable`
    (latest or a fixed word such as `prod`), or `unknown` (an unresolved variable)."""
    text = expand(ref, variables).strip()
    if not text:
        return "mutable"
    if _VERSION_MARKERS.search(text):
        return "versioned"
    tag = text if bare else tag_of(text)
    if tag is None:
        return "unknown" if DYNAMIC_RE.search(text) else "mutable"
    if tag.startswith("sha256:"):
        return "versioned"
    if DYNAMIC_RE.search(tag):
        return "unknown"
    if _SEMVER_RE.match(tag) or _HEX_RE.match(tag) or re.match(r"^\d{6,}", tag):
        return "versioned"
    return "mutable"


def env_of(data: Mapping[str, Any], job: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, str]:
    env: dict[str, str] = {}
    env.update(data.get("variables") or {})
    env.update(job.get("env") or {})
    env.update(step.get("env") or {})
    return env


_ASSIGN_RE = re.compile(r"^\s*(?:export\s+|set\s+|\$(?:env:)?)?([A-Za-z_]\w*)\s*=\s*(.*)$")
_GH_ENV_RE = re.compile(r"""echo\s+["']?([A-Za-z_]\w*)=([^"'>]*)["']?\s*>>\s*["']?\$\{?GITHUB_ENV""")
_GH_OUTPUT_RE = re.compile(r"""echo\s+["']?([A-Za-z_][\w-]*)=([^"'>]*)["']?\s*>>\s*["']?\$\{?GITHUB_OUTPUT""")
_AZ_SETVAR_RE = re.compile(r"##vso\[task\.setvariable\s+variable=([A-Za-z_][\w.]*)[^\]]*\]([^\"'\n]*)")


def script_assignments(script: str) -> dict[str, str]:
    """Variables a script sets for itself (`TAG=...`) or for later steps ($GITHUB_ENV, ##vso setvariable)."""
    out: dict[str, str] = {}
    for raw in script.split("\n"):
        m = _ASSIGN_RE.match(raw)
        if m:
            out[m.group(1)] = m.group(2).strip().strip("\"'")
        for rx in (_GH_ENV_RE, _AZ_SETVAR_RE):
            for m2 in rx.finditer(raw):
                out[m2.group(1)] = m2.group(2).strip().strip("\"'")
    return out


def step_outputs(step: Mapping[str, Any]) -> dict[str, str]:
    """`echo "tag=..." >> $GITHUB_OUTPUT` in a step with an id: {"steps.<id>.outputs.tag": "..."}."""
    sid = step.get("id")
    text = step.get("script")
    if not sid or not isinstance(text, str):
        return {}
    return {f"steps.{sid}.outputs.{m.group(1)}": m.group(2).strip().strip("\"'") for m in _GH_OUTPUT_RE.finditer(text)}


def metadata_versioned(step: Mapping[str, Any], tag_push: bool) -> str:
    """docker/metadata-action: do the tags it computes include a unique version?"""
    spec = (step.get("inputs") or {}).get("tags")
    if not spec:
        return "versioned" if tag_push else "mutable"
    for line in spec.split("\n"):
        s = line.strip()
        if not s:
            continue
        if re.search(r"type=(?:sha|semver|pep440|schedule|match)\b", s) or (
                "type=ref" in s and "event=tag" in s) or ("type=raw" in s and _VERSION_MARKERS.search(
                    s.split("value=", 1)[-1])):
            return "versioned"
    return "mutable"

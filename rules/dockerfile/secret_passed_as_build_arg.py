"""DF014 secret-passed-as-build-arg."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.dockerfile import DockerfileModel, env_pairs
from auditor.secrets import find_secret, is_placeholder, secret_name


@rule(
    code="DF014",
    name="secret-passed-as-build-arg",
    title="Secret is passed through a build argument or baked into ENV",
    controls=["CONT-NO-SECRETS-IN-IMAGE"],
    target="dockerfile",
    severity="high",
    rationale=(
        "`ARG GITHUB_TOKEN` looks harmless because the value comes from `--build-arg`, but build arguments "
        "used by RUN are recorded in the image history, and `ENV HF_TOKEN=$HF_TOKEN` copies the secret into "
        "the image config for everyone who pulls it (BuildKit check SecretsUsedInArgOrEnv)."
    ),
    remediation=(
        "Use a secret mount for build-time secrets and inject runtime secrets when the container starts:\n\n"
        "```dockerfile\n# docker build --secret id=gh_token,env=GITHUB_TOKEN .\n"
        "RUN --mount=type=secret,id=gh_token,env=GITHUB_TOKEN ./fetch-private-deps.sh\n```"
    ),
    references=("https://docs.docker.com/reference/build-checks/secrets-used-in-arg-or-env/",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """No ARG with a secret-looking name (TOKEN, PASSWORD, API_KEY, SECRET...) is declared without a literal
    value, and no ENV with such a name takes its value from a variable: both carry a secret supplied at
    build time into the image history or config. Literal values are DF012's concern."""
    model: DockerfileModel = res.data
    for idx, inst in enumerate(model.instructions):
        if inst.cmd not in ("ARG", "ENV"):
            continue
        for name, value in env_pairs(inst):
            if not secret_name(name) or find_secret(name, value) is not None:
                continue
            v = value.strip()
            if inst.cmd == "ARG" and (not v or is_placeholder(v)):
                yield Violation(
                    f"ARG {name} passes a secret as a build argument; it is recorded in the image history",
                    line=inst.line,
                    path=("instructions", idx),
                )
            elif inst.cmd == "ENV" and "$" in v:
                yield Violation(
                    f"ENV {name} copies a secret from {v.split()[0][:40]} into the image configuration",
                    line=inst.line,
                    path=("instructions", idx),
                )
